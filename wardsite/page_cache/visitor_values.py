"""Per-visitor values in a kept page: the session's CSRF token, one-time tokens
and live values are cut out as markers when the page is kept, and drawn
afresh for each visitor it is served to.

A marker is U+E000, a random number drawn once per process, the slot's
number and U+E001. Content cannot forge one: the number never leaves the
process (markers exist only in kept pages, never in a response), and input
loses private-use characters anyway (`strip_private_use`: query strings here,
form fields in `wardsite.forms`)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from urllib.parse import parse_qsl

from flask import g
from flask_wtf.csrf import generate_csrf
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
