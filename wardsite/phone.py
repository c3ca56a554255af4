"""Vietnamese phone numbers, normalised to 0xxxxxxxxx.

Mobiles are ten digits starting 03, 05, 07, 08 or 09; landlines are eleven
digits starting 02 (e.g. 024 Hà Nội, 028 TP HCM). `+84` or `84` may replace
the leading 0; spaces, dots, dashes and brackets are ignored.
"""

import re

_SEPARATORS = re.compile(r"[\s.\-()]")
_MOBILE = re.compile(r"0[35789]\d{8}")
_LANDLINE = re.compile(r"02\d{9}")


def normalize_phone(raw: str) -> str | None:
    """The number as 0xxxxxxxxx, or None when it is not a Vietnamese number."""
    digits = _SEPARATORS.sub("", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    return None
