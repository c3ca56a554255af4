"""The free slots of home visits, from the roster.

Every staffed, published, not cancelled mobile-team shift is cut into slots of
VISIT_SLOT_MINUTES; a team takes one visit per slot, so a slot is free while
one of the shifts at that time has no visit in it (nor a seat held for someone
on the waiting list, see `offers`). Residents see slots from
VISIT_LEAD_DAYS to VISIT_HORIZON_DAYS ahead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from wardsite.extensions import db
from wardsite.roster import services as roster_services
from wardsite.roster.models import Shift
from wardsite.timeutil import from_local, local_today, to_local, utcnow
from wardsite.visits.models import OFFERED, Visit, WaitingOffer

SLOT_FORMAT = "%Y-%m-%dT%H:%M"  # a slot's value in forms: its local start time


@dataclass
class Slot:
    start: datetime  # aware, UTC
    end: datetime
    free: int  # teams still free at this time
    shift_ids: list[int] = field(default_factory=list)  # the free ones

    @property
    def value(self) -> str:
        return to_local(self.start).strftime(SLOT_FORMAT)

    @property
    def local_day(self) -> date:
        return to_local(self.start).date()

    @property
    def label(self) -> str:
        return f"{to_local(self.start):%H:%M}–{to_local(self.end):%H:%M}"


# Settings --------------------------------------------------------------------


def slot_length() -> timedelta:
    return timedelta(minutes=int(current_app.config["VISIT_SLOT_MINUTES"]))


def bookable_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """From the start of the first bookable day to the end of the last, in UTC."""
    today = to_local(now).date() if now else local_today()
    first = today + timedelta(days=int(current_app.config["VISIT_LEAD_DAYS"]))
    last = today + timedelta(days=int(current_app.config["VISIT_HORIZON_DAYS"]))
    return (
        from_local(datetime.combine(first, time(0))),
        from_local(datetime.combine(last + timedelta(days=1), time(0))),
    )


def parse_slot(value: str | None) -> datetime | None:
    """A slot value from a form as an aware UTC datetime, or None for garbage."""
    try:
        return from_local(datetime.strptime(value or "", SLOT_FORMAT))
    except ValueError:
        return None


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


# Slots from the roster -------------------------------------------------------


def staffed_mobile_shifts(first: date, last: date) -> list[Shift]:
    """Mobile-team shifts on ward dates `first`..`last` that residents may book:
    the roster's staffed shifts (published, not cancelled, someone in a seat),
    and only while at least one of the team is still an active volunteer.

    Only the shifts are read (slots need their times, not their teams): every
    page of the booking asks for two weeks of them."""
    query = roster_services.staffed_shifts_query("mobile", first, last, active_volunteer=True)
    return list(db.session.scalars(query.options(lazyload(Shift.assignments))))


def shift_slot_starts(shift: Shift) -> list[datetime]:
    length = slot_length()
    starts, moment = [], shift.starts_at
    while moment + length <= shift.ends_at:
        starts.append(moment)
        moment += length
    return starts


def taken_seats(start: datetime, end: datetime, ignore: Visit | None = None) -> set[tuple[int, datetime]]:
    query = select(Visit.shift_id, Visit.slot_start).where(
        Visit.seat.is_not(None), Visit.slot_start >= start, Visit.slot_start < end
    )
    if ignore is not None and ignore.id is not None:
        query = query.where(Visit.id != ignore.id)
    # A seat offered to someone on the waiting list is held for them, as a booking holds it.
    offered = select(WaitingOffer.shift_id, WaitingOffer.slot_start).where(
        WaitingOffer.seat.is_not(None), WaitingOffer.status == OFFERED, WaitingOffer.expires_at > utcnow(),
        WaitingOffer.slot_start >= start, WaitingOffer.slot_start < end,
    )
    return {(shift_id, moment) for shift_id, moment in db.session.execute(query.union_all(offered))}


def free_slots(now: datetime | None = None, ignore: Visit | None = None) -> list[Slot]:
    """Every bookable time with at least one free team, in order."""
    now = now or utcnow()
    start, end = bookable_window(now)
    start = max(start, now)
    # A shift that started the evening before may still have slots in the window.
    shifts = staffed_mobile_shifts(to_local(start).date() - timedelta(days=1), to_local(end).date())
    taken = taken_seats(start - timedelta(days=1), end, ignore)
    by_time: dict[datetime, Slot] = {}
    length = slot_length()
    for shift in shifts:
        for moment in shift_slot_starts(shift):
            if not (start <= moment < end) or (shift.id, moment) in taken:
                continue
            slot = by_time.setdefault(moment, Slot(moment, moment + length, 0))
            slot.free += 1
            slot.shift_ids.append(shift.id)
    return [by_time[moment] for moment in sorted(by_time)]


def slots_by_day(slots: list[Slot]) -> dict[date, list[Slot]]:
    days: dict[date, list[Slot]] = defaultdict(list)
    for slot in slots:
        days[slot.local_day].append(slot)
    return dict(days)


def nearest_free_slots(moment: datetime | None, count: int = 3, ignore: Visit | None = None) -> list[Slot]:
    """The free slots closest in time to `moment`, to offer after a lost race."""
    slots = free_slots(ignore=ignore)
    if moment is None:
        return slots[:count]
    return sorted(slots, key=lambda slot: (abs((slot.start - moment).total_seconds()), slot.start))[:count]


def candidate_shifts(moment: datetime, ignore: Visit | None = None) -> list[int]:
    """The shifts with a free seat at `moment`, to try one after the other."""
    for slot in free_slots(ignore=ignore):
        if slot.start == moment:
            return slot.shift_ids
    return []
