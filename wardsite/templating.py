"""What every template can use: the ward's settings, languages, date filters,
and the errors of the page's forms for the error summary."""

import wtforms
from flask import Flask, g, request
from flask_babel import get_locale
from flask_login import current_user
from jinja2 import pass_context

from wardsite import pages
from wardsite.forms import error_items
from wardsite.timeutil import format_date, format_datetime, local_today, machine_datetime
from wardsite.urls import absolute_url_for, canonical_host


def init_app(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["machine_datetime"] = machine_datetime
    app.jinja_env.filters["role_label"] = _role_label
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["form_errors"] = form_errors
    app.jinja_env.globals["claim_error_summary"] = claim_error_summary
    # Links that leave the page (feeds, og:url, QR codes) are on the ward's address, never the Host header.
    app.jinja_env.globals["absolute_url_for"] = absolute_url_for
    app.jinja_env.globals["canonical_host"] = canonical_host

    @app.context_processor
    def common_context():
        from wardsite.admin.models import WardSettings

        return {
            "ward": WardSettings.current(),
            "languages": app.config["LANGUAGES"],
            "current_locale": str(get_locale()),
            "today": local_today(),
            "current_path": request.full_path.rstrip("?") if request else "/",
            "public_navigation": pages.PUBLIC_LINKS,
            "staff_navigation": pages.staff_navigation() if current_user.is_authenticated else [],
        }


def _role_label(role: str) -> str:
    from wardsite.accounts.models import ROLES

    return str(ROLES.get(role, role))


@pass_context
def form_errors(context) -> list:
    """The errors of every form the page was given (see forms.error_items)."""
    forms, seen = [], set()
    for value in context.get_all().values():
        if isinstance(value, wtforms.Form) and id(value) not in seen:
            seen.add(id(value))
            forms.append(value)
    return error_items(*forms)


def claim_error_summary() -> bool:
    """True the first time a response asks: the summary is shown once, at the
    top of the page or of the region an htmx request swaps."""
    if g.get("error_summary_shown"):
        return False
    g.error_summary_shown = True
    return True
