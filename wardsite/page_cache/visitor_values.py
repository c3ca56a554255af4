"""Per-visitor values in a kept page: the session's CSRF token, one-time tokens
and live values are cut out as markers when the page is kept, and drawn
afresh for each visitor it is served to."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from flask import g
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

MARKER = re.compile("\ue000(\\d+)\ue001")

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
    return f"\ue000{len(slots) - 1}\ue001"


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

    def marker() -> str:
        return f"\ue000{len(slots) - 1}\ue001"

    live_values = g.get("page_cache_live", [])
    for call, value in live_values:  # live() numbered its markers from 0
        slots.append(("live", *call))
        values.append(str(value))
    csrf = g.get("csrf_token")
    if csrf and csrf in body:
        slots.append(("csrf",))
        values.append(csrf)
        body = body.replace(csrf, marker())
    for token in g.get("page_cache_tokens", []):
        slots.append(("token",))
        values.append(token)
        body = body.replace(token, marker())
    return body, slots, values


def fill_live(response: Response) -> None:
    """The response as sent now: live values in place of their markers."""
    live_values = g.get("page_cache_live")
    if live_values and not response.is_streamed:
        body = response.get_data(as_text=True)
        response.set_data(MARKER.sub(lambda match: str(live_values[int(match.group(1))][1]), body))
