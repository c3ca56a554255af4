"""Before Flask: a WSGI middleware that answers a request Flask has already
answered from a kept page with exactly what Flask sent then, after one
read of the content versions on a pooled connection. A form (CSRF token,
booking token) is answered there too for a visitor without a session: what
Flask sent, with their own tokens and session cookie (`FreshTokens`)."""

from __future__ import annotations

import time

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import http_date, parse_cookie

from wardsite import request_log
from wardsite.extensions import db
from wardsite.page_cache.eligibility import KEY_HEADERS
from wardsite.page_cache.store import PageCache, Reply
from wardsite.page_cache.visitor_values import FreshTokens
from wardsite.page_cache.version import READ_VERSIONS, parse_versions

# Where the Flask hook leaves (key, entry, path, endpoint) of a request it
# answered from a kept page without per-visitor values.
SERVED = "wardsite.page_cache.served"
# Every part of the request that a kept page's response is made from, raw:
# the cookie (the language only), what eligibility.key() reads, and what
# serving, conditional.finish() and the after_request hooks read.
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


# Every hook Flask runs around a request, and why FastPath may answer without
# running it: what it reads is in FAST_KEY, and it has nothing to do for a
# reply sent again. tests/test_page_cache_areas.py fails for a hook not listed
# here: check it, then add it.
REPLAYED_HOOKS = {
    # before_request
    "wardsite.page_cache.serving:record": "reads the versions (FastPath does) and notes the tables a render reads",
    "flask_wtf.csrf:CSRFProtect.init_app.<locals>.csrf_protect": "checks POSTs only",
    "flask_limiter._extension:Limiter._check_request_limit": "FastPath is off when a limit applies to every request, "
    "and a reply Flask-Limiter counted is never kept",
    "wardsite.request_log:init_app.<locals>.start_timer": "FastPath times and logs the request itself",
    "wardsite.security:init_app.<locals>.keep_private_pages_out_of_the_page_cache": "private pages are never kept",
    "wardsite.page_cache.serving:lookup": "what FastPath does, before Flask",
    # after_request: their headers are in the reply sent again, made from FAST_KEY's inputs
    "flask_limiter._extension:Limiter.__inject_headers": "headers only for counted requests, never kept",
    "flask_login.login_manager:LoginManager._update_remember_cookie": "sets cookies only for a session, never kept",
    "wardsite.news.views:_flush_when_due": "writes the views counted; pages counting views (live) never take FastPath",
    "wardsite.request_log:init_app.<locals>.log_request": "FastPath writes the same line",
    "wardsite.htmx:init_app.<locals>.stay_on_the_form_page": "POSTs only",
    "flask_compress.flask_compress:Compress.after_request": "reads Accept-Encoding, in FAST_KEY",
    "wardsite.security:init_app.<locals>.set_security_headers": "the same headers for the same path, scheme and host",
    "wardsite.page_cache.serving:after": "ETag and 304 from If-None-Match, in FAST_KEY",
    # teardown_request
    "flask_limiter._extension:Limiter.__release_context": "nothing to release",
}


def hook_name(function) -> str:
    function = getattr(function, "func", function)  # functools.partial
    function = getattr(function, "__func__", function)  # a bound method
    return f"{function.__module__}:{function.__qualname__}"


def request_hooks(app: Flask) -> set[str]:
    """The names of every hook the app runs around a request, blueprints' included."""
    found = set()
    for registry in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs, app.url_value_preprocessors):
        for functions in registry.values():
            found.update(hook_name(function) for function in functions)
    return found


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
    what Flask sent then, before Flask's request machinery (see the package's
    docstring). Everything else goes to Flask, which may record its reply.

    Placed inside ProxyFix, so that it sees the scheme and host Flask sees.
    """

    def __init__(self, app: Flask, wsgi_app):
        self.wsgi_app = wsgi_app
        self.cache: PageCache = app.extensions["page_cache"]
        with app.app_context():
            self.engine = db.engine
        self.tokens = FreshTokens(app)

    def read_versions(self) -> dict[int, int] | None:
        """read_versions() without an ORM session: a pooled connection, one statement."""
        try:
            with self.engine.connect() as connection:
                return parse_versions(connection.exec_driver_sql(READ_VERSIONS).all())
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
            versions = self.read_versions()
            if versions is not None and self.cache.get(entry_key, versions) is entry:
                self.cache.count("served_before_flask")
                headers, body = (reply.headers, reply.body) if not entry.slots else self.tokens.fill(entry, reply)
                start_response(reply.status, [(name, http_date() if name == "Date" else value) for name, value in headers])
                request_log.write(
                    environ["REQUEST_METHOD"], reply.path, reply.endpoint, int(reply.status.split(" ", 1)[0]),
                    started, htmx=reply.htmx, cached=True,
                )
                return [body] if body else []
        sent = []

        def recording_start_response(status, headers, exc_info=None):
            sent[:] = [status, list(headers)]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, recording_start_response)
        served = environ.get(SERVED)
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
        if entry.slots:
            # A form: its headers, to send again with each visitor's own tokens and cookie.
            if status[:3] != "200" or key[0] != "GET" or not self.tokens.replayable(entry, headers):
                return
            data = b""
        elif status[:3] not in ("200", "304") or any(name.lower() == "set-cookie" for name, _ in headers):
            return
        # The kept page's own bytes, rather than a copy per reply.
        for kept in (*entry.segments[:1], *entry.compressed.values()):
            if isinstance(kept, bytes) and kept == data:
                data = kept
                break
        htmx = key[FAST_KEY.index("HTTP_HX_REQUEST")] == "true"
        self.cache.keep_reply(key, entry_key, entry, Reply(status, headers, data, path, endpoint, htmx))
