"""Response headers that every page carries, and the pages no cache may keep."""

from flask import Flask, request
from flask_login import current_user
from werkzeug.exceptions import SecurityError
from werkzeug.wsgi import get_host

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


BASELINE = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


HSTS = "max-age=31536000"

# Pages that show residents' or staff's data: staff screens, a resident's own
# booking (lookup, confirmation, waiting list), the volunteer's pages, the
# account. Neither the browser's cache (a shared computer at the cultural
# house), a proxy, nor the page cache keeps them.
PRIVATE_PREFIXES = (
    "/quan-tri/",
    "/dat-lich/tra-cuu",
    "/dat-lich/xac-nhan/",
    "/dat-lich/danh-sach-cho",
    "/tinh-nguyen/",
    "/tai-khoan/",
    "/dang-nhap",
)


def served_over_https(app: Flask) -> bool:
    """The site's address is https (HSTS then, on pages and static files alike)."""
    return app.config["PREFERRED_URL_SCHEME"] == "https" or app.config.get("CANONICAL_URL", "").startswith("https://")


def static_headers(app: Flask):
    """The headers of static files, which WhiteNoise serves before Flask (and
    works out once per file, not per request): the pages' own, HSTS included."""
    extra = {"Strict-Transport-Security": HSTS} if served_over_https(app) else {}

    def add_static_headers(headers, path: str, url: str) -> None:
        for name, value in {**BASELINE, **extra}.items():
            headers[name] = value

    return add_static_headers


def is_private_page(response) -> bool:
    """This answer shows someone's data: see PRIVATE_PREFIXES; the answer to
    a form (it may show what was typed); any page a signed-in user sees."""
    return (
        request.path.startswith(PRIVATE_PREFIXES)
        or request.method not in ("GET", "HEAD")
        or (response.mimetype == "text/html" and current_user.is_authenticated)
    )


def init_app(app: Flask) -> None:
    https = served_over_https(app)

    @app.before_request
    def keep_private_pages_out_of_the_page_cache():
        if request.path.startswith(PRIVATE_PREFIXES):
            from wardsite import page_cache

            page_cache.skip()

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        for name, value in BASELINE.items():
            headers.setdefault(name, value)
        if https:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if is_private_page(response) and "no-store" not in headers.get("Cache-Control", ""):
            headers["Cache-Control"] = "no-store"
        return response


class TrustedHosts:
    """WSGI middleware: a request for a host not in TRUSTED_HOSTS gets a plain
    400 before anything else sees it (static files, the page cache, Flask,
    whose own check would leave its error page without a URL adapter). Placed
    inside ProxyFix, so behind a proxy it is X-Forwarded-Host that is checked."""

    def __init__(self, wsgi_app, hosts: list[str]):
        self.wsgi_app = wsgi_app
        self.hosts = hosts

    def __call__(self, environ, start_response):
        try:
            get_host(environ, self.hosts)
        except SecurityError:
            body = "400 Bad Request: tên miền không được phục vụ ở đây (unknown host).\n".encode()
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
            return [body]
        return self.wsgi_app(environ, start_response)
