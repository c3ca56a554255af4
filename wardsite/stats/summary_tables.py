"""Summary tables kept in step with the rows they add up, in the same
transaction.

The public figures and the reports add up counts per day (per station,
residential group, procedure...). Adding up a year of raw rows on every render
grows with history; these summaries hold the sums, a few rows a day, so a page
reads a few hundred rows whatever the size of the history.

How a summary stays right:
- A `Summariser` says which ORM classes feed it and how to read the
  contributions of some of its rows, grouped by the summary's key, straight
  from the database (`read`).
- On every flush that adds, changes or deletes such rows, the contributions
  of the rows touched are read before the flush (what the summary holds for
  them) and after it (what it must hold), and the difference is added to the
  summary with an UPSERT (`INSERT ... ON CONFLICT DO UPDATE SET n = n + ...`),
  in the flush's transaction. The same rows read twice, not the objects in
  memory: column defaults, cascades and relationship changes all count as
  the database sees them.
- Increments commute: two entries committed at once for the same key both
  land, on SQLite (one writer at a time) and on PostgreSQL (the second
  UPSERT waits on the first's row lock, then adds to the committed value).
  Changed or deleted rows are locked (`SELECT ... FOR UPDATE` on PostgreSQL)
  before their old contribution is read, so two edits of one entry never
  subtract the same old value twice.
- Every summary has a row per day and a row per month (`period` "d" or
  "m"): a range of whole months (this month, this year: the public pages,
  the report's presets) reads the month rows, a dozen per key; the days at
  either end of another range read day rows (`in_range`).
- Key columns are NOT NULL, with 0 for "none" (no station, no group): a NULL
  never conflicts in a UNIQUE index, and would give two rows for one key.
- Bulk `insert()`/`update()` statements go around the ORM and so around this:
  whoever uses them calls `rebuild()` (the scaled benchmark data does), and
  `flask stats rebuild-summaries` repairs a database by hand.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import chain
from typing import Callable, Iterable

from datetime import date, timedelta

from sqlalchemy import Table, and_, delete, event, false, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

DAY, MONTH = "d", "m"  # a summary row sums one day, or one month (`day` is then its first day)
CHUNK = 500  # ids per IN (...) list: far below every database's limit of bound parameters

# A contribution: (summary table, key tuple) -> value tuple
Contributions = dict[tuple[Table, tuple], list[int]]


@dataclass
class Summariser:
    """One source of rows (e.g. guidance sessions) feeding one or more summary tables.

    `watched` maps each ORM class whose changes move the sums to a function
    giving the id of the source row it belongs to (an object's own id, or the
    id of its parent for a link row), or the parent object when it has no id
    yet. `read(connection, ids)` yields (table, key, values) for the source
    rows with these ids, or for every row when `ids` is None. `lock(connection,
    ids)` locks those source rows where the database can.
    """

    name: str
    tables: list[Table]
    keys: dict[str, tuple[str, ...]]  # table name -> its key columns
    values: dict[str, tuple[str, ...]]  # table name -> its summed columns
    watched: dict[type, Callable[[object], object]]
    read: Callable[[Connection, list[int] | None], Iterable[tuple[Table, tuple, tuple]]]
    lock: Callable[[Connection, list[int]], None] = lambda connection, ids: None
    pending_key: str = field(init=False)

    def __post_init__(self):
        self.pending_key = f"summaries.{self.name}"

    def contributions(self, connection: Connection, ids: list[int] | None) -> Contributions:
        sums: Contributions = {}
        chunks = [None] if ids is None else [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]
        for chunk in chunks:
            for table, (day, *rest), values in self.read(connection, chunk):
                # Each share counts in its day's row and in its month's.
                for key in ((DAY, day, *rest), (MONTH, day.replace(day=1), *rest)):
                    current = sums.get((table, key))
                    if current is None:
                        sums[(table, key)] = [int(v or 0) for v in values]
                    else:
                        for index, value in enumerate(values):
                            current[index] += int(value or 0)
        return sums


SUMMARISERS: list[Summariser] = []


def covering(start: date, end: date) -> list[tuple[str, date, date]]:
    """The summary rows that add up to the days from `start` to `end`:
    (period, first, last) with whole months as month rows and the days at
    either end as day rows."""
    if start > end:
        return []
    first_month = start if start.day == 1 else (start.replace(day=1) + timedelta(days=32)).replace(day=1)
    after_end = end + timedelta(days=1)
    end_month = after_end if after_end.day == 1 else end.replace(day=1)  # the first day not in a whole month
    if first_month >= end_month:
        return [(DAY, start, end)]
    parts = []
    if start < first_month:
        parts.append((DAY, start, first_month - timedelta(days=1)))
    parts.append((MONTH, first_month, (end_month - timedelta(days=1)).replace(day=1)))
    if end_month <= end:
        parts.append((DAY, end_month, end))
    return parts


def in_range(model, start: date, end: date):
    """The WHERE clause choosing `model`'s summary rows for the days from `start` to `end`."""
    return or_(*[and_(model.period == period, model.day >= first, model.day <= last)
                 for period, first, last in covering(start, end)] or [false()])


def register(summariser: Summariser) -> Summariser:
    if all(existing.name != summariser.name for existing in SUMMARISERS):
        SUMMARISERS.append(summariser)
    return summariser


def _upsert(connection: Connection, summariser: Summariser, table: Table, rows: list[dict]) -> None:
    keys, values = summariser.keys[table.name], summariser.values[table.name]
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in keys],
        set_={name: table.c[name] + statement.excluded[name] for name in values},
    )
    connection.execute(statement, rows)


def apply(connection: Connection, summariser: Summariser, delta: Contributions) -> None:
    """Add `delta` to the summary tables. Rows go in key order, so two
    transactions touching the same keys take their locks in the same order."""
    by_table: dict[Table, list[dict]] = defaultdict(list)
    for (table, key), values in sorted(delta.items(), key=lambda item: (item[0][0].name, item[0][1])):
        if not any(values):
            continue
        row = dict(zip(summariser.keys[table.name], key))
        row.update(zip(summariser.values[table.name], values))
        by_table[table].append(row)
    for table, rows in by_table.items():
        _upsert(connection, summariser, table, rows)


def difference(after: Contributions, before: Contributions) -> Contributions:
    delta: Contributions = {}
    for entry in set(after) | set(before):
        new, old = after.get(entry), before.get(entry)
        if new is None:
            delta[entry] = [-value for value in old]
        elif old is None:
            delta[entry] = list(new)
        else:
            delta[entry] = [a - b for a, b in zip(new, old)]
    return delta


def rebuild(connection: Connection, summariser: Summariser | None = None) -> dict[str, int]:
    """Empty the summary tables and fill them again from every source row:
    the repair after bulk statements or a hand edit. Returns rows per table."""
    counts = {}
    for each in [summariser] if summariser else SUMMARISERS:
        for table in each.tables:
            connection.execute(delete(table))
        contributions = each.contributions(connection, None)
        # The tables are empty: plain INSERTs, faster than UPSERTs.
        by_table = defaultdict(list)
        for (table, key), values in contributions.items():
            if any(values):
                by_table[table].append({**dict(zip(each.keys[table.name], key)),
                                        **dict(zip(each.values[table.name], values))})
        for table, rows in by_table.items():
            connection.execute(insert(table), rows)
        for table in each.tables:
            counts[table.name] = sum(1 for (t, _key), v in contributions.items() if t is table and any(v))
    return counts


def _touched(session: Session, summariser: Summariser) -> tuple[set[int], list[object]]:
    """The ids of the source rows this flush changes, and the new source objects (no id yet)."""
    ids, new_objects = set(), []
    for obj in chain(session.new, session.dirty, session.deleted):
        parent_of = next((fn for cls, fn in summariser.watched.items() if isinstance(obj, cls)), None)
        if parent_of is None or (obj in session.dirty and not session.is_modified(obj)):
            continue
        parent = parent_of(obj)
        if isinstance(parent, int):
            ids.add(parent)
        elif parent is not None:
            parent_id = getattr(parent, "id", None)
            if parent_id is not None:
                ids.add(parent_id)
            else:
                new_objects.append(parent)
    return ids, new_objects


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context, instances) -> None:
    session.info.pop("summaries.pending", None)
    if not (session.new or session.dirty or session.deleted):
        return
    for summariser in SUMMARISERS:
        with session.no_autoflush:
            ids, new_objects = _touched(session, summariser)
        if not ids and not new_objects:
            continue
        connection = session.connection()
        ordered = sorted(ids)
        if ordered:
            summariser.lock(connection, ordered)
        before = summariser.contributions(connection, ordered) if ordered else {}
        session.info.setdefault("summaries.pending", []).append((summariser, ordered, new_objects, before))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    pending = session.info.pop("summaries.pending", None)
    if not pending:
        return
    connection = session.connection()
    for summariser, ids, new_objects, before in pending:
        every = sorted(set(ids) | {obj.id for obj in new_objects if getattr(obj, "id", None) is not None})
        after = summariser.contributions(connection, every) if every else {}
        apply(connection, summariser, difference(after, before))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("summaries.pending", None)
