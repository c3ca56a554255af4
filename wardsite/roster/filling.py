"""The automatic rostering on the database: the one entry point that fills
the shifts of a date range with the solver in `rostering`, and why seats
stay empty as the roster stands."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.roster import rostering
from wardsite.roster.models import Assignment, Shift
from wardsite.roster.shifts import local_range, shifts_between
from wardsite.stations.services import week_start
from wardsite.timeutil import from_local
from wardsite.volunteers.models import Volunteer, day_parts

HISTORY_WEEKS = 8  # how far back station variety looks


@dataclass
class FillReport:
    seats: int
    filled: int
    added: int
    removed: int
    empty: dict[int, tuple[int, str]] = field(default_factory=dict)


def _specs(shifts: list[Shift], volunteers: list[Volunteer]):
    shift_specs = [
        rostering.ShiftSpec(
            s.id, s.kind, s.starts_at, s.ends_at, s.seats, week=week_start(s.local_day),
            station=s.station_id if s.station_id is not None else s.kind,
        )
        for s in shifts
    ]
    # Eligibility as services.is_eligible() says, with each shift's cells and day
    # worked out once: 300 volunteers × 240 shifts add up.
    needs = [(s.id, frozenset(day_parts(s.starts_at, s.ends_at)), s.local_day) for s in shifts]
    volunteer_specs = []
    for v in volunteers:
        cells = v.weekly_cells
        away = [(a.start_date, a.end_date) for a in v.dates_away]
        eligible = frozenset(
            shift_id for shift_id, wanted, day in needs
            if v.active and wanted <= cells and not any(first <= day <= last for first, last in away)
        )
        volunteer_specs.append(rostering.VolunteerSpec(v.id, v.experienced, v.max_shifts_per_week, eligible))
    return shift_specs, volunteer_specs


def _roster_people(shifts: list[Shift], active: list[Volunteer] | None = None) -> list[Volunteer]:
    """Active volunteers by id (`active`, when the caller has read them), then
    inactive ones still on one of `shifts`."""
    if active is None:
        active = list(db.session.scalars(select(Volunteer).where(Volunteer.active.is_(True)).order_by(Volunteer.id)))
    else:
        active = sorted(active, key=lambda volunteer: volunteer.id)
    known = {v.id for v in active}
    # Inactive people still pinned somewhere take part with no availability.
    others = {a.volunteer.id: a.volunteer for s in shifts for a in s.assignments if a.volunteer_id not in known}
    return active + list(others.values())


def fill_roster(start: date, end: date) -> FillReport:
    """The one rostering entry point (leader's button and `flask roster fill`):
    fill the non-cancelled shifts from `start` to `end` (whole weeks are
    considered as the weekly limit needs them)."""
    first_week = week_start(start)
    last_week_end = week_start(end) + timedelta(days=6)
    in_range = {s.id for s in shifts_between(start, end)}
    week_shifts = shifts_between(first_week, last_week_end)
    volunteers = _roster_people(week_shifts)
    shift_specs, volunteer_specs = _specs(week_shifts, volunteers)

    pinned, previous = set(), set()
    for shift in week_shifts:
        for a in shift.assignments:
            # Seats outside the range, or already published and signed up to,
            # are not the run's to move.
            if a.pinned or shift.id not in in_range:
                pinned.add((a.volunteer_id, shift.id))
            else:
                previous.add((a.volunteer_id, shift.id))

    history: dict[int, Counter] = defaultdict(Counter)
    before = from_local(datetime.combine(first_week - timedelta(weeks=HISTORY_WEEKS), time()))
    rows = db.session.execute(
        select(Assignment.volunteer_id, Shift.station_id, Shift.kind).join(Shift).where(
            Shift.starts_at >= before, Shift.starts_at < local_range(first_week, first_week)[0], Shift.cancelled.is_(False)
        )
    )
    for volunteer_id, station_id, kind in rows:
        history[volunteer_id][station_id if station_id is not None else kind] += 1

    result = rostering.fill(shift_specs, volunteer_specs, pinned=pinned, previous=previous, history=history)

    by_id = {s.id: s for s in week_shifts}
    people = {v.id: v for v in volunteers}
    removed = 0
    for shift in week_shifts:
        for a in list(shift.assignments):
            if (a.volunteer_id, shift.id) not in result.assignments:
                shift.assignments.remove(a)
                db.session.delete(a)
                removed += 1
    db.session.flush()
    added = 0
    for volunteer_id, shift_id in sorted(result.assignments - pinned - previous):
        db.session.add(Assignment(shift=by_id[shift_id], volunteer=people[volunteer_id], pinned=False))
        added += 1
    db.session.flush()
    seats = sum(by_id[s].seats for s in in_range)
    filled = sum(1 for _v, s in result.assignments if s in in_range)
    record_audit(
        "roster.filled", None,
        f"{start:%d/%m/%Y}–{end:%d/%m/%Y}: {filled}/{seats} seats, {added} added, {removed} removed",
    )
    return FillReport(seats, filled, added, removed, {k: v for k, v in result.empty.items() if k in in_range})


def empty_seats(shifts: list[Shift], week_shifts: list[Shift] | None = None,
                active: list[Volunteer] | None = None) -> dict[int, tuple[int, str]]:
    """For the shifts shown: empty seats and why, as the roster stands.

    A caller that has already read them passes `week_shifts` (every shift
    not cancelled in the weeks of `shifts`, in start order) and `active`
    (every active volunteer), so they are not read twice."""
    if not shifts:
        return {}
    if week_shifts is None:
        week_shifts = shifts_between(week_start(shifts[0].local_day), week_start(shifts[-1].local_day) + timedelta(days=6))
    volunteers = _roster_people(week_shifts, active)
    shift_specs, volunteer_specs = _specs(week_shifts, volunteers)
    pairs = {(a.volunteer_id, s.id) for s in week_shifts for a in s.assignments}
    wanted = {s.id for s in shifts}
    return {k: v for k, v in rostering.explain_empty(shift_specs, volunteer_specs, pairs).items() if k in wanted}


# Why seats stay empty, in words for the leader's page and the command line.
REASONS = {
    rostering.NOBODY_AVAILABLE: _l("nobody is available then"),
    rostering.AT_LIMIT: _l("everyone available is at their limit or on another shift"),
    rostering.NO_EXPERIENCED: _l("no experienced member is free"),
}
