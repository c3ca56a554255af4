"""Redirect targets we can trust."""

from urllib.parse import urlsplit


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
