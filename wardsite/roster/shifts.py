"""Reading the roster's shifts: by date, created from the weekly templates,
staffed ones for home visits, a volunteer's published seats and their
calendar feed, and who is on duty today (for the stations' page and the
card check)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, lazyload, selectinload

from wardsite.extensions import db
from wardsite.roster.models import Assignment, Shift, ShiftTemplate
from wardsite.stations.models import Station, StationHost
from wardsite.stations.services import ward_closed_days
from wardsite.timeutil import WARD_TZ, from_local, local_today, to_local, utcnow
from wardsite.volunteers.models import Volunteer


def local_range(start: date, end: date) -> tuple[datetime, datetime]:
    """From the start of `start` to the end of `end`, in the ward's time, as UTC."""
    return from_local(datetime.combine(start, time())), from_local(datetime.combine(end + timedelta(days=1), time()))


def shifts_between(start: date, end: date, include_cancelled: bool = False) -> list[Shift]:
    first, last = local_range(start, end)
    query = select(Shift).options(joinedload(Shift.station)).where(Shift.starts_at >= first, Shift.starts_at < last)
    if not include_cancelled:
        query = query.where(Shift.cancelled.is_(False))
    return list(db.session.scalars(query.order_by(Shift.starts_at, Shift.id)))


def describe(shift: Shift) -> str:
    local = to_local(shift.starts_at)
    return f"{shift.place} {local:%d/%m/%Y %H:%M}–{to_local(shift.ends_at):%H:%M}"


def generate_shifts(start: date, end: date) -> int:
    """Create the shifts of the weekly templates from `start` to `end`; shifts
    that exist already, days the station is closed and days the whole ward
    is closed (the ward calendar: mobile teams too) are skipped. Returns how
    many were created."""
    templates = list(db.session.scalars(select(ShiftTemplate)))
    existing = {(s.template_id, s.starts_at) for s in shifts_between(start, end, include_cancelled=True)}
    ward_closed = ward_closed_days(start, end)
    created = 0
    day = start
    while day <= end:
        for template in templates if day not in ward_closed else ():
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
                    required_skill=template.required_skill,
                )
            )
            created += 1
        day += timedelta(days=1)
    db.session.flush()
    return created


# Staffed shifts, for home visits ----------------------------------------------------------


@dataclass
class StaffedShift:
    shift: Shift
    volunteers: list[Volunteer]
    has_experienced: bool


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


# A volunteer's published seats, their calendar, who is on duty -------------------------------


def published_assignments(volunteer: Volunteer, since: date | None = None) -> list[Assignment]:
    """The volunteer's published seats, each with its shift, the shift's team
    and its station with the group hosting it (host rotation may move the address)."""
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
    """The volunteer's published shifts today, for the card check."""
    today = local_today()
    return [a.shift for a in published_assignments(volunteer, since=today) if a.shift.local_day == today]


def staffed_on(day: date) -> list[Shift]:
    """Published shifts on `day` with someone on them, for the stations' page."""
    return [s for s in shifts_between(day, day) if s.published_at is not None and s.assignments]

