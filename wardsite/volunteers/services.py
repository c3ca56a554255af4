"""Business rules of the volunteers area, reachable without HTTP: shift
generation, the one rostering entry point, hand assignments with their
conflicts, publishing, swaps, attendance, reminders and outputs."""

from __future__ import annotations

import base64
import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import segno
from flask import url_for
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, lazyload, selectinload

from wardsite import mail
from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.timeutil import WARD_TZ, from_local, local_today, to_local, utcnow
from wardsite.volunteers import rostering
from wardsite.volunteers.models import (
    NEEDS_EXPERIENCED,
    Assignment,
    Shift,
    ShiftTemplate,
    Station,
    StationHost,
    SwapOffer,
    Volunteer,
    day_parts,
)

HISTORY_WEEKS = 8  # how far back rotation looks


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_range(start: date, end: date) -> tuple[datetime, datetime]:
    """From the start of `start` to the end of `end`, in the ward's time, as UTC."""
    return from_local(datetime.combine(start, time())), from_local(datetime.combine(end + timedelta(days=1), time()))


def shifts_between(start: date, end: date, include_cancelled: bool = False) -> list[Shift]:
    first, last = local_range(start, end)
    query = select(Shift).options(joinedload(Shift.station)).where(Shift.starts_at >= first, Shift.starts_at < last)
    if not include_cancelled:
        query = query.where(Shift.cancelled.is_(False))
    return list(db.session.scalars(query.order_by(Shift.starts_at, Shift.id)))


# Shifts ------------------------------------------------------------------------


def generate_shifts(start: date, end: date) -> int:
    """Create the shifts of the weekly templates from `start` to `end`; shifts
    that exist already and days the station is closed are skipped. Returns
    how many were created."""
    templates = list(db.session.scalars(select(ShiftTemplate)))
    existing = {(s.template_id, s.starts_at) for s in shifts_between(start, end, include_cancelled=True)}
    created = 0
    day = start
    while day <= end:
        for template in templates:
            if template.weekday != day.weekday():
                continue
            if template.station is not None and (not template.station.active or template.station.closure_on(day)):
                continue
            starts_at = from_local(datetime.combine(day, template.starts))
            if (template.id, starts_at) in existing:
                continue
            db.session.add(
                Shift(
                    kind=template.kind, station=template.station, starts_at=starts_at,
                    ends_at=from_local(datetime.combine(day, template.ends)), seats=template.seats, template_id=template.id,
                )
            )
            created += 1
        day += timedelta(days=1)
    db.session.flush()
    return created


# Eligibility and conflicts ----------------------------------------------------------


def is_eligible(volunteer: Volunteer, shift: Shift) -> bool:
    """Active, the shift inside their weekly availability, not on a date away."""
    return (
        volunteer.active
        and day_parts(shift.starts_at, shift.ends_at) <= volunteer.weekly_cells
        and not volunteer.away_on(shift.local_day)
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


def _week_assignments(volunteer: Volunteer, day: date, among: list[Assignment] | None = None) -> list[Assignment]:
    """The volunteer's seats in the week of `day`: read from the database, or
    picked from `among` (seats read once for several weeks by the caller)."""
    start = week_start(day)
    if among is None:
        return _assignments_between(volunteer, start, start + timedelta(days=6))
    first, last = local_range(start, start + timedelta(days=6))
    return [a for a in among if first <= a.shift.starts_at < last]


def conflicts(volunteer: Volunteer, shift: Shift, leaving: Assignment | None = None,
              among: list[Assignment] | None = None) -> list[str]:
    """Which hard rules putting `volunteer` on `shift` would break, in words.
    `leaving` is a seat given up at the same time (a swap); `among`, when
    given, holds all the volunteer's seats around the shift's week (see
    `open_offers_for`), so no query runs per shift checked."""
    problems = []
    if not volunteer.active:
        problems.append(_("%(name)s is not an active volunteer.", name=volunteer.name))
    if any(a.volunteer_id == volunteer.id for a in shift.assignments if a is not leaving):
        problems.append(_("%(name)s is already on this shift.", name=volunteer.name))
    if volunteer.away_on(shift.local_day):
        problems.append(_("%(name)s is away on that day.", name=volunteer.name))
    elif not day_parts(shift.starts_at, shift.ends_at) <= volunteer.weekly_cells:
        problems.append(_("The shift is outside %(name)s's weekly availability.", name=volunteer.name))
    week = [a for a in _week_assignments(volunteer, shift.local_day, among) if a is not leaving and a.shift_id != shift.id]
    if any(a.shift.overlaps(shift) for a in week):
        problems.append(_("%(name)s is already on a shift at that time.", name=volunteer.name))
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
    assignment = Assignment(shift=shift, volunteer=volunteer, pinned=True)
    db.session.add(assignment)
    db.session.flush()
    record_audit("roster.assigned", shift, f"{volunteer.name}: {describe(shift)}" + (" (despite warnings)" if problems else ""))
    return assignment, problems


def unassign(assignment: Assignment) -> None:
    shift = assignment.shift
    record_audit("roster.unassigned", shift, f"{assignment.volunteer.name}: {describe(shift)}")
    shift.assignments.remove(assignment)
    db.session.delete(assignment)
    db.session.flush()


def describe(shift: Shift) -> str:
    local = to_local(shift.starts_at)
    return f"{shift.place} {local:%d/%m/%Y %H:%M}–{to_local(shift.ends_at):%H:%M}"


# Automatic rostering ---------------------------------------------------------------


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
    # Eligibility as is_eligible() says, with each shift's cells and day
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


def staffed_shifts(kind: str, start: date, end: date) -> list[StaffedShift]:
    """For home-visit booking: the published, non-cancelled shifts of `kind`
    (e.g. "mobile") from `start` to `end` (ward dates, inclusive) that have at
    least one volunteer, with their team and whether it has an experienced
    member."""
    query = staffed_shifts_query(kind, start, end).options(
        joinedload(Shift.station),
        # The team is who is on it: not each volunteer's weekly availability
        # and dates away, which the model loads eagerly for the roster rules.
        selectinload(Shift.assignments).joinedload(Assignment.volunteer).options(
            lazyload(Volunteer.availability), lazyload(Volunteer.dates_away)
        ),
    )
    result = []
    for shift in db.session.scalars(query):
        team = [a.volunteer for a in shift.assignments]
        result.append(StaffedShift(shift, team, any(v.experienced for v in team)))
    return result


def staffed_shifts_query(kind: str, start: date, end: date, *, active_volunteer: bool = False):
    """The select behind `staffed_shifts`, all of it in SQL: shifts of `kind`
    starting from `start` to `end` (ward dates, inclusive), published, not
    cancelled, with someone in a seat (with `active_volunteer`: someone still
    active), in time order. For callers that need the shifts without their teams."""
    first, last = local_range(start, end)
    seated = select(Assignment.id).where(Assignment.shift_id == Shift.id)
    if active_volunteer:
        seated = seated.join(Volunteer, Volunteer.id == Assignment.volunteer_id).where(Volunteer.active.is_(True))
    return (
        select(Shift)
        .where(
            Shift.kind == kind, Shift.starts_at >= first, Shift.starts_at < last,
            Shift.cancelled.is_(False), Shift.published_at.is_not(None), seated.exists(),
        )
        .order_by(Shift.starts_at, Shift.id)
    )


@dataclass
class StaffedShift:
    shift: Shift
    volunteers: list[Volunteer]
    has_experienced: bool


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
        if not volunteer.email:
            continue
        key = f"roster-published:{volunteer_id}:" + ",".join(str(s.id) for s in their_shifts)
        with mail.ward_language():
            lines = "\n".join(f"- {describe(s)}" for s in their_shifts)
            subject = _("Your duty shifts from %(start)s to %(end)s", start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}")
            body = _("Hello %(name)s,\n\nYour duty shifts:\n%(lines)s\n\nThank you.", name=volunteer.name, lines=lines)
        if mail.queue_message(volunteer.email, subject, body, key):
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
            if not a.volunteer.email:
                continue
            with mail.ward_language():
                subject = _("Reminder: duty tomorrow, %(when)s", when=describe(shift))
                body = _("Hello %(name)s,\n\nA reminder of your duty shift tomorrow: %(when)s.\n\nThank you.", name=a.volunteer.name, when=describe(shift))
            if mail.queue_message(a.volunteer.email, subject, body, f"reminder:{shift.id}:{a.volunteer_id}"):
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
    assignment.volunteer = volunteer
    assignment.pinned = True  # agreed between people: the automatic rostering leaves it
    assignment.attendance = None
    offer.status = "taken"
    offer.to_volunteer = volunteer
    offer.closed_at = utcnow()
    record_audit("swap.taken", offer, f"{offer.from_volunteer.name} → {volunteer.name}: {describe(offer.shift)}")
    db.session.flush()
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
        volunteer, week_start(offers[0].shift.local_day), week_start(offers[-1].shift.local_day) + timedelta(days=6)
    )
    result = []
    for offer in offers:
        assignment = open_offer_assignment(offer)
        if assignment is None:
            continue
        result.append((offer, conflicts(volunteer, offer.shift, leaving=assignment, among=mine)))
    return result


def mark_attendance(assignment: Assignment, status: str | None) -> None:
    assignment.attendance = status
    record_audit("roster.attendance", assignment.shift, f"{assignment.volunteer.name}: {status or '-'}")


def hours_by_month(year: int, month: int) -> list[tuple[Volunteer, int, float]]:
    """(volunteer, shifts attended, hours attended) for one month, counted from attendance."""
    start = date(year, month, 1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    totals: dict[int, list] = {}
    for shift in shifts_between(start, end):
        for a in shift.assignments:
            if a.attendance != "present":
                continue
            row = totals.setdefault(a.volunteer_id, [a.volunteer, 0, 0.0])
            row[1] += 1
            row[2] += shift.hours
    return sorted((tuple(row) for row in totals.values()), key=lambda row: row[0].name)


def hours_csv(year: int, month: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    with mail.ward_language():
        writer.writerow([_("Volunteer"), _("Youth-union branch"), _("Month"), _("Shifts attended"), _("Hours")])
    for volunteer, shifts, hours in hours_by_month(year, month):
        writer.writerow([volunteer.name, volunteer.branch, f"{month:02d}/{year}", shifts, f"{hours:.1f}"])
    return out.getvalue()


# Outputs ------------------------------------------------------------------------


def published_assignments(volunteer: Volunteer, since: date | None = None) -> list[Assignment]:
    """The volunteer's published seats, each with its shift, the shift's team
    and its station with the group hosting it (the address may rotate)."""
    station = joinedload(Shift.station).options(
        joinedload(Station.residential_group), selectinload(Station.hosts).joinedload(StationHost.residential_group)
    )
    query = (
        select(Assignment)
        .join(Assignment.shift)
        .options(contains_eager(Assignment.shift).options(station, selectinload(Shift.assignments)))
        .where(Assignment.volunteer_id == volunteer.id, Shift.published_at.is_not(None), Shift.cancelled.is_(False))
    )
    if since is not None:
        query = query.where(Shift.starts_at >= local_range(since, since)[0])
    return list(db.session.scalars(query.order_by(Shift.starts_at)))


def calendar_ics(volunteer: Volunteer, ward_name: str) -> bytes:
    """RFC 5545 feed of the volunteer's published shifts, times in Asia/Ho_Chi_Minh."""
    calendar = Calendar()
    calendar.add("prodid", "-//wardsite//volunteer roster//VI")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{ward_name}: {volunteer.name}")
    calendar.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    for a in published_assignments(volunteer, since=local_today() - timedelta(days=60)):
        shift = a.shift
        event = Event()
        event.add("uid", f"shift-{shift.id}-volunteer-{volunteer.id}@wardsite")
        event.add("dtstamp", utcnow())
        event.add("dtstart", to_local(shift.starts_at).astimezone(WARD_TZ))
        event.add("dtend", to_local(shift.ends_at).astimezone(WARD_TZ))
        event.add("summary", f"{shift.kind_label}: {shift.place}")
        if shift.station is not None:
            event.add("location", shift.station.address_on(shift.local_day))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def on_duty_today(volunteer: Volunteer) -> list[Shift]:
    today = local_today()
    return [a.shift for a in published_assignments(volunteer, since=today) if a.shift.local_day == today]


def qr_data_uri(text: str) -> str:
    """An SVG QR code as a data: URI (allowed by the CSP's img-src)."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=6, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def verification_url(volunteer: Volunteer) -> str:
    return url_for("volunteers.verify", code=volunteer.card_code, _external=True)
