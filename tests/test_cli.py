"""Demo data, backups and restoring them."""

import sqlite3

from sqlalchemy import func, select

from tests.conftest import app_settings, on_postgres
from wardsite import create_app
from wardsite.accounts.models import User
from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db

import pytest


def test_demo_fills_an_empty_database_and_prints_each_login_once(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for role in ("admin", "editor", "leader", "volunteer"):
        assert role in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ResidentialGroup)) >= 4
        users = db.session.scalars(select(User)).all()
        assert {role for user in users for role in user.roles} >= {"admin", "editor", "leader", "volunteer"}
    # The printed password works.
    line = next(line for line in result.output.splitlines() if line.startswith("editor "))
    _, email, password = line.split()
    client = app.test_client()
    assert client.post("/dang-nhap", data={"login": email, "password": password}).status_code == 303
    again = runner.invoke(args=["demo"])
    assert "already has accounts" in again.output


@pytest.mark.skipif(on_postgres(), reason="the backup command copies SQLite; PostgreSQL uses pg_dump")
def test_backup_is_a_consistent_copy_that_restores(app, runner, tmp_path, make_user):
    make_user("editor", email="con@example.org")
    target = tmp_path / "backup.db"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "integrity check ok" in result.output
    assert sqlite3.connect(target).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Restoring = pointing the site at the copy (README: stop, copy over, start).
    restored = create_app(app_settings(f"sqlite:///{target}"))
    with restored.app_context():
        assert db.session.scalar(select(User.email)) == "con@example.org"
        db.engine.dispose()
    refused = runner.invoke(args=["backup", str(target)])
    assert refused.exit_code != 0 and "exists" in refused.output
