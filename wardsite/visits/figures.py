"""What the visits area tells the stats area: its figures for a period, the
procedures its teams dealt with, and the day's visits for the staff home.
Other areas read visits through these functions, never through its tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from wardsite.extensions import db
from wardsite.timeutil import utcnow
from wardsite.visits.models import CANCELLED, DONE, NO_SHOW, Visit, visit_procedure_done


def _closed_or_open():
    """Only visits that really took place count as done or nobody at home:
    an outcome recorded before the slot (which the leader's screens refuse
    since) is left out of the figures."""
    return or_(Visit.status.not_in((DONE, NO_SHOW)), Visit.slot_start <= utcnow())


def visit_figures(first: datetime, last: datetime, month_ends: list[datetime]) -> list[tuple]:
    """The visits from `first` to `last` (UTC instants) in one GROUP BY, read
    from the report's covering index: (status, residential group id, month,
    count, people guided, dossiers filed, ratings, sum of the ratings). The
    month is the index of the first of `month_ends` the visit starts before
    (the last one for any later visit)."""
    month = case(
        *[(Visit.slot_start < month_end, index) for index, month_end in enumerate(month_ends)],
        else_=len(month_ends) - 1,
    )
    return db.session.execute(
        select(
            Visit.status, Visit.residential_group_id, month, func.count(),
            func.sum(Visit.people_guided), func.sum(Visit.dossiers_filed), func.count(Visit.rating), func.sum(Visit.rating),
        )
        .where(and_(Visit.slot_start >= first, Visit.slot_start < last), _closed_or_open())
        .group_by(Visit.status, Visit.residential_group_id, month)
    ).all()


def done_visits_by_procedure(first: datetime, last: datetime) -> list[tuple]:
    """(procedure id, visits, people guided, dossiers filed) of the visits done
    from `first` to `last` (UTC instants), by procedure the team dealt with."""
    done = visit_procedure_done.c
    return db.session.execute(
        select(done.procedure_id, func.count(), func.sum(Visit.people_guided), func.sum(Visit.dossiers_filed))
        .join(Visit, Visit.id == done.visit_id)
        .where(and_(Visit.slot_start >= first, Visit.slot_start < last), Visit.status == DONE, Visit.slot_start <= utcnow())
        .group_by(done.procedure_id)
    ).all()


def visits_between(first: datetime, last: datetime) -> list[Visit]:
    """The visits from `first` to `last` (UTC instants) that are not
    cancelled, in time order, with their residential group."""
    return db.session.scalars(
        select(Visit)
        .options(joinedload(Visit.residential_group))
        .where(Visit.slot_start >= first, Visit.slot_start < last, Visit.status != CANCELLED)
        .order_by(Visit.slot_start, Visit.id)
    ).all()
