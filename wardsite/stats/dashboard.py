"""The roster and visit lines of the staff home page (/quan-tri/): today's shifts
and who is on them, today's visits, seats still empty this week."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload
from werkzeug.routing import BuildError

from wardsite.extensions import db
from wardsite.roster.models import Assignment, Shift
from wardsite.stats import services
from wardsite.timeutil import from_local, local_today
from wardsite.visits import figures as visit_data
from wardsite.volunteers.models import Volunteer


def link(endpoint: str, **values) -> str | None:
    """The address of another area's screen, or None if that screen does not exist."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _shifts_between(first: datetime, last: datetime) -> list[Shift]:
    return db.session.scalars(
        select(Shift)
        # Only the names of who is on them are needed: not whole volunteers with their availability.
        .options(joinedload(Shift.station), lazyload(Shift.assignments))
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
    team: dict[int, list[str]] = {shift.id: [] for shift in week_shifts}
    if team:
        for shift_id, name in db.session.execute(
            select(Assignment.shift_id, Volunteer.name)
            .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
            .where(Assignment.shift_id.in_(list(team)))
            .order_by(Assignment.id)
        ):
            team[shift_id].append(name)
    short_shifts = [(shift, shift.seats - len(team[shift.id])) for shift in week_shifts if shift.seats > len(team[shift.id])]

    visits = visit_data.visits_between(start_of_today, tomorrow)
    return {
        "stats_dashboard": {
            "today_shifts": [shift for shift in week_shifts if shift.starts_at < tomorrow],
            "team": team,
            "today_visits": visits,
            "short_shifts": short_shifts,
            "empty_seats": sum(missing for _shift, missing in short_shifts),
            "tally": services.day_tally(today),
            "roster_url": link("roster.roster"),
            "visits_url": link("visits.admin_visits"),
            "link": link,
        }
    }
