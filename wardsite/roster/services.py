"""Business rules of the roster, reachable without HTTP: the leader's edits
to shifts and weekly shifts, eligibility and conflicts, hand-made
assignments, publishing and reminders, swaps and attendance.

It is also the one place the routes, the command line, the other areas and
the tests call the roster from: reading shifts (`shifts`) and the automatic
filling (`filling`) live in their own modules and are named here too."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from wardsite import mail
from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.roster import notices
from wardsite.roster.notices import AffectedVisit, BookingHooks, TeamChange, booking_hooks, set_booking_hooks
from wardsite.roster.filling import (
    FillPlan, FillReport, _specs, apply_plan, empty_seats, excluded_pairs, fill_roster, margin_days, plan_fill, roster_rules,
)
from wardsite.roster.models import Assignment, Shift, ShiftExclusion, ShiftTemplate, SwapOffer
from wardsite.roster.rostering import NEEDS_EXPERIENCED
from wardsite.roster.specs import HOURS_SLACK, longest_run
from wardsite.roster.shifts import (
    StaffedShift,
    describe,
    generate_shifts,
    local_range,
    shifts_between,
    staffed_shifts,
    staffed_shifts_query,
)
from wardsite.stations.models import Station
from wardsite.stations.services import week_start
from wardsite.timeutil import from_local, local_today, utcnow
from wardsite.volunteers.models import SKILLS, Volunteer, day_parts

__all__ = [
    # reading shifts and filling them, from their own modules
    "FillPlan", "FillReport", "StaffedShift", "_specs", "apply_plan", "describe", "empty_seats", "fill_roster",
    "generate_shifts", "local_range", "plan_fill", "shifts_between", "staffed_shifts", "staffed_shifts_query", "week_start",
    # telling people of changes to published seats, and the visits' hooks
    "AffectedVisit", "BookingHooks", "TeamChange", "booking_hooks", "set_booking_hooks",
    # the rules here
    "add_shift", "add_template", "assign", "cancel_plan", "cancel_shift", "conflicts", "create_shifts_from_templates",
    "delete_template", "excluded_volunteers", "is_eligible", "mark_attendance", "offer_swap", "open_offer_assignment",
    "open_offers_for", "publish", "restore_shift", "send_reminders", "take_swap", "unassign", "withdraw_swap",
]


# The leader's edits to shifts and weekly shifts ----------------------------------------


def create_shifts_from_templates(start: date, end: date) -> int:
    """The leader's "create shifts" button: `generate_shifts`, logged."""
    created = generate_shifts(start, end)
    record_audit("roster.generated", None, f"{start:%d/%m/%Y}–{end:%d/%m/%Y}: {created} shifts")
    return created


def add_shift(*, kind: str, station: Station | None, day: date, starts, ends, seats: int, note: str,
              required_skill: str = "") -> Shift:
    """A single shift outside the weekly templates (also on a day the ward
    calendar closes: a campaign)."""
    shift = Shift(
        kind=kind, station=station, seats=seats, note=note, required_skill=required_skill,
        starts_at=from_local(datetime.combine(day, starts)), ends_at=from_local(datetime.combine(day, ends)),
    )
    db.session.add(shift)
    db.session.flush()
    record_audit("shift.created", shift, describe(shift))
    return shift


def cancel_plan(shift: Shift) -> tuple[list[notices.AffectedVisit], list[Volunteer]]:
    """What cancelling the shift would do, before it is done: its home visits
    ahead, each with where it would go, and the volunteers who would be told."""
    told = [a.volunteer for a in shift.assignments] if notices.promised(shift) else []
    return notices.booking_hooks().cancel_plan(shift), told


def cancel_shift(shift: Shift) -> tuple[list[notices.AffectedVisit], int]:
    """Cancel the shift: its visits ahead go to another team free in the same
    slot, or are cancelled by the ward (the residents are told); the
    volunteers of a published shift are told they need not come. Returns
    the visits and how many volunteers were told."""
    team = [a.volunteer for a in shift.assignments]
    was_promised = notices.promised(shift)
    shift.cancelled = True
    record_audit("shift.cancelled", shift, describe(shift))
    db.session.flush()
    visits = notices.booking_hooks().cancel(shift)
    told = notices.tell_cancelled(shift, team) if was_promised else 0
    return visits, told


def restore_shift(shift: Shift) -> None:
    """The shift is back on; visits moved or cancelled meanwhile stay as they are."""
    shift.cancelled = False
    record_audit("shift.restored", shift, describe(shift))


def add_template(*, kind: str, station: Station | None, weekday: int, starts, ends, seats: int,
                 required_skill: str = "") -> ShiftTemplate:
    template = ShiftTemplate(kind=kind, station=station, weekday=weekday, starts=starts, ends=ends, seats=seats,
                             required_skill=required_skill)
    db.session.add(template)
    db.session.flush()
    record_audit("shift_template.created", template, f"{template.kind_label} {template.weekday_label} {template.starts:%H:%M}")
    return template


def delete_template(template: ShiftTemplate) -> None:
    record_audit("shift_template.deleted", template, f"{template.kind_label} {template.weekday_label} {template.starts:%H:%M}")
    db.session.delete(template)


# Eligibility and conflicts ----------------------------------------------------------


def is_eligible(volunteer: Volunteer, shift: Shift) -> bool:
    """Active, the shift inside their weekly availability, not on a date away,
    with the skill the shift requires (the leader's "not this shift" is a
    warning of `conflicts`)."""
    return (
        volunteer.active
        and day_parts(shift.starts_at, shift.ends_at) <= volunteer.weekly_cells
        and not volunteer.away_on(shift.local_day)
        and (not shift.required_skill or shift.required_skill in volunteer.skills)
    )


def _assignments_between(volunteer: Volunteer, start: date, end: date) -> list[Assignment]:
    """The volunteer's seats on shifts that are not cancelled, from `start` to `end`, with their shifts."""
    first, last = local_range(start, end)
    return list(
        db.session.scalars(
            select(Assignment).join(Assignment.shift).options(contains_eager(Assignment.shift)).where(
                Assignment.volunteer_id == volunteer.id, Shift.cancelled.is_(False),
                Shift.starts_at >= first, Shift.starts_at < last,
            )
        )
    )


def _assignments_around(volunteer: Volunteer, day: date, among: list[Assignment] | None = None) -> list[Assignment]:
    """The volunteer's seats in the week of `day` and `margin_days` either
    side (rest and days in a row count across the week's edges): read from
    the database, or picked from `among` (seats read once for several weeks
    by the caller)."""
    start = week_start(day)
    margin = timedelta(days=margin_days())
    if among is None:
        return _assignments_between(volunteer, start - margin, start + timedelta(days=6) + margin)
    first, last = local_range(start - margin, start + timedelta(days=6) + margin)
    return [a for a in among if first <= a.shift.starts_at < last]


def _hours(shift: Shift) -> float:
    return (shift.ends_at - shift.starts_at).total_seconds() / 3600


def conflicts(volunteer: Volunteer, shift: Shift, leaving: Assignment | None = None,
              among: list[Assignment] | None = None, excluded: set[tuple[int, int]] | None = None) -> list[str]:
    """Which hard rules putting `volunteer` on `shift` would break, in words.
    `leaving` is a seat given up at the same time (a swap); `among`, when
    given, holds all the volunteer's seats around the shift's week and
    `excluded` the leader's "not this shift" pairs (see `open_offers_for`),
    so no query runs per shift checked."""
    problems = []
    if not volunteer.active:
        problems.append(_("%(name)s is not an active volunteer.", name=volunteer.name))
    if any(a.volunteer_id == volunteer.id for a in shift.assignments if a is not leaving):
        problems.append(_("%(name)s is already on this shift.", name=volunteer.name))
    if (volunteer.id, shift.id) in excluded if excluded is not None else _exclusion(volunteer, shift) is not None:
        problems.append(_("The leader took %(name)s off this shift.", name=volunteer.name))
    if volunteer.away_on(shift.local_day):
        problems.append(_("%(name)s is away on that day.", name=volunteer.name))
    elif not day_parts(shift.starts_at, shift.ends_at) <= volunteer.weekly_cells:
        problems.append(_("The shift is outside %(name)s's weekly availability.", name=volunteer.name))
    if shift.required_skill and shift.required_skill not in volunteer.skills:
        problems.append(_("The shift requires %(skill)s, which %(name)s does not have.",
                          skill=SKILLS.get(shift.required_skill, shift.required_skill), name=volunteer.name))
    around = [a for a in _assignments_around(volunteer, shift.local_day, among) if a is not leaving and a.shift_id != shift.id]
    week = [a for a in around if week_start(a.shift.local_day) == week_start(shift.local_day)]
    rules = roster_rules()
    if any(a.shift.overlaps(shift) for a in around):
        problems.append(_("%(name)s is already on a shift at that time.", name=volunteer.name))
    elif rules.min_rest and any(
        a.shift.starts_at < shift.ends_at + rules.min_rest and shift.starts_at < a.shift.ends_at + rules.min_rest for a in around
    ):
        problems.append(_("%(name)s would have less than %(hours)s hours of rest between two shifts.",
                          name=volunteer.name, hours=f"{rules.min_rest.total_seconds() / 3600:g}"))
    same_day = [a for a in around if a.shift.local_day == shift.local_day]
    if rules.max_per_day is not None and len(same_day) >= rules.max_per_day:
        problems.append(_("%(name)s already has %(count)s shifts that day, the most allowed.", name=volunteer.name, count=len(same_day)))
    if rules.max_consecutive_days:
        days = {a.shift.local_day.toordinal() for a in around}
        if longest_run(days, shift.local_day.toordinal()) > rules.max_consecutive_days:
            problems.append(_("%(name)s would work more than %(count)s days in a row.",
                              name=volunteer.name, count=rules.max_consecutive_days))
    hours = _hours(shift)
    if volunteer.max_hours_per_week is not None and sum(_hours(a.shift) for a in week) + hours > volunteer.max_hours_per_week + HOURS_SLACK:
        problems.append(_("%(name)s would have more than %(hours)s hours of shifts that week.",
                          name=volunteer.name, hours=volunteer.max_hours_per_week))
    if volunteer.max_hours_per_month is not None:
        month_start = shift.local_day.replace(day=1)
        next_month = (month_start + timedelta(days=32)).replace(day=1)
        month = [a for a in _assignments_between(volunteer, month_start, next_month - timedelta(days=1))
                 if a is not leaving and a.shift_id != shift.id]
        if sum(_hours(a.shift) for a in month) + hours > volunteer.max_hours_per_month + HOURS_SLACK:
            problems.append(_("%(name)s would have more than %(hours)s hours of shifts that month.",
                              name=volunteer.name, hours=volunteer.max_hours_per_month))
    if len(week) >= volunteer.max_shifts_per_week:
        problems.append(
            _("%(name)s already has %(count)s shifts that week, the most allowed.", name=volunteer.name, count=len(week))
        )
    staying = [a for a in shift.assignments if a is not leaving]
    if len(staying) >= shift.seats:
        problems.append(_("Every seat of this shift is taken."))
    if shift.kind in NEEDS_EXPERIENCED and not volunteer.experienced and not any(a.volunteer.experienced for a in staying):
        problems.append(_("Nobody experienced is on this shift yet: a new volunteer must not go alone."))
    return problems


def assign(volunteer: Volunteer, shift: Shift, force: bool = False) -> tuple[Assignment | None, list[str]]:
    """A hand-made (pinned) assignment. Refused while it breaks a rule, unless
    the leader confirms (`force`); a full shift and a double booking of the
    same person are always refused."""
    problems = conflicts(volunteer, shift)
    if any(a.volunteer_id == volunteer.id for a in shift.assignments) or len(shift.assignments) >= shift.seats:
        return None, problems
    if problems and not force:
        return None, problems
    exclusion = _exclusion(volunteer, shift)
    if exclusion is not None:  # the leader changed their mind
        db.session.delete(exclusion)
    before = notices.teams([shift])
    assignment = Assignment(shift=shift, volunteer=volunteer, pinned=True)
    db.session.add(assignment)
    db.session.flush()
    record_audit("roster.assigned", shift, f"{volunteer.name}: {describe(shift)}" + (" (despite warnings)" if problems else ""))
    notices.tell_seat_changes(notices.changes_since(before, [shift]))
    return assignment, problems


def unassign(assignment: Assignment) -> None:
    """The leader takes a volunteer off a shift: remembered as "not this
    shift", so that no later fill puts them back."""
    shift, volunteer = assignment.shift, assignment.volunteer
    record_audit("roster.unassigned", shift, f"{volunteer.name}: {describe(shift)}")
    before = notices.teams([shift])
    shift.assignments.remove(assignment)
    db.session.delete(assignment)
    if _exclusion(volunteer, shift) is None:
        db.session.add(ShiftExclusion(shift=shift, volunteer=volunteer))
    db.session.flush()
    notices.tell_seat_changes(notices.changes_since(before, [shift]))


def _exclusion(volunteer: Volunteer, shift: Shift) -> ShiftExclusion | None:
    if shift.id is None or volunteer.id is None:
        return None
    return db.session.scalar(
        select(ShiftExclusion).where(ShiftExclusion.shift_id == shift.id, ShiftExclusion.volunteer_id == volunteer.id)
    )


def excluded_volunteers(shifts: list[Shift]) -> dict[int, list[Volunteer]]:
    """Shift id → the volunteers the leader took off it, read at once for the shifts shown."""
    result: dict[int, list[Volunteer]] = defaultdict(list)
    if shifts:
        rows = db.session.execute(
            select(ShiftExclusion.shift_id, Volunteer).join(Volunteer, Volunteer.id == ShiftExclusion.volunteer_id)
            .where(ShiftExclusion.shift_id.in_([s.id for s in shifts])).order_by(Volunteer.name)
        )
        for shift_id, volunteer in rows:
            result[shift_id].append(volunteer)
    return result


# Publishing, messages and reminders ---------------------------------------------------


def publish(start: date, end: date) -> int:
    """Publish the shifts from `start` to `end` and tell each volunteer on
    them; returns how many volunteers were told."""
    shifts = shifts_between(start, end)
    now = utcnow()
    mine: dict[int, list[Shift]] = defaultdict(list)
    people = {}
    for shift in shifts:
        shift.published_at = shift.published_at or now
        for a in shift.assignments:
            mine[a.volunteer_id].append(shift)
            people[a.volunteer_id] = a.volunteer
    told = 0
    for volunteer_id, their_shifts in mine.items():
        volunteer = people[volunteer_id]
        if volunteer.message_channel is None:
            continue
        key = f"roster-published:{volunteer_id}:" + ",".join(str(s.id) for s in their_shifts)
        with mail.ward_language():
            lines = "\n".join(f"- {describe(s)}" for s in their_shifts)
            subject = _("Your duty shifts from %(start)s to %(end)s", start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}")
            body = _("Hello %(name)s,\n\nYour duty shifts:\n%(lines)s\n\nThank you.", name=volunteer.name, lines=lines)
        params = {"count": len(their_shifts), "start": f"{start:%d/%m/%Y}", "end": f"{end:%d/%m/%Y}",
                  "link": notices.my_page_link()}
        if notices.tell_volunteer(volunteer, "shift_published", params, key, subject, body):
            told += 1
    record_audit("roster.published", None, f"{start:%d/%m/%Y}–{end:%d/%m/%Y}: {len(shifts)} shifts, {told} volunteers told")
    return told


def send_reminders(today: date | None = None) -> int:
    """A reminder the day before each published shift, once per person and shift."""
    tomorrow = (today or local_today()) + timedelta(days=1)
    sent = 0
    for shift in shifts_between(tomorrow, tomorrow):
        if shift.published_at is None:
            continue
        for a in shift.assignments:
            if a.volunteer.message_channel is None:
                continue
            with mail.ward_language():
                subject = _("Reminder: duty tomorrow, %(when)s", when=describe(shift))
                body = _("Hello %(name)s,\n\nA reminder of your duty shift tomorrow: %(when)s.\n\nThank you.", name=a.volunteer.name, when=describe(shift))
            if notices.tell_volunteer(a.volunteer, "shift_reminder", notices.shift_params(shift),
                                      f"reminder:{shift.id}:{a.volunteer_id}", subject, body):
                sent += 1
    return sent


# Swaps and attendance ---------------------------------------------------------------


def offer_swap(assignment: Assignment) -> SwapOffer:
    existing = db.session.scalar(
        select(SwapOffer).where(
            SwapOffer.shift_id == assignment.shift_id, SwapOffer.from_volunteer_id == assignment.volunteer_id,
            SwapOffer.status == "open",
        )
    )
    if existing:
        return existing
    offer = SwapOffer(shift=assignment.shift, from_volunteer=assignment.volunteer)
    db.session.add(offer)
    db.session.flush()
    record_audit("swap.offered", offer, f"{assignment.volunteer.name}: {describe(assignment.shift)}")
    notices.tell_swap_offered(offer)
    return offer


def open_offer_assignment(offer: SwapOffer) -> Assignment | None:
    return next((a for a in offer.shift.assignments if a.volunteer_id == offer.from_volunteer_id), None)


def take_swap(offer: SwapOffer, volunteer: Volunteer) -> list[str]:
    """Give the offered seat to `volunteer` if every hard rule still holds;
    otherwise the reasons, and nothing changes."""
    assignment = open_offer_assignment(offer)
    if offer.status != "open" or assignment is None or offer.shift.cancelled:
        return [_("This offer is no longer open.")]
    if volunteer.id == offer.from_volunteer_id:
        return [_("You cannot take your own shift.")]
    problems = conflicts(volunteer, offer.shift, leaving=assignment)
    if problems:
        return problems
    offer.to_volunteer = volunteer
    if current_app.config.get("ROSTER_SWAP_NEEDS_APPROVAL"):  # the seat changes hands once a leader approves (`swaps`)
        offer.status = "pending"
        record_audit("swap.requested", offer, f"{offer.from_volunteer.name} → {volunteer.name}: {describe(offer.shift)}")
        return []
    hand_over(offer, assignment, "swap.taken")
    return []


def hand_over(offer: SwapOffer, assignment: Assignment, action: str) -> None:
    """The offered seat goes to `offer.to_volunteer`, logged as `action`."""
    volunteer = offer.to_volunteer
    before = notices.teams([offer.shift])
    assignment.volunteer = volunteer
    assignment.pinned = True  # agreed between people: the automatic rostering leaves it
    assignment.attendance = None
    offer.status = "taken"
    offer.closed_at = utcnow()
    record_audit(action, offer, f"{offer.from_volunteer.name} → {volunteer.name}: {describe(offer.shift)}")
    db.session.flush()
    # The two volunteers agreed it; a home visit on the shift has a new team member.
    notices.tell_seat_changes(notices.changes_since(before, [offer.shift]), volunteers=False)
    return []


def withdraw_swap(offer: SwapOffer) -> None:
    offer.status = "withdrawn"
    offer.closed_at = utcnow()
    record_audit("swap.withdrawn", offer, describe(offer.shift))


def open_offers_for(volunteer: Volunteer) -> list[tuple[SwapOffer, list[str]]]:
    """Open offers from others in the future, each with what would stop
    `volunteer` taking it (empty: they may)."""
    offers = list(db.session.scalars(
        select(SwapOffer).join(SwapOffer.shift).where(
            SwapOffer.status == "open", SwapOffer.from_volunteer_id != volunteer.id, Shift.starts_at >= utcnow(),
            Shift.cancelled.is_(False),
        ).order_by(Shift.starts_at)
        .options(
            contains_eager(SwapOffer.shift).options(joinedload(Shift.station), selectinload(Shift.assignments)),
            joinedload(SwapOffer.from_volunteer),
        )
    ))
    if not offers:
        return []
    # The volunteer's own seats in every week with an offer, read once.
    mine = _assignments_between(
        volunteer, week_start(offers[0].shift.local_day) - timedelta(days=margin_days()),
        week_start(offers[-1].shift.local_day) + timedelta(days=6 + margin_days()),
    )
    excluded = excluded_pairs([offer.shift_id for offer in offers])
    result = []
    for offer in offers:
        assignment = open_offer_assignment(offer)
        if assignment is None:
            continue
        result.append((offer, conflicts(volunteer, offer.shift, leaving=assignment, among=mine, excluded=excluded)))
    return result


def mark_attendance(assignment: Assignment, status: str | None) -> None:
    assignment.attendance = status
    record_audit("roster.attendance", assignment.shift, f"{assignment.volunteer.name}: {status or '-'}")
