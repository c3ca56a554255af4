"""Vietnamese text helpers: accent folding for search, slugs for URLs."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case without accents, đ as d: "Đăng ký khai sinh" -> "dang ky khai sinh".

    Search compares folded text on both sides, so residents who type without
    accents (or in capitals) still find what they want.
    """
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())


def slugify(text: str, max_length: int = 80) -> str:
    """"Đăng ký khai sinh!" -> "dang-ky-khai-sinh"."""
    slug = _NON_WORD.sub("-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-") or "muc"
