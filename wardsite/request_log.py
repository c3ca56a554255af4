"""One structured log line per request, with its duration.

    {"event": "request", "method": "GET", "path": "/thu-tuc/", "status": 200, "ms": 4.1, "cached": false}

"cached" says the page came from the page cache (wardsite/page_cache/), which
writes the line itself for the pages it answers before Flask.

The query string and the visitor's address are left out: they can carry
personal data (a phone number typed into a search box), and the logs are kept
longer than the booking data itself.
"""

import json
import logging
import time

from flask import Flask, g, request

logger = logging.getLogger("wardsite.request")


def init_app(app: Flask) -> None:
    if not logger.handlers and not app.testing:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    @app.before_request
    def start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        started = g.get("request_started")
        if started is not None:
            # A provider's callback carries its secret in the path: log the route's pattern.
            secret_path = (request.endpoint or "").startswith("notify.") and request.url_rule is not None
            write(
                request.method,
                request.url_rule.rule if secret_path else request.path,
                request.endpoint,
                response.status_code,
                started,
                htmx=request.headers.get("HX-Request") == "true",
                cached=bool(g.get("page_cache_served")),
            )
        return response


def write(method: str, path: str, endpoint: str | None, status: int, started: float, *, htmx: bool, cached: bool) -> None:
    """The line for one request; `started` is its time.perf_counter()."""
    if logger.isEnabledFor(logging.INFO):
        logger.info(
            json.dumps(
                {
                    "event": "request",
                    "method": method,
                    "path": path,
                    "endpoint": endpoint,
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "htmx": htmx,
                    "cached": cached,
                },
                ensure_ascii=False,
            )
        )
