"""The procedures the booking form and the leader's outcome form offer as
ticks: a short list (the whole catalogue is 2,000 boxes, unusable on a phone)
of those residents ask for most, and the published ones a form sent back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from wardsite.extensions import db
from wardsite.procedures.models import Procedure
from wardsite.visits.models import Visit, visit_procedure

POPULAR_PROCEDURES = 12  # a list an elderly resident can read on a phone
# The ranking reads the latest bookings only: what residents need now, at a
# cost that does not grow with the years of history (ids follow booking order).
POPULAR_FROM_BOOKINGS = 5000


@dataclass(frozen=True)
class ProcedureChoice:
    id: int
    name: str
    code: str


_CHOICE_COLUMNS = (Procedure.id, Procedure.name, Procedure.code)


def popular_procedures(limit: int = POPULAR_PROCEDURES) -> list[ProcedureChoice]:
    """The published procedures residents most often asked help with in the
    latest POPULAR_FROM_BOOKINGS home-visit bookings, most asked first; while
    there is too little history, the rest are the catalogue's online
    procedures by name.

    One aggregate over a range of the visits' procedure links (their primary
    key starts with the visit id); procedure rows are read only for the
    counted ones that make the list, and only the columns shown."""
    latest = select(func.max(Visit.id)).scalar_subquery()
    times = func.count().label("times")
    counted = (
        select(visit_procedure.c.procedure_id, times)
        .where(visit_procedure.c.visit_id > latest - POPULAR_FROM_BOOKINGS)
        .group_by(visit_procedure.c.procedure_id)
        # Room for a few withdrawn since; the rest of the catalogue is never read.
        .order_by(times.desc(), visit_procedure.c.procedure_id)
        .limit(limit * 3)
        .subquery()
    )
    rows = db.session.execute(
        select(*_CHOICE_COLUMNS)
        .join(counted, counted.c.procedure_id == Procedure.id)
        .where(Procedure.published.is_(True))
        .order_by(counted.c.times.desc(), Procedure.name, Procedure.id)
        .limit(limit)
    ).all()
    choices = [ProcedureChoice(*row) for row in rows]
    if len(choices) < limit:
        query = (
            select(*_CHOICE_COLUMNS)
            .where(Procedure.published.is_(True), Procedure.online.in_(("full", "partial")))
            .order_by(Procedure.name, Procedure.id)
            .limit(limit - len(choices))
        )
        if choices:
            query = query.where(Procedure.id.not_in([choice.id for choice in choices]))
        choices += [ProcedureChoice(*row) for row in db.session.execute(query)]
    return choices


def is_row_id(value) -> bool:
    """An id a database row can have: a number beyond the column's range
    from a forged form must not reach the query (SQLite and PostgreSQL refuse it)."""
    return isinstance(value, int) and 0 < value < 2**31


def published_procedures(ids=(), code: str | None = None) -> list[ProcedureChoice]:
    """The published procedures among `ids` (and the one with `code`), by name;
    unknown and unpublished ones are left out."""
    ids = sorted({pid for pid in ids if is_row_id(pid)})
    if not ids and not code:
        return []
    wanted = []
    if ids:
        wanted.append(Procedure.id.in_(ids))
    if code:
        wanted.append(Procedure.code == code)
    query = select(*_CHOICE_COLUMNS).where(Procedure.published.is_(True), or_(*wanted))
    return [ProcedureChoice(*row) for row in db.session.execute(query.order_by(Procedure.name, Procedure.id))]
