"""The automatic rostering on the database: the one entry point that fills
the shifts of a date range with the solver in `rostering` (planned first,
so that a re-plan of a published week can be shown before it is saved), and
why seats stay empty as the roster stands."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.roster import notices, rostering
from wardsite.roster.models import Assignment, Shift, ShiftExclusion
from wardsite.roster.shifts import describe, local_range, shifts_between
from wardsite.stations.services import week_start
from wardsite.timeutil import from_local, utcnow
from wardsite.volunteers.models import Volunteer, day_parts

HISTORY_WEEKS = 8  # how far back station variety looks


@dataclass
class FillPlan:
    """What a fill would do, before anything is saved: the seats it adds
    (volunteer, shift) and the ones it takes away (assignments), for the
    shifts from `start` to `end`."""

    start: date
    end: date
    replan: bool
    seats: int
    filled: int
    added: list[tuple[Volunteer, Shift]]
    removed: list[Assignment]
    empty: dict[int, tuple[int, str]]
    proven: bool = True  # False: the solver stopped at ROSTER_SOLVER_SECONDS, best found but not proven best
    # Every shift read, held here: the session keeps only records someone holds.
    shifts: list[Shift] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """The same for the same changes: a confirmation applies what it showed."""
        changes = sorted([("+", v.id, s.id) for v, s in self.added] + [("-", a.volunteer_id, a.shift_id) for a in self.removed])
        return hashlib.sha256(repr(changes).encode()).hexdigest()[:20]

    def changed_shifts(self) -> list[Shift]:
        changed = {s.id for _v, s in self.added} | {a.shift_id for a in self.removed}
        return [s for s in self.shifts if s.id in changed]  # in start order, as read

    def team_changes(self) -> list[notices.TeamChange]:
        """Each changed shift's team now and as the plan would leave it."""
        gone = {a.id for a in self.removed}
        return [
            notices.TeamChange(
                shift, [a.volunteer for a in shift.assignments],
                [a.volunteer for a in shift.assignments if a.id not in gone] + [v for v, s in self.added if s is shift],
            )
            for shift in self.changed_shifts()
        ]


@dataclass
class FillReport:
    seats: int
    filled: int
    added: int
    removed: int
    empty: dict[int, tuple[int, str]] = field(default_factory=dict)
    # (name, shift in words) of each seat added or taken away, for the leader's message
    added_seats: list[tuple[str, str]] = field(default_factory=list)
    removed_seats: list[tuple[str, str]] = field(default_factory=list)
    told: notices.Told = field(default_factory=notices.Told)  # about changes to published seats
    proven: bool = True  # False: the best roster found within ROSTER_SOLVER_SECONDS, not proven the best


def roster_rules() -> rostering.Rules:
    """The ward's settings for rest between shifts, shifts a day and days in a row."""
    hours = current_app.config.get("ROSTER_MIN_REST_HOURS") or 0
    return rostering.Rules(
        min_rest=timedelta(hours=hours) if hours else None,
        max_per_day=current_app.config.get("ROSTER_MAX_SHIFTS_PER_DAY") or None,
        max_consecutive_days=current_app.config.get("ROSTER_MAX_CONSECUTIVE_DAYS") or None,
    )


def margin_days() -> int:
    """Days read on either side of the weeks in question: one for rest across
    a week's edge, and the consecutive-days limit's reach."""
    return max(1, current_app.config.get("ROSTER_MAX_CONSECUTIVE_DAYS") or 0)


def _specs(shifts: list[Shift], volunteers: list[Volunteer], frozen: frozenset = frozenset()):
    """The solver's view of the shifts and volunteers. A shift in `frozen`
    takes nobody new: it keeps only the seats already taken."""
    shift_specs = [
        rostering.ShiftSpec(
            s.id, s.kind, s.starts_at, s.ends_at, len(s.assignments) if s.id in frozen else s.seats,
            week=week_start(s.local_day), station=s.station_id if s.station_id is not None else s.kind,
            day=s.local_day, required_skill=s.required_skill, month=(s.local_day.year, s.local_day.month),
        )
        for s in shifts
    ]
    # Eligibility as services.is_eligible() says, with each shift's cells and day
    # worked out once: 300 volunteers × 240 shifts add up.
    needs = [(s.id, frozenset(day_parts(s.starts_at, s.ends_at)), s.local_day, s.required_skill) for s in shifts]
    excluded = excluded_pairs([s.id for s in shifts])
    volunteer_specs = []
    for v in volunteers:
        cells = v.weekly_cells
        skills = frozenset(v.skills)
        away = [(a.start_date, a.end_date) for a in v.dates_away]
        eligible = frozenset(
            shift_id for shift_id, wanted, day, skill in needs
            if v.active and wanted <= cells and not any(first <= day <= last for first, last in away)
            and (v.id, shift_id) not in excluded and (not skill or skill in skills)
        )
        volunteer_specs.append(rostering.VolunteerSpec(
            v.id, v.experienced, v.max_shifts_per_week, eligible, skills,
            max_hours_per_week=v.max_hours_per_week, max_hours_per_month=v.max_hours_per_month,
            preferred_days=v.preferred_days, avoided_days=v.avoided_days,
        ))
    return shift_specs, volunteer_specs


def excluded_pairs(shift_ids: list[int]) -> set[tuple[int, int]]:
    """(volunteer id, shift id) of the leader's "not this shift" on `shift_ids`."""
    rows = db.session.execute(
        select(ShiftExclusion.volunteer_id, ShiftExclusion.shift_id).where(ShiftExclusion.shift_id.in_(shift_ids))
    )
    return {(volunteer_id, shift_id) for volunteer_id, shift_id in rows}


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


def _context(week_shifts: list[Shift], first: date, last: date) -> list[Shift]:
    """The shifts of the `margin_days` before `first` and after `last`."""
    margin = timedelta(days=margin_days())
    known = {s.id for s in week_shifts}
    return [s for s in shifts_between(first - margin, last + margin) if s.id not in known and not first <= s.local_day <= last]


def plan_fill(start: date, end: date, *, replan: bool = False, now: datetime | None = None) -> FillPlan:
    """What filling the non-cancelled shifts from `start` to `end` would do
    (whole weeks are read, as the weekly limit needs them), saving nothing.

    Published means promised: a seat on a published shift stays, and only its
    empty seats are filled; with `replan` (the leader asked to re-plan a
    published week) those seats may move too, kept where that costs no seat.
    Nobody goes back to a shift the leader took them off by hand. Never
    moved, in any case: seats put by hand, seats with attendance, and
    every seat of a shift that has started (past weeks are history) or lies
    outside the range; those shifts take nobody new either."""
    now = now or utcnow()
    first_week = week_start(start)
    last_week_end = week_start(end) + timedelta(days=6)
    in_range = {s.id for s in shifts_between(start, end)}
    week_shifts = shifts_between(first_week, last_week_end)
    open_shifts = frozenset(s.id for s in week_shifts if s.id in in_range and s.starts_at > now)
    # The days either side count for rest and days in a row; they stay as they are.
    seen = week_shifts + _context(week_shifts, first_week, last_week_end)
    volunteers = _roster_people(seen)
    shift_specs, volunteer_specs = _specs(seen, volunteers, frozen=frozenset(s.id for s in seen) - open_shifts)

    pinned, previous = set(), set()
    for shift in seen:
        promised = shift.published_at is not None and not replan
        for a in shift.assignments:
            if a.pinned or a.attendance or promised or shift.id not in open_shifts:
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

    result = rostering.fill(shift_specs, volunteer_specs, pinned=pinned, previous=previous, history=history, rules=roster_rules(),
                             time_limit=current_app.config.get("ROSTER_SOLVER_SECONDS"))

    by_id = {s.id: s for s in week_shifts}
    people = {v.id: v for v in volunteers}
    removed = [a for s in week_shifts for a in s.assignments if (a.volunteer_id, s.id) not in result.assignments]
    added = [(people[v], by_id[s]) for v, s in sorted(result.assignments - pinned - previous)]
    return FillPlan(
        start, end, replan,
        seats=sum(by_id[s].seats for s in in_range),
        filled=sum(1 for _v, s in result.assignments if s in in_range),
        added=added, removed=removed,
        empty={k: v for k, v in result.empty.items() if k in in_range}, proven=result.proven, shifts=week_shifts,
    )


def apply_plan(plan: FillPlan) -> FillReport:
    """Save what `plan_fill` planned, logged; whoever a change to a
    published seat concerns is told."""
    changed = plan.changed_shifts()
    before = notices.teams(changed)
    by_id = {s.id: s for s in plan.shifts}
    removed_seats = [(a.volunteer.name, describe(by_id[a.shift_id])) for a in plan.removed]
    for a in plan.removed:
        by_id[a.shift_id].assignments.remove(a)
        db.session.delete(a)
    db.session.flush()
    for volunteer, shift in plan.added:
        db.session.add(Assignment(shift=shift, volunteer=volunteer, pinned=False))
    db.session.flush()
    told = notices.tell_seat_changes(notices.changes_since(before, changed))
    record_audit(
        "roster.replanned" if plan.replan else "roster.filled", None,
        f"{plan.start:%d/%m/%Y}–{plan.end:%d/%m/%Y}: {plan.filled}/{plan.seats} seats, "
        f"{len(plan.added)} added, {len(plan.removed)} removed",
    )
    return FillReport(
        plan.seats, plan.filled, len(plan.added), len(plan.removed), plan.empty,
        added_seats=[(v.name, describe(s)) for v, s in plan.added], removed_seats=removed_seats, told=told, proven=plan.proven,
    )


def fill_roster(start: date, end: date, *, replan: bool = False, now: datetime | None = None) -> FillReport:
    """The one rostering entry point (leader's button and `flask roster fill`):
    plan the fill of the shifts from `start` to `end` and save it."""
    return apply_plan(plan_fill(start, end, replan=replan, now=now))


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
    seen = week_shifts + _context(week_shifts, week_start(shifts[0].local_day), week_start(shifts[-1].local_day) + timedelta(days=6))
    volunteers = _roster_people(seen, active)
    shift_specs, volunteer_specs = _specs(seen, volunteers)
    pairs = {(a.volunteer_id, s.id) for s in seen for a in s.assignments}
    wanted = {s.id for s in shifts}
    return {k: v for k, v in rostering.explain_empty(shift_specs, volunteer_specs, pairs, roster_rules()).items() if k in wanted}


# Why seats stay empty, in words for the leader's page and the command line.
REASONS = {
    rostering.NOBODY_AVAILABLE: _l("nobody is available then"),
    rostering.AT_LIMIT: _l("everyone available is at their limit or on another shift"),
    rostering.NO_EXPERIENCED: _l("no experienced member is free"),
}
