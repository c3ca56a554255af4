"""What the site reads from a URL and writes into one: redirect targets we can
trust, the page of a long list, and the absolute links that leave the site
(messages, feeds, QR codes), which are built on the ward's configured address,
never on the Host header a request happens to carry."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request

PAGE_PARAMETER = "trang"  # ?trang=2: the second page of a list
MAX_PAGE = 100_000  # past any real list; keeps the OFFSET of a hand-typed number sane


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None.

    Refuses absolute URLs, scheme-relative `//host` and the backslash forms
    browsers treat as `//`, so `next` cannot send anyone to another site; and
    control characters (CR LF would split the Location header).
    """
    if not target or not isinstance(target, str) or "\\" in target:
        return None
    if any(ord(ch) < 32 or ord(ch) == 0x7F for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def safe_back(target: str | None, default: str, prefix: str = "/") -> str:
    """`target` if it is a path on this site under `prefix` (see safe_next), else `default`."""
    target = safe_next(target)
    return target if target and target.startswith(prefix) else default


def page_number() -> int:
    """The list page the request asks for (?trang=N), from 1; anything else is 1."""
    return max(1, min(request.args.get(PAGE_PARAMETER, 1, type=int), MAX_PAGE))


# Absolute links ---------------------------------------------------------------

DEVELOPMENT_URL = "http://127.0.0.1:5000"


class CanonicalURLMissing(RuntimeError):
    """Production without WARDSITE_CANONICAL_URL: links would have no address."""


def check_canonical_url(value: str | None, *, required: bool) -> str:
    """The configured CANONICAL_URL, without its trailing slash; the
    development address when none is set and none is required."""
    value = (value or "").strip().rstrip("/")
    if not value:
        if required:
            raise CanonicalURLMissing(
                "WARDSITE_CANONICAL_URL is not set. Set it to the address residents use, "
                "e.g. WARDSITE_CANONICAL_URL=https://phuong.example.gov.vn: links in messages, "
                "feeds and QR codes are built on it, never on a request's Host header."
            )
        return DEVELOPMENT_URL
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise CanonicalURLMissing(f"WARDSITE_CANONICAL_URL must be an http(s) address like https://phuong.example.gov.vn, not {value!r}.")
    return value


def canonical_host() -> str:
    """The host (and port) of the ward's address, e.g. phuong.example.gov.vn."""
    return urlsplit(current_app.config["CANONICAL_URL"]).netloc


def absolute_url_for(endpoint: str, **values) -> str:
    """url_for(endpoint, **values) as an absolute link on CANONICAL_URL, inside
    a request or not."""
    app = current_app
    parts = urlsplit(app.config.get("CANONICAL_URL") or DEVELOPMENT_URL)
    adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    values.pop("_external", None)
    anchor = values.pop("_anchor", None)
    url = adapter.build(endpoint, values, force_external=True)
    if anchor:
        from urllib.parse import quote

        url += "#" + quote(anchor, safe="%!#$&'()*+,/:;=?@")
    return url
