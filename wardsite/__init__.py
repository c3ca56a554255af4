"""wardsite: the website a Vietnamese urban ward runs for its residents."""

from __future__ import annotations

import importlib
import os
import secrets
import sqlite3
import sys
from pathlib import Path

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from wardsite import config as default_config
from wardsite.extensions import babel, csrf, db, login_manager, migrate
from wardsite.urls import check_canonical_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# One package per area; each has routes.py with a blueprint `bp`. The order is
# the order of the demo data, since later areas build on earlier ones.
# Volunteers and stations come before the roster, whose shifts put volunteers at stations.
AREAS = ["public", "accounts", "admin", "news", "procedures", "volunteers", "stations", "roster", "visits", "stats"]


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(default_config)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("WARDSITE")
    else:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _check_addresses(app)
    _fill_instance_defaults(app)

    _init_extensions(app)
    for area in AREAS:
        module = importlib.import_module(f"wardsite.{area}.routes")
        app.register_blueprint(module.bp)
    from wardsite.notify import routes as notify_routes  # the providers' delivery reports

    app.register_blueprint(notify_routes.bp)

    from wardsite import assets, cli, errors, htmx, page_cache, request_log, security, templating

    request_log.init_app(app)
    htmx.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    cli.init_app(app, AREAS)
    page_cache.init_app(app)  # last: its after_request sees the page before the others

    if app.config["TRUSTED_HOSTS"]:
        app.wsgi_app = security.TrustedHosts(app.wsgi_app, app.config["TRUSTED_HOSTS"])
    # Outermost, so that the page cache's fast path (and WhiteNoise) see the
    # scheme, host and address Flask sees.
    if app.config["PROXY_COUNT"]:
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    return app


def _fill_instance_defaults(app: Flask) -> None:
    """Settings that live in the instance folder unless configured."""
    instance = Path(app.instance_path)
    if not app.config["SECRET_KEY"]:
        key_file = instance / "secret_key"
        if not key_file.exists():
            # Written once with owner-only permissions; never in the repo.
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'wardsite.db'}"
    if not app.config["UPLOAD_FOLDER"]:
        app.config["UPLOAD_FOLDER"] = str(instance / "uploads")
    if app.config["PREFERRED_URL_SCHEME"] == "https":
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True


def _check_addresses(app: Flask) -> None:
    """The ward's address (CANONICAL_URL, required in production) and the
    hosts the site answers to (TRUSTED_HOSTS; Flask answers 400 to others)."""
    app.config["CANONICAL_URL"] = check_canonical_url(app.config["CANONICAL_URL"], required=_in_production(app))
    app.config["TRUSTED_HOSTS"] = _host_list(app.config["TRUSTED_HOSTS"])
    if app.config["CANONICAL_URL"].startswith("https://"):
        app.config["PREFERRED_URL_SCHEME"] = "https"  # and so Secure cookies, below


def _in_production(app: Flask) -> bool:
    """Served by gunicorn, outside tests and debugging: where links must not
    fall back on a development address."""
    under_gunicorn = "gunicorn" in sys.modules or os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn")
    return under_gunicorn and not (app.testing or app.debug)


def _host_list(value) -> list[str] | None:
    """TRUSTED_HOSTS as a list: the environment gives "a.vn,b.vn"; None or empty trusts any host."""
    if isinstance(value, str):
        value = value.split(",")
    hosts = [host.strip() for host in value or () if host and host.strip()]
    return hosts or None


def _translation_directories() -> str:
    here = Path(__file__).resolve().parent
    folders = [here / "translations", *sorted(here.glob("*/translations"))]
    return ";".join(str(folder) for folder in folders if folder.is_dir())


def _select_locale() -> str:
    from flask import current_app, has_request_context

    # Outside a request (command line, demo data) the default language holds.
    chosen = request.cookies.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _init_extensions(app: Flask) -> None:
    from wardsite import limits
    from wardsite.htmx import htmx as htmx_extension
    from wardsite.i18n_tools import compile_catalogues

    db.init_app(app)
    # Batch mode lets migrations alter tables on SQLite too.
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limits.init_app(app)  # Flask-Limiter, with the shared default storage
    htmx_extension.init_app(app)
    try:
        compile_catalogues(only_stale=True)
    except OSError:
        pass  # a read-only install ships its compiled catalogues
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = _translation_directories()
    babel.init_app(app, locale_selector=_select_locale)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page explains itself

    @login_manager.user_loader
    def load_user(user_id: str):
        from wardsite.accounts.models import User

        return User.from_session_id(user_id)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    """WAL lets readers run beside a writer; the busy timeout makes writers
    wait for each other instead of failing; foreign keys are off by default;
    secure_delete overwrites what is deleted or replaced with zeros, so that an
    erased name is not left in free space (`purge` then empties the WAL:
    `cli.erase_leftovers`)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
