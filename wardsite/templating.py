"""What every template can use: the ward's settings, languages, date filters."""

from flask import Flask, request
from flask_babel import get_locale
from flask_login import current_user

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
            "public_navigation": PUBLIC_LINKS,
            "staff_navigation": _staff_navigation() if current_user.is_authenticated else [],
        }


# The main menu: (endpoint, label). Each area adds its public pages.
PUBLIC_LINKS: list[tuple[str, str]] = []


def add_public_link(endpoint: str, label) -> None:
    if all(existing[0] != endpoint for existing in PUBLIC_LINKS):
        PUBLIC_LINKS.append((endpoint, label))


# Staff links in the header: (endpoint, label msgid, roles that see it).
# Each area appends its own screens here when it registers.
STAFF_LINKS: list[tuple[str, str, tuple[str, ...]]] = []


def add_staff_link(endpoint: str, label, *roles: str) -> None:
    if all(existing[0] != endpoint for existing in STAFF_LINKS):
        STAFF_LINKS.append((endpoint, label, roles))


def _staff_navigation():
    return [(endpoint, label) for endpoint, label, roles in STAFF_LINKS if current_user.has_role(*roles)]


def _role_label(role: str) -> str:
    from wardsite.accounts.models import ROLES

    return str(ROLES.get(role, role))
