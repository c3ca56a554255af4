"""Conditional GET for eligible pages: the ETag (weak when it names the
session's CSRF token), `Cache-Control: private, no-cache`, and 304 for a
matching If-None-Match."""

from __future__ import annotations

import hashlib

from flask import request, session
from werkzeug.wrappers import Response


def etag(digest: str, slots: list[tuple], values: list[str], session_token: str | None = None) -> tuple[str, bool]:
    """(tag, weak). A CSRF token is signed with the time, but any token of the
    session is good: the tag names the session's token (`session_token`, or
    the session's), and is weak."""
    if not slots:
        return digest, False
    parts = [digest]
    for slot, value in zip(slots, values):
        if slot[0] == "csrf":
            value = session.get("csrf_token", "") if session_token is None else session_token
        parts.append(value)
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=16).hexdigest(), any(s[0] == "csrf" for s in slots)


def _not_modified(tag: str, weak: bool) -> str | None:
    """The tag the client holds, if it matches (with the suffix Flask-Compress adds)."""
    held = request.if_none_match
    if not held:
        return None
    for candidate in (tag, *(f"{tag}:{algorithm}" for algorithm in ("gzip", "br", "zstd", "deflate"))):
        if held.contains_weak(candidate):
            return candidate
    return None


def finish(response: Response, tag: str, weak: bool) -> Response:
    """The response with its tag, or a bodiless 304 if the client holds it already."""
    response.headers["Cache-Control"] = "private, no-cache"
    matched = _not_modified(tag, weak)
    if matched is not None:
        not_modified = Response(status=304)
        for name in ("Vary", "Cache-Control"):
            if name in response.headers:
                not_modified.headers[name] = response.headers[name]
        not_modified.set_etag(matched, weak=weak)
        return not_modified
    response.set_etag(tag, weak=weak)
    return response
