"""What the site reads from a URL: redirect targets we can trust, and the
page of a long list."""

from urllib.parse import urlsplit

from flask import request

PAGE_PARAMETER = "trang"  # ?trang=2: the second page of a list
MAX_PAGE = 100_000  # past any real list; keeps the OFFSET of a hand-typed number sane


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None.

    Refuses absolute URLs, scheme-relative `//host` and the backslash forms
    browsers treat as `//`, so `next` cannot send anyone to another site.
    """
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def page_number() -> int:
    """The list page the request asks for (?trang=N), from 1; anything else is 1."""
    return max(1, min(request.args.get(PAGE_PARAMETER, 1, type=int), MAX_PAGE))
