"""Command-line tasks: demo data, user accounts, backups."""

from __future__ import annotations

import importlib
import os
import secrets
import sqlite3
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from wardsite.extensions import db

DEMO_LOGINS_FILE = "demo-logins.txt"


def init_app(app: Flask, areas: list[str]) -> None:
    """The commands; `flask demo` loads the `areas`' demo data in their order."""
    app.extensions["wardsite.areas"] = tuple(areas)
    app.cli.add_command(demo)
    app.cli.add_command(user)
    app.cli.add_command(backup)
    from wardsite.notify.worker import notify_cli

    app.cli.add_command(notify_cli)


def _demo_password() -> str:
    # Readable for a demo, long enough for the password rule.
    return "-".join(secrets.token_hex(3) for _ in range(3))


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Fill an empty database with a fictional ward's content."""
    from wardsite.accounts.models import User

    if db.session.scalar(select(func.count()).select_from(User)):
        click.echo("The database already has accounts; demo data not loaded.")
        return
    logins: list[tuple[str, str, str]] = []
    for area in current_app.extensions["wardsite.areas"]:
        try:
            module = importlib.import_module(f"wardsite.{area}.demo")
        except ModuleNotFoundError as missing:
            if missing.name != f"wardsite.{area}.demo":
                raise
            continue
        module.load(logins=logins, make_password=_demo_password)
        db.session.commit()
    lines = [f"{role:<10} {email:<28} {password}" for role, email, password in logins]
    text = "Demo accounts (role, e-mail, password):\n" + "\n".join(lines) + "\n"
    path = Path(current_app.instance_path) / DEMO_LOGINS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    click.echo(text, nl=False)
    click.echo(f"(kept in {path} for this demo database)")


@click.group("user", cls=AppGroup)
def user() -> None:
    """Manage staff accounts."""


@user.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name shown to other staff.")
@click.option("--role", "roles", multiple=True, required=True, help="admin, editor, leader or volunteer; repeat for several.")
@click.option("--phone", default=None, help="Phone number, also usable to sign in.")
@click.option("--password", default=None, help="Prompted for when omitted.")
def user_create(email: str, name: str, roles: tuple[str, ...], phone: str | None, password: str | None) -> None:
    """Create a staff account."""
    from wardsite.accounts.forms import MIN_PASSWORD_LENGTH
    from wardsite.accounts.models import ROLES, User
    from wardsite.audit import record_audit
    from wardsite.phone import normalize_phone

    email = email.strip().lower()
    unknown = set(roles) - ROLES.keys()
    if unknown:
        raise click.BadParameter(f"unknown role(s) {', '.join(sorted(unknown))}; choose from {', '.join(ROLES)}", param_hint="--role")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise click.ClickException(f"an account with e-mail {email} already exists")
    normalized_phone = None
    if phone:
        normalized_phone = normalize_phone(phone)
        if normalized_phone is None:
            raise click.BadParameter("not a Vietnamese phone number", param_hint="--phone")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(f"at least {MIN_PASSWORD_LENGTH} characters", param_hint="--password")
    account = User(email=email, name=name, phone=normalized_phone)
    account.roles = roles
    account.set_password(password)
    db.session.add(account)
    db.session.flush()
    record_audit("user.created", account, f"{email}: {', '.join(sorted(roles))} (command line)", user=False)
    db.session.commit()
    click.echo(f"Created {email} with role(s) {', '.join(sorted(roles))}.")


def erase_leftovers() -> None:
    """After personal data was erased (`flask purge`): on SQLite, copy the WAL
    into the database and empty it, so that no older copy of an erased page
    stays in wardsite.db-wal (secure_delete has zeroed it in the pages
    themselves). PostgreSQL needs VACUUM instead (README, "Scheduled jobs")."""
    engine = db.engine
    if engine.url.get_backend_name() != "sqlite":
        return
    db.session.remove()  # no read transaction of ours may pin the WAL
    with engine.connect() as connection:
        busy, _frames, _copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    if busy:
        click.echo("The WAL file could not be emptied now (the site is writing or reading); run purge again later.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup(path: str) -> None:
    """Write a consistent copy of the live SQLite database to PATH.

    Uses SQLite's online backup API, so the site can keep running. For
    PostgreSQL use pg_dump (see README).
    """
    engine = db.engine
    if engine.url.get_backend_name() != "sqlite":
        raise click.ClickException("backup copies SQLite databases; for PostgreSQL use pg_dump (see README)")
    target = Path(path)
    if target.exists():
        raise click.ClickException(f"{target} exists; choose a new file name")
    source = sqlite3.connect(engine.url.database)
    try:
        destination = sqlite3.connect(target)
        with destination:
            source.backup(destination)
        destination.close()
    finally:
        source.close()
    check = sqlite3.connect(target)
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        check.close()
    if result != "ok":
        raise click.ClickException(f"the copy failed its integrity check: {result}")
    click.echo(f"Backed up to {target} ({target.stat().st_size} bytes); integrity check ok.")
