"""What the visits area tells the stats area: its figures for a period, the
procedures its teams dealt with, and the day's visits for the staff home.
Other areas read visits through these functions, never through its tables.

The figures come from two summaries, per day and per month of the ward, kept in step with
the visits in the same transaction (`wardsite.stats.summary_tables`): a
period's figures are a few hundred summary rows, never the year's visits.
Only closed visits count: done, or nobody at home. An outcome stored before
the slot began (which the leader's screens refuse since) is left out: it is
the visit's own closing time, not the clock of the page, that decides, so a
visit's share in the sums depends on its row alone.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, func, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column

from wardsite.extensions import db
from wardsite.stats import summary_tables
from wardsite.timeutil import to_local
from wardsite.visits.models import CANCELLED, DONE, NO_SHOW, Visit, visit_procedure_done

CLOSED = (DONE, NO_SHOW)


class VisitDaySummary(db.Model):
    """Closed visits per day of the slot (the ward's date), residential group
    (0: none) and status, with the outcome's figures and the ratings."""

    __tablename__ = "visit_day_summary"
    __table_args__ = {"info": {"page_cache": "visits"}}

    period: Mapped[str] = mapped_column(String(1), primary_key=True)  # summary_tables.DAY or MONTH
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    residential_group_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    people_guided: Mapped[int] = mapped_column(Integer, default=0)
    dossiers_filed: Mapped[int] = mapped_column(Integer, default=0)
    ratings: Mapped[int] = mapped_column(Integer, default=0)
    rating_total: Mapped[int] = mapped_column(Integer, default=0)


class VisitProcedureSummary(db.Model):
    """Done visits per day and procedure the team dealt with."""

    __tablename__ = "visit_procedure_summary"
    __table_args__ = {"info": {"page_cache": "visits"}}

    period: Mapped[str] = mapped_column(String(1), primary_key=True)  # summary_tables.DAY or MONTH
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    people_guided: Mapped[int] = mapped_column(Integer, default=0)
    dossiers_filed: Mapped[int] = mapped_column(Integer, default=0)


def counts(status: str | None, slot_start: datetime | None, closed_at: datetime | None) -> bool:
    """Whether a visit counts in the figures: closed, and not before its slot."""
    if status not in CLOSED or slot_start is None:
        return False
    return closed_at is None or closed_at >= slot_start


def _read(connection, ids):
    """Each counted visit's share, read from its row (the day is the ward's date
    of the slot, computed here so that SQLite and PostgreSQL agree)."""
    visit, done = Visit.__table__.c, visit_procedure_done.c
    rows = select(visit.slot_start, visit.closed_at, visit.status, visit.residential_group_id, visit.people_guided,
                  visit.dossiers_filed, visit.rating).where(visit.status.in_(CLOSED))
    links = (select(visit.slot_start, visit.closed_at, done.procedure_id, visit.people_guided, visit.dossiers_filed)
             .join(Visit.__table__, visit.id == done.visit_id).where(visit.status == DONE))
    if ids is not None:
        rows = rows.where(visit.id.in_(ids))
        links = links.where(visit.id.in_(ids))
    day_table, procedure_table = VisitDaySummary.__table__, VisitProcedureSummary.__table__
    for slot_start, closed_at, status, group_id, people, dossiers, rating in connection.execute(rows):
        if counts(status, slot_start, closed_at):
            yield (day_table, (to_local(slot_start).date(), group_id or 0, status),
                   (1, people, dossiers, rating is not None, rating))
    for slot_start, closed_at, procedure_id, people, dossiers in connection.execute(links):
        if counts(DONE, slot_start, closed_at):
            yield procedure_table, (to_local(slot_start).date(), procedure_id), (1, people, dossiers)


def _lock(connection, ids):
    if connection.dialect.name == "postgresql":
        table = Visit.__table__
        connection.execute(select(table.c.id).where(table.c.id.in_(ids)).with_for_update())


VISIT_SUMMARIES = summary_tables.register(summary_tables.Summariser(
    name="visits",
    tables=[VisitDaySummary.__table__, VisitProcedureSummary.__table__],
    keys={"visit_day_summary": ("period", "day", "residential_group_id", "status"),
          "visit_procedure_summary": ("period", "day", "procedure_id")},
    values={"visit_day_summary": ("visits", "people_guided", "dossiers_filed", "ratings", "rating_total"),
            "visit_procedure_summary": ("visits", "people_guided", "dossiers_filed")},
    watched={Visit: lambda visit: visit},
    read=_read,
    lock=_lock,
))


def visit_figures(start: date, end: date) -> list[tuple]:
    """The closed visits from `start` to `end` (the ward's dates): (status,
    residential group id or None, visits, people guided, dossiers filed,
    ratings, sum of the ratings), one row per status and group."""
    s = VisitDaySummary
    rows = db.session.execute(
        select(s.status, s.residential_group_id, func.sum(s.visits), func.sum(s.people_guided),
               func.sum(s.dossiers_filed), func.sum(s.ratings), func.sum(s.rating_total))
        .where(summary_tables.in_range(s, start, end))
        .group_by(s.status, s.residential_group_id)
        .having(func.sum(s.visits) > 0)
    ).all()
    return [(status, group or None, *(int(v or 0) for v in values)) for status, group, *values in rows]


def done_visits_by_day(start: date, end: date) -> list[tuple]:
    """(day, visits, people guided, dossiers filed) of the visits done from
    `start` to `end`: a row per day or, for a whole month, one on its first day."""
    s = VisitDaySummary
    rows = db.session.execute(
        select(s.day, func.sum(s.visits), func.sum(s.people_guided), func.sum(s.dossiers_filed))
        .where(summary_tables.in_range(s, start, end), s.status == DONE)
        .group_by(s.day)
        .having(func.sum(s.visits) > 0)
    ).all()
    return [(day, *(int(v or 0) for v in values)) for day, *values in rows]


def done_visits_by_procedure(start: date, end: date) -> list[tuple]:
    """(procedure id, visits, people guided, dossiers filed) of the visits done
    from `start` to `end` (the ward's dates), by procedure the team dealt with."""
    s = VisitProcedureSummary
    rows = db.session.execute(
        select(s.procedure_id, func.sum(s.visits), func.sum(s.people_guided), func.sum(s.dossiers_filed))
        .where(summary_tables.in_range(s, start, end))
        .group_by(s.procedure_id)
        .having(func.sum(s.visits) > 0)
    ).all()
    return [(procedure_id, *(int(v or 0) for v in values)) for procedure_id, *values in rows]


def visits_between(first: datetime, last: datetime) -> list[Visit]:
    """The visits from `first` to `last` (UTC instants) that are not
    cancelled, in time order, with their residential group."""
    return db.session.scalars(
        select(Visit)
        .options(joinedload(Visit.residential_group))
        .where(Visit.slot_start >= first, Visit.slot_start < last, Visit.status != CANCELLED)
        .order_by(Visit.slot_start, Visit.id)
    ).all()
