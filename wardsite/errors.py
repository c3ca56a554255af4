"""Error pages in the visitor's language; htmx requests get a small fragment."""

from datetime import datetime, timezone

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from wardsite.extensions import db, limiter
from wardsite.htmx import is_htmx
from wardsite.limits import when_text

MESSAGES = {
    400: _l("The request could not be understood. Please go back and try again."),
    403: _l("You do not have permission to open this page."),
    404: _l("This page does not exist or has been moved."),
    405: _l("This action is not allowed here."),
    413: _l("The file or form you sent is too large."),
    429: _l("Too many attempts. Please wait a few minutes and try again."),
    500: _l("Something went wrong on our side. Please try again in a moment."),
}


def _render(code: int, message: str):
    template = "errors/_fragment.html" if is_htmx() else "errors/error.html"
    return render_template(template, code=code, message=message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, _("This form has expired. Please reload the page and send it again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code not in MESSAGES:
            return error
        if code == 429 and limiter.current_limit is not None:
            # A limit of the whole site (RATELIMIT_DEFAULT): say when it ends.
            moment = datetime.fromtimestamp(limiter.current_limit.reset_at, timezone.utc)
            return _render(429, _("Too many attempts. Please try again from %(when)s.", when=when_text(moment)))
        return _render(code, str(MESSAGES[code]))

    @app.errorhandler(InternalServerError)
    def server_error(error):
        db.session.rollback()
        return _render(500, str(MESSAGES[500]))
