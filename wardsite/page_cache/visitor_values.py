"""Per-visitor values in a kept page: the session's CSRF token, one-time tokens
and live values are cut out as markers when the page is kept, and drawn
afresh for each visitor it is served to.

A marker is U+E000, a random number drawn once per process, the slot's
number and U+E001. Content cannot forge one: the number never leaves the
process (markers exist only in kept pages, never in a response), and input
loses private-use characters anyway (`strip_private_use`: query strings here,
form fields in `wardsite.forms`)."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Callable

from urllib.parse import parse_qsl

from flask import Flask, g
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.utils import cached_property
from werkzeug.wrappers import Response

NONCE = secrets.token_hex(8)
MARKER = re.compile(f"\ue000{NONCE}(\\d+)\ue001")

# The Basic Multilingual Plane's private-use area: nothing a resident types,
# and the markers' delimiters.
_PRIVATE_USE = dict.fromkeys(range(0xE000, 0xF900))


def strip_private_use(value):
    return value.translate(_PRIVATE_USE) if isinstance(value, str) else value


def marker(number: int) -> str:
    return f"\ue000{NONCE}{number}\ue001"


class PrivateUseStripped:
    """A mixin for the app's request class: query-string values without
    private-use characters (so a search box echoing `?q=` carries no marker)."""

    @cached_property
    def args(self):
        pairs = parse_qsl(self.query_string.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
        return self.parameter_storage_class((key, strip_private_use(value)) for key, value in pairs)

LIVE_VALUES: dict[str, Callable[..., object]] = {}


def add_live_value(name: str, compute: Callable[..., object]) -> None:
    """compute(*args) gives the value again each time a kept page is served;
    None means the page cannot be served from memory."""
    LIVE_VALUES[name] = compute


def unique_token() -> str:
    """A random token (e.g. a form's idempotency key), different for every visitor
    even when the page is served from memory."""
    token = secrets.token_urlsafe(16)
    if g.get("page_cache_key") is not None:
        g.setdefault("page_cache_tokens", []).append(token)
    return token


def live(name: str, *args, value):
    """`value` now; on a page served from memory, LIVE_VALUES[name](*args)."""
    if g.get("page_cache_key") is None:
        return value
    slots = g.setdefault("page_cache_live", [])
    slots.append(((name, *args), value))
    return marker(len(slots) - 1)


def slot_value(slot: tuple) -> str | None:
    """A slot's value for this visitor, or None when the page cannot be served."""
    kind = slot[0]
    if kind == "csrf":
        return generate_csrf()
    if kind == "token":
        return secrets.token_urlsafe(16)
    value = LIVE_VALUES[slot[1]](*slot[2:])
    return None if value is None else str(value)


def cut(body: str) -> tuple[str, list[tuple], list[str]]:
    """The page with per-visitor values replaced by markers, its slots, and
    the values this response carries in them."""
    slots: list[tuple] = []
    values: list[str] = []

    live_values = g.get("page_cache_live", [])
    for call, value in live_values:  # live() numbered its markers from 0
        slots.append(("live", *call))
        values.append(str(value))
    csrf = g.get("csrf_token")
    if csrf and csrf in body:
        slots.append(("csrf",))
        values.append(csrf)
        body = body.replace(csrf, marker(len(slots) - 1))
    for token in g.get("page_cache_tokens", []):
        slots.append(("token",))
        values.append(token)
        body = body.replace(token, marker(len(slots) - 1))
    return body, slots, values


def fill_live(response: Response) -> None:
    """The response as sent now: live values in place of their markers."""
    live_values = g.get("page_cache_live")
    if live_values and not response.is_streamed:
        body = response.get_data(as_text=True)
        response.set_data(MARKER.sub(lambda match: str(live_values[int(match.group(1))][1]), body))


# Before Flask ------------------------------------------------------------------------

FILLABLE = {"csrf", "token"}


def fillable(slots: list[tuple]) -> bool:
    """FastPath may fill these slots itself: CSRF and one-time tokens, no live value."""
    return all(slot[0] in FILLABLE for slot in slots)


class FreshTokens:
    """A kept form's per-visitor values drawn without Flask, for a visitor
    without a session, exactly as Flask-WTF and Flask's session would: a new
    session holding only a new CSRF token, its signed cookie, the signed token
    in the page. What Flask sent the first such visitor gives everything else
    (`replayable` checks that its cookie held nothing but the token)."""

    def __init__(self, app: Flask):
        self.app = app
        interface = app.session_interface
        self.sessions = interface.get_signing_serializer(app) if type(interface) is SecureCookieSessionInterface else None
        self.cookie_name = app.config["SESSION_COOKIE_NAME"]
        self.field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        self.csrf = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")

    def _session_of(self, headers: list) -> dict | None:
        """The session Flask's reply set, or None when it set none."""
        cookies = [value for name, value in headers if name.lower() == "set-cookie"]
        if not cookies:
            return None
        value = cookies[0].split(";", 1)[0].partition("=")[2]
        try:
            return self.sessions.loads(value)
        except BadSignature:
            return {"unreadable": True}

    def replayable(self, entry, headers: list) -> bool:
        if not fillable(entry.slots) or self.sessions is None:
            return False
        cookies = [value for name, value in headers if name.lower() == "set-cookie"]
        csrf = any(slot[0] == "csrf" for slot in entry.slots)
        if not csrf:
            return not cookies
        if len(cookies) != 1 or not cookies[0].startswith(self.cookie_name + "="):
            return False
        attributes = cookies[0].lower()
        if "expires=" in attributes or "max-age=" in attributes:  # a permanent session: its date moves
            return False
        session = self._session_of(headers)
        return session is not None and set(session) == {self.field}

    def fill(self, entry, reply) -> tuple[list, bytes]:
        """(headers, body) of `reply` for a new visitor: their own tokens, cookie, ETag and length."""
        from flask_compress.flask_compress import _compress_data

        from wardsite.page_cache.conditional import etag

        raw = hashlib.sha1(os.urandom(64)).hexdigest()  # as Flask-WTF draws a session's token
        values = [self.csrf.dumps(raw) if slot[0] == "csrf" else secrets.token_urlsafe(16) for slot in entry.slots]
        encoded = [value.encode() for value in values]
        parts = [entry.segments[0]]
        for slot_id, segment in zip(entry.slot_ids, entry.segments[1:]):
            parts.append(encoded[slot_id])
            parts.append(segment)
        body = b"".join(parts)
        tag, weak = etag(entry.digest, entry.slots, values, session_token=raw)
        encoding = next((value for name, value in reply.headers if name.lower() == "content-encoding"), None)
        if encoding is not None:
            with self.app.app_context():
                body = _compress_data(self.app, body, encoding)
        headers = []
        for name, value in reply.headers:
            lower = name.lower()
            if lower == "set-cookie":
                rest = value.split(";", 1)[1] if ";" in value else ""
                value = f"{self.cookie_name}={self.sessions.dumps({self.field: raw})}" + (f";{rest}" if rest else "")
            elif lower == "etag":
                value = f'W/"{tag}"' if weak else f'"{tag}:{encoding}"' if encoding else f'"{tag}"'
            elif lower == "content-length":
                value = str(len(body))
            headers.append((name, value))
        return headers, body
