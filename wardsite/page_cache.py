"""Anonymous public pages served from memory, never stale; conditional GET.

A page is kept (per worker, per app, least recently used first out) when an
anonymous visitor asked for it with GET or HEAD, and came back 200 as HTML:

- **Invalidation.** `content_version` is a one-row table. Any commit whose ORM
  flushes added, changed or deleted a record of a kind that public pages show
  adds one to it in the same transaction (`_note_flush` and `_bump_on_commit`).
  Each request that may be served from memory reads it with one query; a page
  kept under another version is not used. Writes that bypass the ORM (a bulk
  UPDATE) call `content_changed()`. Several gunicorn workers agree, since the
  version lives in the database.
- **Time.** A page is kept at most `PAGE_CACHE_SECONDS` (pages showing today's
  date or free slots change with the clock), and never past the next moment an
  area says its content changes by itself (`add_schedule`, e.g. the next
  scheduled article).
- **Who.** Only requests without a signed-in user, whose session holds at most
  the CSRF token, and with no cookie but the session and the language: flashed
  messages, a resident's booking codes or a rating cookie make the request
  ineligible. The key is the language, the scheme, host, path and query
  string, and the htmx headers a response varies on. A view whose page
  depends on anything else calls `skip()`.
- **Per-visitor values.** The CSRF token of the visitor's session (in comment,
  rating and booking forms) and one-time tokens from `unique_token()` are cut
  out of the kept page and drawn afresh for each visitor. `live(name, *args,
  value=…)` marks a value that is recomputed on every serve by the function
  registered under `name` (an article's view count, which also counts the view).

- **Before Flask.** `FastPath`, a WSGI middleware, answers a request without
  Flask's request machinery when Flask has already answered the very same
  request from a kept page: GET or HEAD, no cookie but the language, and the
  same raw scheme, host, path, query string, language cookie, htmx headers,
  Accept-Encoding and If-None-Match. It replays what Flask sent then (status,
  every header, the body), as long as the page is still kept and the content
  version is unchanged (one query on a pooled connection). Pages with
  per-visitor values are never answered there, nor any request Flask-Limiter
  counted; the request log line is written as Flask would (`"cached": true`).

Every eligible response carries `Cache-Control: private, no-cache` and an ETag;
a matching If-None-Match is answered 304 without a body. Kept pages also keep
their brotli copy (no per-visitor values) or a gzip stream built from
pre-compressed pieces, so a served page is not compressed again.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import struct
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain

from flask import Flask, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import generate_csrf
from sqlalchemy import BigInteger, Column, Integer, event, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import parse_cookie
from werkzeug.wrappers import Response

from wardsite import request_log
from wardsite.extensions import db, limiter

content_version = db.Table(
    "content_version",
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False),
)

READ_VERSION = "SELECT value FROM content_version WHERE id = 1"
# An upsert, so that a truncated table (the PostgreSQL tests) starts again.
BUMP_VERSION = text(
    "INSERT INTO content_version (id, value) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET value = content_version.value + 1"
)

# Records no public page shows: changing them keeps every kept page.
IGNORED_TABLES = {
    "audit_entry",
    "outbox_message",
    "shift_swap",  # volunteers' own pages; the assignments it moves count
    "volunteer_availability",
    "volunteer_away",
}
# Columns of shown records that no public page shows (a sign-in sets last_login_at).
IGNORED_COLUMNS = {"user": {"last_login_at", "password_hash"}}

ALLOWED_SESSION_KEYS = {"csrf_token", "_fresh"}
KEY_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request", "HX-Target")
KEPT_HEADERS = {"content-type", "vary", "content-language"}
MAX_BODY = 512 * 1024
MAX_REPLIES = 8  # per kept page: the variants of Accept-Encoding, If-None-Match and method
_PENDING = "page_cache_content_changed"
_MARKER = re.compile("\ue000(\\d+)\ue001")
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_DEFLATE_END = b"\x03\x00"  # an empty final block


# Content version -----------------------------------------------------------------


def content_changed() -> None:
    """Make the current transaction add one to the content version on commit."""
    db.session.info[_PENDING] = True


def _shows(obj) -> bool:
    table = getattr(type(obj), "__tablename__", None)
    return table not in IGNORED_TABLES


def _really_changed(obj) -> bool:
    ignored = IGNORED_COLUMNS.get(getattr(type(obj), "__tablename__", None))
    if not ignored:
        return True
    state = inspect(obj)
    return any(attr.history.has_changes() for key, attr in state.attrs.items() if key not in ignored)


@event.listens_for(FlaskSession, "after_flush")
def _note_flush(session, flush_context) -> None:
    if session.info.get(_PENDING):
        return
    if any(_shows(obj) for obj in chain(session.new, session.deleted)) or any(
        _shows(obj) and _really_changed(obj) for obj in session.dirty
    ):
        session.info[_PENDING] = True


@event.listens_for(FlaskSession, "before_commit")
def _bump_on_commit(session) -> None:
    # Flush first, so that the version row is always the last row a
    # transaction locks (no deadlock between two editors on PostgreSQL).
    if session.new or session.dirty or session.deleted:
        session.flush()
    if session.info.pop(_PENDING, False):
        session.execute(BUMP_VERSION)


@event.listens_for(FlaskSession, "after_soft_rollback")
def _forget_on_rollback(session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)


def read_version() -> int | None:
    """The content version; 0 for an emptied table (the next change makes it 1,
    and no page is kept longer than PAGE_CACHE_SECONDS anyway)."""
    try:
        # Straight to the session's connection: the same transaction as the
        # view's queries, without the ORM's statement handling.
        return db.session.connection().exec_driver_sql(READ_VERSION).scalar() or 0
    except SQLAlchemyError:  # not migrated yet: nothing is kept
        db.session.rollback()
        return None


# What areas register -------------------------------------------------------------

# (next_change, clock): next_change() is the next moment the area's content
# changes by itself (or None), compared with clock().
SCHEDULES: list[tuple[Callable[[], datetime | None], Callable[[], datetime]]] = []
LIVE_VALUES: dict[str, Callable[..., object]] = {}


def add_schedule(next_change: Callable[[], datetime | None], clock: Callable[[], datetime]) -> None:
    if all(existing[0] is not next_change for existing in SCHEDULES):
        SCHEDULES.append((next_change, clock))


def add_live_value(name: str, compute: Callable[..., object]) -> None:
    """compute(*args) gives the value again each time a kept page is served;
    None means the page cannot be served from memory."""
    LIVE_VALUES[name] = compute


# What views call -------------------------------------------------------------------


def skip() -> None:
    """This response depends on the visitor: never keep it."""
    g.page_cache_skip = True


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


# The cache -------------------------------------------------------------------------


@dataclass
class Reply:
    """A response exactly as Flask sent it from a kept page, and its log line's fields."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes
    path: str
    endpoint: str | None
    htmx: bool


@dataclass
class Entry:
    version: int
    expires: float  # PageCache.clock()
    deadlines: list  # [(moment, clock)]
    headers: list[tuple[str, str]]
    segments: list[bytes]  # the page, cut at its slots
    slot_ids: list[int]  # slot_ids[i] goes between segments[i] and segments[i + 1]
    slots: list[tuple]  # ("csrf",), ("token",) or ("live", name, *args)
    digest: str
    compressed: dict[str, object] = field(default_factory=dict)
    # What Flask sent for this page, by FastPath's key of the request (no slots only).
    replies: dict[tuple, Reply] = field(default_factory=dict)

    def expired(self, now: float) -> bool:
        return now >= self.expires or any(clock() >= moment for moment, clock in self.deadlines)


class PageCache:
    clock = staticmethod(time.monotonic)

    def __init__(self, max_entries: int, seconds: float):
        self.max_entries = max_entries
        self.seconds = seconds
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.lock = threading.Lock()
        self._schedule_memo: tuple[int, list] | None = None
        # FastPath's key of a request -> the key of the entry holding its reply.
        self.fast_keys: OrderedDict[tuple, tuple] = OrderedDict()

    def reply(self, fast_key: tuple) -> tuple[tuple, Entry, Reply] | None:
        """The reply Flask gave this request, if its page is still kept (the version unchecked)."""
        with self.lock:
            key = self.fast_keys.get(fast_key)
            entry = self.entries.get(key) if key is not None else None
            reply = entry.replies.get(fast_key) if entry is not None else None
            if reply is None:
                return None
            self.fast_keys.move_to_end(fast_key)
            return key, entry, reply

    def keep_reply(self, fast_key: tuple, key: tuple, entry: Entry, reply: Reply) -> None:
        with self.lock:
            if self.entries.get(key) is not entry or len(entry.replies) >= MAX_REPLIES:
                return
            entry.replies[fast_key] = reply
            self.fast_keys[fast_key] = key
            self.fast_keys.move_to_end(fast_key)
            while len(self.fast_keys) > self.max_entries * MAX_REPLIES:
                self.fast_keys.popitem(last=False)

    def get(self, key: tuple, version: int) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry.version != version or entry.expired(self.clock()):
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: Entry) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def deadlines(self, version: int) -> list:
        """The areas' next changes, asked once per content version (and again once one passed)."""
        memo = self._schedule_memo
        if memo is None or memo[0] != version or any(clock() >= moment for moment, clock in memo[1]):
            found = [(next_change(), clock) for next_change, clock in SCHEDULES]
            memo = (version, [(moment, clock) for moment, clock in found if moment is not None])
            self._schedule_memo = memo
        return memo[1]


def _cache() -> PageCache | None:
    return current_app.extensions.get("page_cache")


def _eligible() -> bool:
    if request.method not in ("GET", "HEAD") or request.endpoint in (None, "static"):
        return False
    allowed_cookies = {current_app.config["SESSION_COOKIE_NAME"], "lang"}
    if not set(request.cookies) <= allowed_cookies:
        return False
    if not set(session.keys()) <= ALLOWED_SESSION_KEYS:
        return False
    return not current_user.is_authenticated


def _key() -> tuple:
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


def _slot_value(slot: tuple) -> str | None:
    kind = slot[0]
    if kind == "csrf":
        return generate_csrf()
    if kind == "token":
        return secrets.token_urlsafe(16)
    value = LIVE_VALUES[slot[1]](*slot[2:])
    return None if value is None else str(value)


def _etag(digest: str, slots: list[tuple], values: list[str]) -> tuple[str, bool]:
    """(tag, weak). A CSRF token is signed with the time, but any token of the
    session is good: the tag names the session's token, and is weak."""
    if not slots:
        return digest, False
    parts = [digest]
    for slot, value in zip(slots, values):
        parts.append(session.get("csrf_token", "") if slot[0] == "csrf" else value)
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


def _finish(response: Response, tag: str, weak: bool) -> Response:
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


# Compression of kept pages -----------------------------------------------------------


def _accepts(algorithm: str) -> bool:
    return request.accept_encodings[algorithm] > 0


def _deflate_piece(data: bytes, level: int) -> bytes:
    """Raw deflate ending byte-aligned and not final: pieces from fresh
    compressors, joined, are one stream."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def _gzip(entry: Entry, values: list[bytes], body: bytes) -> bytes:
    pieces = entry.compressed.get("gzip-pieces")
    if pieces is None:
        # Made once per kept page, so the best level (cut pieces compress a little less).
        pieces = entry.compressed["gzip-pieces"] = [_deflate_piece(segment, 9) for segment in entry.segments]
    stream = [_GZIP_HEADER, pieces[0]]
    for slot_id, piece in zip(entry.slot_ids, pieces[1:]):
        stream.append(_deflate_piece(values[slot_id], 1))
        stream.append(piece)
    stream.append(_DEFLATE_END)
    stream.append(struct.pack("<II", zlib.crc32(body) & 0xFFFFFFFF, len(body) & 0xFFFFFFFF))
    return b"".join(stream)


def _compressed(entry: Entry, values: list[bytes], body: bytes) -> tuple[str, bytes] | None:
    if len(body) < current_app.config.get("COMPRESS_MIN_SIZE", 500):
        return None
    if not entry.slots and _accepts("br"):
        data = entry.compressed.get("br")
        if data is None:
            import brotli

            data = entry.compressed["br"] = brotli.compress(body, quality=current_app.config.get("COMPRESS_BR_LEVEL", 4))
        return "br", data
    if _accepts("gzip"):
        if entry.slots:
            return "gzip", _gzip(entry, values, body)
        data = entry.compressed.get("gzip")
        if data is None:
            data = entry.compressed["gzip"] = _gzip(entry, values, body)
        return "gzip", data
    return None


# Serving and keeping -------------------------------------------------------------------


def _serve(entry: Entry) -> Response | None:
    values = []
    for slot in entry.slots:
        value = _slot_value(slot)
        if value is None:
            return None
        values.append(value)
    encoded = [value.encode() for value in values]
    body = b"".join(
        chain.from_iterable(
            (segment, encoded[entry.slot_ids[index]]) if index < len(entry.slot_ids) else (segment,)
            for index, segment in enumerate(entry.segments)
        )
    )
    tag, weak = _etag(entry.digest, entry.slots, values)
    response = current_app.response_class(headers=entry.headers)
    response = _finish(response, tag, weak)
    if response.status_code == 304:
        return response
    chosen = _compressed(entry, encoded, body)
    if chosen is None:
        response.set_data(body)
    else:
        algorithm, data = chosen
        response.set_data(data)
        response.headers["Content-Encoding"] = algorithm
        if not weak:
            response.set_etag(f"{tag}:{algorithm}")
    return response


def _lookup():
    cache = _cache()
    if cache is None or not _eligible():
        return None
    version = read_version()
    if version is None:
        return None
    key = _key()
    g.page_cache_key, g.page_cache_version = key, version
    entry = cache.get(key, version)
    if entry is None:
        return None
    response = _serve(entry)
    if response is not None:
        g.page_cache_served = True
        if not entry.slots and not limiter.current_limits:
            request.environ[_SERVED] = (key, entry, request.path, request.endpoint)
    return response


def _storable(response: Response) -> bool:
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


def _cut(body: str) -> tuple[str, list[tuple], list[str]]:
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


def _fill_live(response: Response) -> None:
    """The response as sent now: live values in place of their markers."""
    live_values = g.get("page_cache_live")
    if live_values and not response.is_streamed:
        body = response.get_data(as_text=True)
        response.set_data(_MARKER.sub(lambda match: str(live_values[int(match.group(1))][1]), body))


def _after(response: Response) -> Response:
    if g.get("page_cache_served") or g.get("page_cache_key") is None:
        return response
    if not _storable(response):
        _fill_live(response)
        if (
            response.status_code == 200
            and response.mimetype == "text/html"
            and "Cache-Control" not in response.headers
            and not response.is_streamed
            and not current_user.is_authenticated
        ):
            tag = hashlib.blake2b(response.get_data(), digest_size=16).hexdigest()
            return _finish(response, tag, weak=bool(g.get("csrf_token")))
        return response
    marked, slots, values = _cut(response.get_data(as_text=True))
    digest = hashlib.blake2b(marked.encode(), digest_size=16).hexdigest()
    if len(marked) <= MAX_BODY:
        pieces = _MARKER.split(marked)
        cache = _cache()
        version = g.page_cache_version
        cache.put(
            g.page_cache_key,
            Entry(
                version=version,
                expires=cache.clock() + cache.seconds,
                deadlines=cache.deadlines(version),
                headers=[(name, value) for name, value in response.headers.items() if name.lower() in KEPT_HEADERS],
                segments=[piece.encode() for piece in pieces[0::2]],
                slot_ids=[int(piece) for piece in pieces[1::2]],
                slots=slots,
                digest=digest,
            ),
        )
    _fill_live(response)
    tag, weak = _etag(digest, slots, values)
    return _finish(response, tag, weak)


# Before Flask -----------------------------------------------------------------------------

_SERVED = "wardsite.page_cache.served"
# Every part of the request that a kept page's response is made from, raw:
# the cookie (the language only), what _key() reads, and what _serve(),
# _finish() and the after_request hooks read.
FAST_KEY = (
    "REQUEST_METHOD",
    "HTTP_COOKIE",
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    *("HTTP_" + name.upper().replace("-", "_") for name in KEY_HEADERS),
    "HTTP_ACCEPT_ENCODING",
    "HTTP_IF_NONE_MATCH",
)


def fast_key(environ: dict) -> tuple | None:
    """The request as FastPath tells requests apart, or None when only Flask may answer it."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return None
    if environ.get("CONTENT_LENGTH") not in (None, "", "0") or "HTTP_TRANSFER_ENCODING" in environ:
        return None
    cookie = environ.get("HTTP_COOKIE")
    # No session, hence no flashed message, no signed-in user, no CSRF token.
    if cookie and not set(parse_cookie(cookie)) <= {"lang"}:
        return None
    return tuple(environ.get(name) for name in FAST_KEY)


class FastPath:
    """Answers a request Flask has already answered from a kept page, with
    what Flask sent then, before Flask's request machinery (see the module's
    docstring). Everything else goes to Flask, which may record its reply.

    Placed inside ProxyFix, so that it sees the scheme and host Flask sees.
    """

    def __init__(self, app: Flask, wsgi_app):
        self.wsgi_app = wsgi_app
        self.cache: PageCache = app.extensions["page_cache"]
        with app.app_context():
            self.engine = db.engine

    def read_version(self) -> int | None:
        """read_version() without an ORM session: a pooled connection, one statement."""
        try:
            with self.engine.connect() as connection:
                return connection.exec_driver_sql(READ_VERSION).scalar() or 0
        except SQLAlchemyError:
            return None

    def __call__(self, environ, start_response):
        key = fast_key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        found = self.cache.reply(key)
        if found is not None:
            entry_key, entry, reply = found
            version = self.read_version()
            if version is not None and self.cache.get(entry_key, version) is entry:
                start_response(reply.status, list(reply.headers))
                request_log.write(
                    environ["REQUEST_METHOD"], reply.path, reply.endpoint, int(reply.status.split(" ", 1)[0]),
                    started, htmx=reply.htmx, cached=True,
                )
                return [reply.body] if reply.body else []
        sent = []

        def recording_start_response(status, headers, exc_info=None):
            sent[:] = [status, list(headers)]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, recording_start_response)
        served = environ.get(_SERVED)
        if served is None or not sent:
            return body
        try:
            chunks = list(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        self._record(key, served, *sent, b"".join(chunks))
        return chunks

    def _record(self, key: tuple, served: tuple, status: str, headers: list, data: bytes) -> None:
        entry_key, entry, path, endpoint = served
        if status[:3] not in ("200", "304") or any(name.lower() == "set-cookie" for name, _ in headers):
            return
        # The kept page's own bytes, rather than a copy per reply.
        for kept in (*entry.segments[:1], *entry.compressed.values()):
            if isinstance(kept, bytes) and kept == data:
                data = kept
                break
        htmx = key[FAST_KEY.index("HTTP_HX_REQUEST")] == "true"
        self.cache.keep_reply(key, entry_key, entry, Reply(status, headers, data, path, endpoint, htmx))


def init_app(app: Flask) -> None:
    if not app.config.get("PAGE_CACHE", True):
        return
    app.extensions["page_cache"] = PageCache(
        max_entries=int(app.config.get("PAGE_CACHE_ENTRIES", 500)),
        seconds=float(app.config.get("PAGE_CACHE_SECONDS", 30)),
    )
    app.before_request(_lookup)
    app.after_request(_after)
    # Cache hits skip Flask-Limiter: only while no limit applies to every request.
    counted = app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION")
    if app.config.get("PAGE_CACHE_FAST_PATH", True) and not counted:
        app.wsgi_app = FastPath(app, app.wsgi_app)
