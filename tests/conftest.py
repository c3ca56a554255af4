"""Fixtures shared by every test.

The suite runs on SQLite by default; with WARDSITE_TEST_DATABASE_URI set to a
PostgreSQL URI (as `make test` does for its second pass) the same tests run
there. The schema always comes from the Alembic migrations, never from
create_all, so a migration that drifts from the models fails the suite.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, text

from tests.factories import catalogue, make_procedure, place  # noqa: F401  (fixtures for every test)
from wardsite import create_app
from wardsite.extensions import db


POSTGRES_URI = os.environ.get("WARDSITE_TEST_DATABASE_URI", "")
PASSWORD = "mật khẩu thử nghiệm dài"


def on_postgres() -> bool:
    return POSTGRES_URI.startswith("postgresql")


def app_settings(database_uri: str, **extra) -> dict:
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        # The test client's own address, so links in pages and messages read as before.
        "CANONICAL_URL": "http://localhost",
        # Tests run at any hour: the worker's quiet hours are tested on their own.
        "NOTIFY_QUIET_HOURS": "",
        # A fill job runs in the request that queues it, through the worker's
        # own function; tests of the background flow turn this off.
        "ROSTER_FILL_INLINE": True,
    }
    settings.update(extra)
    return settings


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> str:
    """A database migrated to the latest revision: a template file on SQLite,
    the test database itself on PostgreSQL."""
    if on_postgres():
        uri = POSTGRES_URI
        app = create_app(app_settings(uri))
        with app.app_context():
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            upgrade()
            db.engine.dispose()
        return uri
    path = tmp_path_factory.mktemp("template") / "template.db"
    app = create_app(app_settings(f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return str(path)


def _truncate_all(app) -> None:
    with app.app_context():
        tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def database_uri(migrated_database, tmp_path) -> str:
    if on_postgres():
        return migrated_database
    path = tmp_path / "wardsite.db"
    shutil.copyfile(migrated_database, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_uri, tmp_path):
    app = create_app(app_settings(database_uri, UPLOAD_FOLDER=str(tmp_path / "uploads")))
    app.instance_path = str(tmp_path / "instance")
    Path(app.instance_path).mkdir(exist_ok=True)
    # The limits' memory storage outlives an app: what an earlier test booked
    # or tried must not count in this one.
    from wardsite.extensions import limiter

    limiter.reset()
    yield app
    if on_postgres():
        _truncate_all(app)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def make_app(database_uri, tmp_path):
    """Another app on the test database with other settings: make_app(WTF_CSRF_ENABLED=True)."""
    made = []

    def make(**overrides):
        other = create_app(app_settings(database_uri, **overrides))
        other.instance_path = str(tmp_path / "instance")
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@dataclass
class Person:
    id: int
    email: str
    name: str
    password: str
    roles: tuple[str, ...]


@pytest.fixture
def make_user(app):
    """Create a staff account: make_user("editor"), make_user("leader", "volunteer")."""
    from wardsite.accounts.models import User

    counter = iter(range(1, 10_000))

    def make(*roles: str, email: str | None = None, name: str | None = None, phone: str | None = None,
             password: str = PASSWORD, active: bool = True) -> Person:
        number = next(counter)
        email = email or f"{'-'.join(roles) or 'none'}{number}@example.org"
        name = name or f"Người dùng {number}"
        with app.app_context():
            user = User(email=email, name=name, phone=phone, active=active)
            user.roles = roles
            user.set_password(password)
            db.session.add(user)
            db.session.commit()
            return Person(user.id, email, name, password, tuple(roles))

    return make


@pytest.fixture
def login(client, make_user):
    """Sign in through the login form: login("admin") returns the Person."""

    def sign_in(*roles: str, **kwargs) -> Person:
        person = make_user(*roles, **kwargs)
        response = client.post("/dang-nhap", data={"login": person.email, "password": person.password})
        assert response.status_code == 303, response.get_data(as_text=True)
        return person

    return sign_in


@contextmanager
def sql_statements(app):
    """The SQL statements the app runs inside the block, as a list."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


@pytest.fixture
def ordinary_calendar(monkeypatch):
    """A year without public holidays: tests that make "next week" from the
    weekly shifts count the same shifts whatever the day they run (in Tết's
    week, on 30 April...). The ward calendar's own tests (test_ward_calendar)
    use fixed dates instead; a day the test closes by hand still closes."""
    from wardsite.stations import holidays

    monkeypatch.setattr(holidays, "default_holidays", lambda year: [])
