"""The content version: one number in the database that goes up with every
commit changing something a public page may show, so that every worker knows
its kept pages are out of date."""

from __future__ import annotations

from itertools import chain

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import BigInteger, Column, Integer, event, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from wardsite.extensions import db

content_version = db.Table(
    "content_version",
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False),
)

READ_VERSION = "SELECT value FROM content_version WHERE id = 1"
# An upsert, so that a truncated table (the PostgreSQL tests) starts again.
BUMP_VERSION = text(
    "INSERT INTO content_version (id, value) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET value = content_version.value + 1"
)

# Records no public page shows: changing them keeps every kept page.
IGNORED_TABLES = {
    "audit_entry",
    "outbox_message",
    "shift_exclusion",  # the leader's roster screens only
    "shift_swap",  # volunteers' own pages; the assignments it moves count
    "volunteer_availability",
    "volunteer_away",
    "visit_waiting_entry",  # only leaders see the waiting list
    "visit_notice",  # a resident's own booking page, never kept
}
# Columns of shown records that no public page shows (a sign-in sets last_login_at).
IGNORED_COLUMNS = {"user": {"last_login_at", "password_hash", "session_version"}}

_PENDING = "page_cache_content_changed"


def content_changed() -> None:
    """Make the current transaction add one to the content version on commit."""
    db.session.info[_PENDING] = True


def _shows(obj) -> bool:
    table = getattr(type(obj), "__tablename__", None)
    return table not in IGNORED_TABLES


def _really_changed(obj) -> bool:
    ignored = IGNORED_COLUMNS.get(getattr(type(obj), "__tablename__", None))
    if not ignored:
        return True
    state = inspect(obj)
    return any(attr.history.has_changes() for key, attr in state.attrs.items() if key not in ignored)


@event.listens_for(FlaskSession, "after_flush")
def _note_flush(session, flush_context) -> None:
    if session.info.get(_PENDING):
        return
    if any(_shows(obj) for obj in chain(session.new, session.deleted)) or any(
        _shows(obj) and _really_changed(obj) for obj in session.dirty
    ):
        session.info[_PENDING] = True


@event.listens_for(FlaskSession, "before_commit")
def _bump_on_commit(session) -> None:
    # Flush first, so that the version row is always the last row a
    # transaction locks (no deadlock between two editors on PostgreSQL).
    if session.new or session.dirty or session.deleted:
        session.flush()
    if session.info.pop(_PENDING, False):
        session.execute(BUMP_VERSION)


@event.listens_for(FlaskSession, "after_soft_rollback")
def _forget_on_rollback(session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)


def read_version() -> int | None:
    """The content version; 0 for an emptied table (the next change makes it 1,
    and no page is kept longer than PAGE_CACHE_SECONDS anyway)."""
    try:
        # Straight to the session's connection: the same transaction as the
        # view's queries, without the ORM's statement handling.
        return db.session.connection().exec_driver_sql(READ_VERSION).scalar() or 0
    except SQLAlchemyError:  # not migrated yet: nothing is kept
        db.session.rollback()
        return None
