"""Anonymous public pages served from memory, never stale; conditional GET.

A page is kept (per worker, per app, least recently used first out: `store`)
when an anonymous visitor asked for it with GET or HEAD, and came back 200 as
HTML:

- **Invalidation** (`version`). `content_version` holds one number per area
  of the site (news, procedures, guidance, visits, ...). Each table declares
  the areas that show it in its `info` (`{"page_cache": "news"}`), next to
  its model. Any commit that writes a table (ORM flush, bulk or Core UPDATE,
  INSERT, DELETE, text SQL) adds one to its areas' numbers in the same
  transaction. A request records the tables its statements read, so a kept
  page is made from known areas and is used only while their numbers are
  unchanged: a guidance entry keeps the news pages, a comment keeps the
  procedure catalogue. A page built from memory rather than a statement (the
  procedure search's index) says what it read with `reads(table)`. Each
  request that may be served from memory reads the numbers with one query;
  several gunicorn workers and machines agree, since they live in the database.
- **Time.** A page is kept at most `PAGE_CACHE_SECONDS` (pages showing today's
  date or free slots change with the clock), and never past the next moment an
  area says its content changes by itself (`add_schedule`, e.g. the next
  scheduled article).
- **Who** (`eligibility`). Only requests without a signed-in user, whose
  session holds at most the CSRF token, and with no cookie but the session and
  the language: flashed messages, a resident's booking codes or a rating
  cookie make the request ineligible. The key is the language, the scheme,
  host, path and query string, and the htmx headers a response varies on. A
  view whose page depends on anything else calls `skip()`.
- **Per-visitor values** (`visitor_values`; markers content cannot forge). The CSRF token of the visitor's
  session (in comment, rating and booking forms) and one-time tokens from
  `unique_token()` (a `wardsite.forms.FormTokenField` draws its own when shown
  empty) are cut out of the kept page and drawn afresh for each visitor. `live(name, *args, value=…)` marks a value that is recomputed on
  every serve by the function registered under `name` (an article's view
  count, which also counts the view in memory: `wardsite.news.views`).

- **Before Flask** (`fast_path`). `FastPath`, a WSGI middleware, answers a
  request without Flask's request machinery when Flask has already answered
  the very same request from a kept page: GET or HEAD, no cookie but the
  language, and the same raw scheme, host, path, query string, language
  cookie, htmx headers, Accept-Encoding and If-None-Match. It replays what
  Flask sent then (status, every header, the body), as long as the page is
  still kept and its areas' versions are unchanged (one query on a pooled
  connection). A form with CSRF and one-time tokens is answered there too for
  a visitor without a session: Flask's reply with the visitor's own tokens,
  new session cookie, ETag and length (`visitor_values.FreshTokens`). Pages
  with live values are never answered there, nor any request Flask-Limiter
  counted; the request log line is written as Flask would (`"cached": true`).
  Every hook Flask runs around a request is listed in `REPLAYED_HOOKS`, with
  why the fast path may skip it (a test fails for one that is not).

Every eligible response carries `Cache-Control: private, no-cache` and an ETag;
a matching If-None-Match is answered 304 without a body (`conditional`).
Flask-Compress compresses every page, kept or not; a kept page without
per-visitor values keeps its compressed copies, so it is compressed once
(`compression`). The Flask hooks that tie these together are in `serving`.
"""

from __future__ import annotations

from flask import Flask

from wardsite.page_cache import serving
from wardsite.page_cache.eligibility import skip
from wardsite.page_cache.fast_path import FAST_KEY, FastPath
from wardsite.page_cache.store import PageCache, add_schedule
from wardsite.page_cache.version import content_changed, reads
from wardsite.page_cache.visitor_values import PrivateUseStripped, add_live_value, live, strip_private_use, unique_token

# What the other areas use (docs/ARCHITECTURE.md, "The page cache").
__all__ = [
    "FAST_KEY",
    "FastPath",
    "add_live_value",
    "add_schedule",
    "content_changed",
    "init_app",
    "live",
    "reads",
    "skip",
    "strip_private_use",
    "unique_token",
]


def init_app(app: Flask) -> None:
    # Whether or not pages are kept: no private-use characters from query strings.
    if not issubclass(app.request_class, PrivateUseStripped):
        app.request_class = type("Request", (PrivateUseStripped, app.request_class), {})
    if not app.config.get("PAGE_CACHE", True):
        return
    app.extensions["page_cache"] = PageCache(
        max_entries=int(app.config.get("PAGE_CACHE_ENTRIES", 500)),
        seconds=float(app.config.get("PAGE_CACHE_SECONDS", 30)),
    )
    app.before_request_funcs.setdefault(None, []).insert(0, serving.record)
    app.before_request(serving.lookup)
    app.after_request(serving.after)
    # Cache hits skip Flask-Limiter: only while no limit applies to every request.
    counted = app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION")
    if app.config.get("PAGE_CACHE_FAST_PATH", True) and not counted:
        app.wsgi_app = FastPath(app, app.wsgi_app)
