"""Content versions, one per area: a number in the database that goes up with
every commit changing something of that area, so that every worker (on every
machine) knows which of its kept pages are out of date.

Each table says which areas of the site show it, next to its model:

    __table_args__ = {"info": {"page_cache": "news"}}      # or ("news", "ward")
    __table_args__ = (Index(...), {"info": {"page_cache": None}})  # no public page shows it

and a column no public page shows says so itself:
`db.Column(..., info={"page_cache": None})` (a sign-in setting last_login_at).
tests/test_page_cache_areas.py fails for a table without the declaration.

Writes bump their tables' areas in the same transaction, whatever way they go:
the ORM's flushes (`after_flush`, column by column), and any other INSERT,
UPDATE or DELETE, ORM, Core or text, on a session's connection (on commit) or
on a connection of its own (at once), seen as sent to the database
(`after_cursor_execute`). Nobody calls anything before a bulk UPDATE.

Reads: the SQL of every statement a request runs names its tables
(`recorded_areas`; joins an ORM option adds included), so a kept page knows
which areas it was made from, and is dropped when one of them moves on. A
page that read a table no public page shows is not kept at all.
"""

from __future__ import annotations

import re
import weakref
import zlib
from collections.abc import Iterable
from itertools import chain

from flask import g, has_request_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import BigInteger, Column, Integer, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from wardsite.extensions import db

content_version = db.Table(
    "content_version",
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False),
    info={"page_cache": None},
)

READ_VERSIONS = "SELECT id, value FROM content_version"


def area_id(area: str) -> int:
    """The area's row: a stable number from its name, the same on every machine,
    so that a new area needs no list of its own (the test checks they differ)."""
    return zlib.crc32(area.encode()) & 0x7FFFFFFF


def bump_statement(ids: Iterable[int]) -> str:
    """An upsert (a truncated table, the PostgreSQL tests, starts again), rows
    in one order, so that two writers never wait for each other in a circle."""
    rows = ", ".join(f"({int(number)}, 1)" for number in sorted(ids))
    return (
        f"INSERT INTO content_version (id, value) VALUES {rows} "
        "ON CONFLICT (id) DO UPDATE SET value = content_version.value + 1"
    )


class Undeclared(LookupError):
    """A table without its `page_cache` declaration."""


def declared_areas(table) -> frozenset[str]:
    """The areas that show this table (empty: no public page shows it)."""
    info = getattr(table, "info", None)
    if info is None or "page_cache" not in info:
        raise Undeclared(getattr(table, "name", table))
    areas = info["page_cache"]
    if not areas:
        return frozenset()
    return frozenset((areas,) if isinstance(areas, str) else areas)


_AREAS_BY_NAME: dict[str, frozenset[str]] = {}
_NAMES: re.Pattern | None = None


def _tables() -> dict[str, frozenset[str]]:
    """Table name -> its areas, for every table of the metadata. A table without
    its declaration counts as shown everywhere (the test catches it first)."""
    global _NAMES
    if len(_AREAS_BY_NAME) != len(db.metadata.tables):
        _AREAS_BY_NAME.clear()
        for name, table in db.metadata.tables.items():
            try:
                _AREAS_BY_NAME[name] = declared_areas(table)
            except Undeclared:
                _AREAS_BY_NAME[name] = frozenset({"everything"})
        names = sorted(_AREAS_BY_NAME, key=len, reverse=True)
        _NAMES = re.compile(r'(?<![\w."])"?(' + "|".join(map(re.escape, names)) + r')"?(?![\w"])', re.IGNORECASE)
    return _AREAS_BY_NAME


def areas_of_tables(names: Iterable[str]) -> frozenset[str]:
    tables = _tables()
    return frozenset(chain.from_iterable(tables.get(name, ()) for name in names))


_SQL_TABLES: dict[str, frozenset[str]] = {}
_WRITE = re.compile(r'\s*(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from|replace\s+into)\s+"?(\w+)"?', re.IGNORECASE)


def tables_in_sql(sql: str) -> frozenset[str]:
    """The tables a statement names, as sent to the database (joins an ORM
    option added included). A word that only looks like a table errs on the
    safe side: the page depends on one area more."""
    found = _SQL_TABLES.get(sql)
    if found is None:
        _tables()
        found = frozenset(match.lower() for match in _NAMES.findall(sql)) if _NAMES is not None else frozenset()
        if len(_SQL_TABLES) > 4000:
            _SQL_TABLES.clear()
        _SQL_TABLES[sql] = found
    return found


def written_table(sql: str) -> str | None:
    """The table an INSERT, UPDATE or DELETE writes; None for a read."""
    match = _WRITE.match(sql)
    return match.group(1).lower() if match else None


# Writes --------------------------------------------------------------------------

_PENDING = "page_cache_pending_areas"
# The connections sessions hold now, and whose session they are.
_SESSIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def content_changed(*areas: str) -> None:
    """Make the current transaction bump these areas (all of them, given none) on
    commit. Seldom needed: every write through SQLAlchemy bumps its own."""
    pending = db.session.info.setdefault(_PENDING, set())
    pending |= set(areas) if areas else set(chain.from_iterable(_tables().values()))


def _note(session, areas: Iterable[str]) -> None:
    if areas:
        session.info.setdefault(_PENDING, set()).update(areas)


def _changed_columns_shown(state) -> bool:
    table_columns = state.mapper.columns
    for attr in state.attrs:
        if not attr.history.has_changes():
            continue
        column = table_columns.get(attr.key)
        if column is None or column.info.get("page_cache", True) is not None:
            return True  # a relationship, or a column some page shows
    return False


def _object_areas(obj, changed: bool) -> frozenset[str]:
    state = inspect(obj)
    if changed and not _changed_columns_shown(state):
        return frozenset()
    return areas_of_tables(table.name for table in state.mapper.tables)


@event.listens_for(FlaskSession, "after_flush")
def _note_flush(session, flush_context) -> None:
    areas = set()
    for obj in chain(session.new, session.deleted):
        areas |= _object_areas(obj, changed=False)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=True):
            areas |= _object_areas(obj, changed=True)
    _note(session, areas)


@event.listens_for(FlaskSession, "after_begin")
def _hold_connection(session, transaction, connection) -> None:
    _SESSIONS[connection] = weakref.ref(session)


@event.listens_for(Engine, "after_cursor_execute")
def _note_statement(conn, cursor, statement, parameters, context, executemany) -> None:
    written = written_table(statement)
    if written is None:
        if has_request_context():
            read = g.get("page_cache_tables")
            if read is not None:
                read |= tables_in_sql(statement)
        return
    owner = _SESSIONS.get(conn)
    session = owner() if owner is not None else None
    if session is not None:
        # The flush's objects are seen column by column in after_flush; only
        # the tables no class maps (a many-to-many's rows) are noted here.
        if not (session._flushing and written in _mapped_tables()):
            _note(session, areas_of_tables((written,)))
        return
    areas = areas_of_tables((written,))
    if areas:  # a connection of its own: bumped in its transaction at once
        conn.exec_driver_sql(bump_statement(area_id(area) for area in areas))


_MAPPED: set[str] = set()


def _mapped_tables() -> set[str]:
    if not _MAPPED:
        _MAPPED.update(mapper.local_table.name for mapper in db.Model.registry.mappers)
    return _MAPPED


@event.listens_for(FlaskSession, "before_commit")
def _bump_on_commit(session) -> None:
    # Flush first, so that the version rows are always the last rows a
    # transaction locks (no deadlock between two editors on PostgreSQL).
    if session.new or session.dirty or session.deleted:
        session.flush()
    areas = session.info.pop(_PENDING, None)
    if areas:
        session.connection().exec_driver_sql(bump_statement(area_id(area) for area in areas))


@event.listens_for(FlaskSession, "after_soft_rollback")
def _forget_on_rollback(session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)


# Reads ---------------------------------------------------------------------------


def start_recording() -> None:
    """Note the tables of every statement this request runs from now on."""
    if g.get("page_cache_tables") is None:
        g.page_cache_tables = set()


def reads(*tables: str) -> None:
    """A page read these tables without a statement (an index kept in memory):
    it depends on them as if it had queried them."""
    if has_request_context():
        read = g.get("page_cache_tables")
        if read is not None:
            read.update(tables)


def recorded_areas() -> frozenset[str] | None:
    """The areas this request read so far (None: not recorded)."""
    tables = g.get("page_cache_tables")
    return None if tables is None else areas_of_tables(tables)


def private_tables_read() -> set[str]:
    """Tables this request read that no public page shows (content_version aside)."""
    tables = _tables()
    read = g.get("page_cache_tables") or ()
    return {name for name in read if not tables.get(name, True) and name != "content_version"}


def parse_versions(rows) -> dict[int, int]:
    return {int(number): int(value) for number, value in rows}


def read_versions() -> dict[int, int] | None:
    """Every area's version (a missing row is 0: the next change makes it 1, and
    no page is kept longer than PAGE_CACHE_SECONDS anyway)."""
    try:
        # Straight to the session's connection: the same transaction as the
        # view's queries, without the ORM's statement handling.
        return parse_versions(db.session.connection().exec_driver_sql(READ_VERSIONS).all())
    except SQLAlchemyError:  # not migrated yet: nothing is kept
        db.session.rollback()
        return None


def versions_for(areas: Iterable[str], versions: dict[int, int]) -> tuple[tuple[int, int], ...]:
    """What a page made from these areas keeps, to compare with later versions."""
    return tuple(sorted((area_id(area), versions.get(area_id(area), 0)) for area in areas))


def current(kept: tuple[tuple[int, int], ...], versions: dict[int, int]) -> bool:
    return all(versions.get(number, 0) == value for number, value in kept)
