"""Which requests may be answered from memory, which responses may be kept,
and the key that tells kept pages apart."""

from __future__ import annotations

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

ALLOWED_SESSION_KEYS = {"csrf_token", "_fresh"}
KEY_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request", "HX-Target")


def skip() -> None:
    """This response depends on the visitor: never keep it."""
    g.page_cache_skip = True


def eligible() -> bool:
    if request.method not in ("GET", "HEAD") or request.endpoint in (None, "static"):
        return False
    allowed_cookies = {current_app.config["SESSION_COOKIE_NAME"], "lang"}
    if not set(request.cookies) <= allowed_cookies:
        return False
    if not set(session.keys()) <= ALLOWED_SESSION_KEYS:
        return False
    return not current_user.is_authenticated


def key() -> tuple:
    # The host and scheme too: pages carry absolute links (og:url), and a
    # request with someone else's Host header must not leave them for others.
    return (
        str(get_locale()),
        request.scheme,
        request.host,
        request.script_root,
        request.path,
        request.query_string,
        tuple(request.headers.get(name, "") for name in KEY_HEADERS),
    )


def storable(response: Response) -> bool:
    return (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not response.is_streamed
        and "Cache-Control" not in response.headers
        and "Set-Cookie" not in response.headers
        and "Content-Encoding" not in response.headers
        and not g.get("page_cache_skip")
        and set(session.keys()) <= ALLOWED_SESSION_KEYS
        and not current_user.is_authenticated
    )
