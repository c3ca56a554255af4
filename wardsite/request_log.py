"""One structured log line per request, with its duration.

    {"event": "request", "method": "GET", "path": "/thu-tuc/", "status": 200, "ms": 4.1}

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
        if started is not None and logger.isEnabledFor(logging.INFO):
            logger.info(
                json.dumps(
                    {
                        "event": "request",
                        "method": request.method,
                        "path": request.path,
                        "endpoint": request.endpoint,
                        "status": response.status_code,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                        "htmx": request.headers.get("HX-Request") == "true",
                    },
                    ensure_ascii=False,
                )
            )
        return response
