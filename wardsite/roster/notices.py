"""Telling people when a published seat changes.

A published roster is a promise: whoever is added to or taken off a
published shift that is still ahead gets a message in the outbox (e-mail
when MAIL_SERVER is set), whether the change was made by hand, by a fill or
by a re-plan. Home visits are booked on mobile-team shifts, but the visits
area sits above the roster, so it hands the roster its `BookingHooks` when it
loads (`set_booking_hooks`): the roster asks them which visits a change
concerns, and has them tell the residents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _

from wardsite import mail
from wardsite.roster.models import Shift
from wardsite.roster.shifts import describe
from wardsite.timeutil import to_local, utcnow
from wardsite.volunteers.models import Volunteer


@dataclass
class TeamChange:
    """One shift's team before and after a change."""

    shift: Shift
    before: list[Volunteer]
    after: list[Volunteer]

    @property
    def added(self) -> list[Volunteer]:
        kept = {v.id for v in self.before}
        return [v for v in self.after if v.id not in kept]

    @property
    def removed(self) -> list[Volunteer]:
        staying = {v.id for v in self.after}
        return [v for v in self.before if v.id not in staying]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


@dataclass
class AffectedVisit:
    """A home visit a roster change concerns, in the leader's words."""

    visit_id: int
    code: str
    when: str  # the slot, in the ward's time
    before: list[str] = field(default_factory=list)  # the team's names
    after: list[str] = field(default_factory=list)
    outcome: str = ""  # for a cancelled shift: where the visit goes
    moved: bool = False  # for a cancelled shift: another team takes it


class BookingHooks:
    """What the roster asks of the bookings on its shifts. These defaults
    stand for a site without home visits; the visits area installs its own."""

    def team_changes(self, changes: list[TeamChange]) -> list[AffectedVisit]:
        """The visits whose team would change, before anything is saved."""
        return []

    def tell_team_changes(self, changes: list[TeamChange]) -> int:
        """The changes are saved: tell the residents; how many visits were concerned."""
        return 0

    def cancel_plan(self, shift: Shift) -> list[AffectedVisit]:
        """What cancelling `shift` would do to its visits."""
        return []

    def cancel(self, shift: Shift) -> list[AffectedVisit]:
        """`shift` is cancelled: hand its visits to another team or cancel them."""
        return []


_hooks = BookingHooks()


def set_booking_hooks(hooks: BookingHooks) -> None:
    global _hooks
    _hooks = hooks


def booking_hooks() -> BookingHooks:
    return _hooks


def teams(shifts) -> dict[int, list[Volunteer]]:
    """Each shift's team now, to compare with after a change."""
    return {shift.id: [a.volunteer for a in shift.assignments] for shift in shifts}


def changes_since(before: dict[int, list[Volunteer]], shifts) -> list[TeamChange]:
    changes = [TeamChange(shift, before.get(shift.id, []), [a.volunteer for a in shift.assignments]) for shift in shifts]
    return [change for change in changes if change.changed]


def promised(shift: Shift) -> bool:
    """A published shift still ahead: its people and residents rely on it."""
    return shift.published_at is not None and not shift.cancelled and shift.ends_at > utcnow()


@dataclass
class Told:
    volunteers: int = 0
    visits: int = 0


def tell_seat_changes(changes: list[TeamChange], *, volunteers: bool = True) -> Told:
    """Tell the volunteers added to or taken off promised shifts (unless they
    made the change themselves, `volunteers=False`: a swap) and, through the
    visits' hooks, the residents whose visit changes team."""
    changes = [change for change in changes if change.changed and promised(change.shift)]
    told = Told()
    if volunteers:
        for change in changes:
            for volunteer in change.added:
                told.volunteers += _tell(volunteer, change.shift, "added")
            for volunteer in change.removed:
                told.volunteers += _tell(volunteer, change.shift, "removed")
    mobile = [change for change in changes if change.shift.kind == "mobile"]
    if mobile:
        told.visits = _hooks.tell_team_changes(mobile)
    return told


def tell_cancelled(shift: Shift, team: list[Volunteer]) -> int:
    """The shift is cancelled: its volunteers need not come."""
    if shift.published_at is None or shift.ends_at <= utcnow():
        return 0
    return sum(_tell(volunteer, shift, "cancelled") for volunteer in team)


def shift_params(shift: Shift) -> dict:
    """A shift in a template message's words (notify.templates): when and where."""
    start, end = to_local(shift.starts_at), to_local(shift.ends_at)
    return {"when": f"{start:%H:%M}-{end:%H:%M} {start:%d/%m/%Y}", "place": str(shift.place), "link": my_page_link()}


def my_page_link() -> str:
    from wardsite.notify.templates import link

    return link("roster.my_page")


def tell_volunteer(volunteer: Volunteer, kind: str, params: dict, key: str, subject: str, body: str,
                   same_day: bool = False) -> bool:
    """Queue a message to a volunteer on the channel they chose on their page
    (Volunteer.notify_by): the e-mail `subject` and `body`, or the template
    message `kind` with `params` by Zalo or SMS; nothing when they chose none
    or cannot be reached that way. True when a message was queued."""
    channel = volunteer.message_channel
    if channel == "email":
        return mail.queue_message(volunteer.email, subject, body, key) is not None
    if channel in ("zalo", "sms"):
        return mail.queue_notice(kind, volunteer.phone, params, key, channel=channel, same_day=same_day) is not None
    return False


def _tell(volunteer: Volunteer, shift: Shift, what: str) -> int:
    if volunteer.message_channel is None:
        return 0
    when = describe(shift)
    with mail.ward_language():
        if what == "added":
            subject = _("New duty shift: %(when)s", when=when)
            body = _("Hello %(name)s,\n\nYou have been put on a published duty shift: %(when)s.\n"
                     "If you cannot come, please tell the youth-union leader.\n\nThank you.", name=volunteer.name, when=when)
        elif what == "removed":
            subject = _("You are no longer on the shift %(when)s", when=when)
            body = _("Hello %(name)s,\n\nYou are no longer on the duty shift %(when)s: you need not come. "
                     "Your other shifts stay as they were.\n\nThank you.", name=volunteer.name, when=when)
        else:
            subject = _("Shift cancelled: %(when)s", when=when)
            body = _("Hello %(name)s,\n\nThe duty shift %(when)s is cancelled: you need not come.\n\nThank you.",
                     name=volunteer.name, when=when)
    # Each change is news of its own: taken off, put back, taken off again.
    key = f"seat-{what}:{shift.id}:{volunteer.id}:{utcnow():%Y%m%d%H%M%S%f}"
    same_day = to_local(shift.starts_at).date() == to_local(utcnow()).date()
    return 1 if tell_volunteer(volunteer, "shift_changed", shift_params(shift), key, subject, body, same_day) else 0


def tell_swap_offered(offer) -> int:
    """A volunteer offers their seat (`offer`, a SwapOffer just made): tell the
    volunteers who could take it (active, free, within every hard rule, as
    `services.conflicts` checks), on each one's chosen channel, at most
    ROSTER_SWAP_TELL_MAX of them (0: none), those with the fewest seats that
    week first. Quiet hours hold it as the worker does, except for a shift
    today. How many were told."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import selectinload

    from wardsite.extensions import db
    from wardsite.roster import services

    cap = int(current_app.config.get("ROSTER_SWAP_TELL_MAX", 10) or 0)
    shift = offer.shift
    seat = services.open_offer_assignment(offer)
    if cap <= 0 or seat is None or shift.cancelled or shift.ends_at <= utcnow():
        return 0
    # Availability, dates away and skill read in memory first; the rules that
    # need the volunteer's other seats only for those, until the cap is reached.
    candidates = [volunteer for volunteer in db.session.scalars(
        select(Volunteer).where(Volunteer.active.is_(True), Volunteer.id != offer.from_volunteer_id)
        .options(selectinload(Volunteer.availability), selectinload(Volunteer.dates_away))
        .order_by(Volunteer.id)) if volunteer.message_channel is not None and services.is_eligible(volunteer, shift)]
    from wardsite.roster.models import Assignment

    week = services.week_start(shift.local_day)
    first, last = services.local_range(week, week + timedelta(days=6))
    load = dict(db.session.execute(
        select(Assignment.volunteer_id, func.count()).join(Assignment.shift)
        .where(Shift.cancelled.is_(False), Shift.starts_at >= first, Shift.starts_at < last)
        .group_by(Assignment.volunteer_id)).all())
    when = describe(shift)
    same_day = to_local(shift.starts_at).date() == to_local(utcnow()).date()
    told = 0
    for volunteer in sorted(candidates, key=lambda v: (load.get(v.id, 0), v.id)):
        if told >= cap:
            break
        if services.conflicts(volunteer, shift, leaving=seat):
            continue
        with mail.ward_language():
            subject = _("Can you take the shift %(when)s?", when=when)
            body = _("Hello %(name)s,\n\nA volunteer cannot come to the duty shift %(when)s and offers it. "
                     "If you can come, take it on your page: %(link)s\n\nThank you.",
                     name=volunteer.name, when=when, link=my_page_link())
        if tell_volunteer(volunteer, "swap_offered", shift_params(shift), f"swap-offered:{offer.id}:{volunteer.id}",
                          subject, body, same_day):
            told += 1
    return told
