"""What every template can use: the ward's settings, languages, date filters."""

from flask import Flask, request
from flask_babel import get_locale
from flask_login import current_user

from wardsite import pages
from wardsite.timeutil import format_date, format_datetime, local_today


def init_app(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["role_label"] = _role_label
    app.jinja_env.add_extension("jinja2.ext.do")

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
