"""The roster and visit lines of the staff home page (/quan-tri/): today's shifts
and who is on them, today's visits, seats still empty this week."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.routing import BuildError

from wardsite.extensions import db
from wardsite.stats import services
from wardsite.timeutil import from_local, local_today
from wardsite.visits.models import CANCELLED, Visit
from wardsite.volunteers.models import Assignment, Shift


def link(endpoint: str, **values) -> str | None:
    """The address of another area's screen, or None if that screen does not exist."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _shifts_between(first: datetime, last: datetime) -> list[Shift]:
    return db.session.scalars(
        select(Shift)
        .where(Shift.cancelled.is_(False), Shift.starts_at >= first, Shift.starts_at < last)
        .order_by(Shift.starts_at, Shift.id)
    ).all()


def context() -> dict | None:
    if not current_user.has_role("leader"):
        return None  # editors have the news block; rosters are not theirs
    today = local_today()
    start_of_today = from_local(datetime.combine(today, time()))
    tomorrow = start_of_today + timedelta(days=1)
    week_end = from_local(datetime.combine(today + timedelta(days=7 - today.weekday()), time()))

    week_shifts = _shifts_between(start_of_today, week_end)
    filled = dict(
        db.session.execute(
            select(Assignment.shift_id, func.count(Assignment.id))
            .where(Assignment.shift_id.in_([shift.id for shift in week_shifts]))
            .group_by(Assignment.shift_id)
        ).all()
    ) if week_shifts else {}
    short_shifts = [(shift, shift.seats - filled.get(shift.id, 0)) for shift in week_shifts
                    if shift.seats > filled.get(shift.id, 0)]

    visits = db.session.scalars(
        select(Visit)
        .where(Visit.slot_start >= start_of_today, Visit.slot_start < tomorrow, Visit.status != CANCELLED)
        .order_by(Visit.slot_start, Visit.id)
    ).all()
    return {
        "stats_dashboard": {
            "today_shifts": [shift for shift in week_shifts if shift.starts_at < tomorrow],
            "today_visits": visits,
            "short_shifts": short_shifts,
            "empty_seats": sum(missing for _shift, missing in short_shifts),
            "tally": services.day_tally(today),
            "roster_url": link("volunteers.roster"),
            "visits_url": link("visits.admin_visits"),
            "link": link,
        }
    }
