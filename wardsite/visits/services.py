"""The rules of home-visit booking, reachable without HTTP.

- Slots: every staffed, published, not cancelled mobile-team shift is cut into
  slots of VISIT_SLOT_MINUTES; a team takes one visit per slot. Residents see
  slots from VISIT_LEAD_DAYS to VISIT_HORIZON_DAYS ahead.
- Booking: the seat is claimed by inserting the visit; the unique seat
  constraint (see models) decides races, so a loser gets `SlotTaken`, never an
  overbooking. Each attempt is one short transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload, selectinload

from wardsite import mail
from wardsite.accounts.models import User, UserRole
from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.forms import looks_like_token
from wardsite.procedures.models import Procedure
from wardsite.roster import services as roster_services
from wardsite.roster.models import Shift
from wardsite.timeutil import from_local, local_today, to_local, utcnow
from wardsite.visits.models import ACTIVE, Visit, visit_procedure
from wardsite.volunteers.models import Volunteer

SLOT_FORMAT = "%Y-%m-%dT%H:%M"  # a slot's value in forms: its local start time


class SlotTaken(Exception):
    """Someone else booked the last seat of this slot a moment ago."""


class TooManyBookings(Exception):
    """This phone number already has the maximum of active bookings."""


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
    return {(shift_id, moment) for shift_id, moment in db.session.execute(query)}


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


def _candidate_shifts(moment: datetime, ignore: Visit | None = None) -> list[int]:
    for slot in free_slots(ignore=ignore):
        if slot.start == moment:
            return slot.shift_ids
    return []


# Procedures offered on the booking form ------------------------------------------

POPULAR_PROCEDURES = 12  # a list an elderly resident can read on a phone
# The ranking reads the latest bookings only: what residents need now, at a
# cost that does not grow with the years of history (ids follow booking order).
POPULAR_FROM_BOOKINGS = 5000


@dataclass(frozen=True)
class ProcedureChoice:
    id: int
    name: str
    code: str


_CHOICE_COLUMNS = (Procedure.id, Procedure.name, Procedure.code)


def popular_procedures(limit: int = POPULAR_PROCEDURES) -> list[ProcedureChoice]:
    """The published procedures residents most often asked help with in the
    latest POPULAR_FROM_BOOKINGS home-visit bookings, most asked first; while
    there is too little history, the rest are the catalogue's online
    procedures by name.

    One aggregate over a range of the visits' procedure links (their primary
    key starts with the visit id); procedure rows are read only for the
    counted ones that make the list, and only the columns shown."""
    latest = select(func.max(Visit.id)).scalar_subquery()
    times = func.count().label("times")
    counted = (
        select(visit_procedure.c.procedure_id, times)
        .where(visit_procedure.c.visit_id > latest - POPULAR_FROM_BOOKINGS)
        .group_by(visit_procedure.c.procedure_id)
        # Room for a few withdrawn since; the rest of the catalogue is never read.
        .order_by(times.desc(), visit_procedure.c.procedure_id)
        .limit(limit * 3)
        .subquery()
    )
    rows = db.session.execute(
        select(*_CHOICE_COLUMNS)
        .join(counted, counted.c.procedure_id == Procedure.id)
        .where(Procedure.published.is_(True))
        .order_by(counted.c.times.desc(), Procedure.name, Procedure.id)
        .limit(limit)
    ).all()
    choices = [ProcedureChoice(*row) for row in rows]
    if len(choices) < limit:
        query = (
            select(*_CHOICE_COLUMNS)
            .where(Procedure.published.is_(True), Procedure.online.in_(("full", "partial")))
            .order_by(Procedure.name, Procedure.id)
            .limit(limit - len(choices))
        )
        if choices:
            query = query.where(Procedure.id.not_in([choice.id for choice in choices]))
        choices += [ProcedureChoice(*row) for row in db.session.execute(query)]
    return choices


def _is_row_id(value) -> bool:
    """An id a database row can have: a number beyond the column's range
    from a forged form must not reach the query (SQLite and PostgreSQL refuse it)."""
    return isinstance(value, int) and 0 < value < 2**31


def published_procedures(ids=(), code: str | None = None) -> list[ProcedureChoice]:
    """The published procedures among `ids` (and the one with `code`), by name;
    unknown and unpublished ones are left out."""
    ids = sorted({pid for pid in ids if _is_row_id(pid)})
    if not ids and not code:
        return []
    wanted = []
    if ids:
        wanted.append(Procedure.id.in_(ids))
    if code:
        wanted.append(Procedure.code == code)
    query = select(*_CHOICE_COLUMNS).where(Procedure.published.is_(True), or_(*wanted))
    return [ProcedureChoice(*row) for row in db.session.execute(query.order_by(Procedure.name, Procedure.id))]


# Booking ---------------------------------------------------------------------


@dataclass
class BookingDetails:
    full_name: str
    phone: str
    address: str
    residential_group_id: int
    help_needed: str = ""
    procedure_ids: list[int] = field(default_factory=list)


def usable_token(token: str | None) -> str | None:
    """The form's one-time token if it looks like one we issue, else None (no
    double-submit guard, but never a value the column cannot hold)."""
    return token if looks_like_token(token) else None


def visit_for_token(token: str | None) -> Visit | None:
    token = usable_token(token)
    if not token:
        return None
    return db.session.scalar(select(Visit).where(Visit.form_token == token))


def active_bookings_for_phone(phone: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Visit).where(
            Visit.phone == phone, Visit.status.in_(ACTIVE), Visit.slot_end > utcnow()
        )
    ) or 0


def book(details: BookingDetails, moment: datetime, token: str | None, booked_by: User | None = None) -> tuple[Visit, bool]:
    """Claim a seat at `moment` for the resident: (visit, True) when booked now,
    (visit, False) when this form was already sent (same token).

    Raises TooManyBookings or SlotTaken.
    """
    existing = visit_for_token(token)
    if existing is not None:
        return existing, False
    limit = int(current_app.config["VISIT_MAX_ACTIVE_PER_PHONE"])
    if active_bookings_for_phone(details.phone) >= limit:
        raise TooManyBookings
    procedures = _procedures(details.procedure_ids)
    for shift_id in _candidate_shifts(moment):
        for _attempt in range(3):  # a second try only if the random code collided
            visit = Visit(
                shift_id=shift_id,
                slot_start=moment,
                slot_end=moment + slot_length(),
                full_name=details.full_name,
                phone=details.phone,
                address=details.address,
                residential_group_id=details.residential_group_id,
                help_needed=details.help_needed,
                consent_at=utcnow(),
                form_token=usable_token(token),
                booked_by_id=booked_by.id if booked_by is not None else None,
                procedures=procedures,
            )
            db.session.add(visit)
            try:
                db.session.flush()
                if booked_by is not None:
                    record_audit("visit.booked_for_resident", visit, f"{visit.code} {to_local(moment):%d/%m/%Y %H:%M}")
                notices = notify_leaders(visit)
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
            else:
                try:
                    mail.send_queued(notices)
                except Exception:  # noqa: BLE001 - the booking stands; the message waits in the outbox
                    db.session.rollback()
                    current_app.logger.exception("could not send the leaders' notification for visit %s", visit.id)
                return visit, True
            existing = visit_for_token(token)
            if existing is not None:
                return existing, False
            if _seat_taken(shift_id, moment):
                break
            procedures = _procedures(details.procedure_ids)
    raise SlotTaken


def _seat_taken(shift_id: int, moment: datetime) -> bool:
    return db.session.scalar(
        select(Visit.id).where(Visit.shift_id == shift_id, Visit.slot_start == moment, Visit.seat.is_not(None))
    ) is not None


def _procedures(ids) -> list[Procedure]:
    ids = [pid for pid in ids or [] if _is_row_id(pid)]
    if not ids:
        return []
    return list(db.session.scalars(select(Procedure).where(Procedure.id.in_(ids)).order_by(Procedure.id)))


def move(visit: Visit, moment: datetime, by_resident: bool = True) -> None:
    """Move the visit to another free slot; SlotTaken if it went meanwhile."""
    visit_id = visit.id
    for shift_id in _candidate_shifts(moment, ignore=visit):
        visit = db.session.get(Visit, visit_id)
        try:
            with db.session.no_autoflush:
                visit.chosen_team = []  # a new shift brings its own rostered team
                visit.shift_id = shift_id
                visit.slot_start = moment
                visit.slot_end = moment + slot_length()
            if not by_resident:
                record_audit("visit.moved", visit, f"{visit.code} → {to_local(moment):%d/%m/%Y %H:%M}")
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
    raise SlotTaken


def cancel_by_resident(visit: Visit) -> None:
    visit.cancel(by_resident=True)
    db.session.commit()


def erase_by_resident(visit: Visit) -> None:
    """The resident withdraws consent: cancel if still ahead, then erase."""
    if visit.active:
        visit.cancel(by_resident=True)
    visit.erase_personal_data()
    db.session.commit()


def rate(visit: Visit, rating: int, comment: str) -> None:
    visit.rating = rating
    visit.rating_comment = comment
    visit.rated_at = utcnow()
    db.session.commit()


# Notifications ---------------------------------------------------------------


def notify_leaders(visit: Visit) -> list:
    """Tell every active leader, through the roster's outbox (e-mail when
    MAIL_SERVER is set). Queued in the booking's own transaction (the
    caller sends what it returns after committing), so that a
    booking never stands without its notification, even if the server dies
    right after; sending happens later, and a mail failure never undoes a
    booking. No personal data in the message: leaders read it signed in."""
    leaders = db.session.scalars(
        select(User).join(UserRole).where(User.active.is_(True), UserRole.role == "leader").order_by(User.id)
    ).all()
    if not leaders:
        return []
    when = f"{to_local(visit.slot_start):%d/%m/%Y %H:%M}"
    link = url_for("visits.admin_visit", visit_id=visit.id, _external=True) if has_request_context() \
        else f"/quan-tri/lich-hen/{visit.id}"
    subject = _("New home visit booking %(code)s on %(when)s", code=visit.code, when=when)
    body = _(
        "A resident has booked a home guidance visit.\n\nCode: %(code)s\nTime: %(when)s\n\n"
        "Please confirm it and check the team: %(link)s",
        code=visit.code,
        when=when,
        link=link,
    )
    queued = (
        mail.queue_message(leader.email, subject, body, f"visit-new:{visit.id}:{leader.id}", send_now=False)
        for leader in leaders
    )
    return [message for message in queued if message is not None]


# Leader's side ---------------------------------------------------------------


def visits_on(day: date | None, status: str | None, current: bool = False) -> list[Visit]:
    """Visits on a day and/or of a status; `current`: from today on, plus any
    still open from before whose personal data is not yet purged."""
    query = select(Visit).options(
        selectinload(Visit.procedures), selectinload(Visit.chosen_team), selectinload(Visit.residential_group),
        selectinload(Visit.shift),  # its rostered team comes with it: the visit's team when none was chosen
    )
    if day is not None:
        query = query.where(
            Visit.slot_start >= from_local(datetime.combine(day, time(0))),
            Visit.slot_start < from_local(datetime.combine(day + timedelta(days=1), time(0))),
        )
    if status is not None:
        query = query.where(Visit.status == status)
    if current:
        query = query.where(or_(
            Visit.slot_start >= from_local(datetime.combine(local_today(), time(0))),
            and_(Visit.status.in_(ACTIVE), Visit.purged_at.is_(None)),
        ))
    return list(db.session.scalars(query.order_by(Visit.slot_start, Visit.id)))


def roster_problem(visit: Visit) -> str | None:
    """Why the roster no longer covers this active visit, or None."""
    if not visit.active or visit.slot_end < utcnow():
        return None
    shift = visit.shift
    if shift is None:
        return _("The team's shift was deleted from the roster.")
    if shift.cancelled:
        return _("The team's shift was cancelled.")
    if not (shift.starts_at <= visit.slot_start and visit.slot_end <= shift.ends_at):
        return _("The team's shift no longer covers this time.")
    team = visit.team
    if not team:
        return _("Nobody is rostered on the team's shift any more.")
    if any(not volunteer.active for volunteer in team):
        return _("A volunteer of the team is no longer active.")
    return None


def affected_visits() -> list[tuple[Visit, str]]:
    """Upcoming active visits whose shift or team changed under them."""
    query = (
        select(Visit)
        .where(Visit.status.in_(ACTIVE), Visit.slot_end >= utcnow())
        .options(selectinload(Visit.chosen_team), selectinload(Visit.shift))
        .order_by(Visit.slot_start)
    )
    result = []
    for visit in db.session.scalars(query):
        problem = roster_problem(visit)
        if problem:
            result.append((visit, problem))
    return result


def team_choices(visit: Visit) -> list[Volunteer]:
    """Active volunteers, the shift's rostered ones first."""
    volunteers = list(db.session.scalars(
        select(Volunteer).where(Volunteer.active.is_(True)).order_by(Volunteer.name)
        # Names and experience only: not every volunteer's availability and dates away.
        .options(lazyload(Volunteer.availability), lazyload(Volunteer.dates_away))
    ))
    rostered = {v.id for v in visit.team}
    return sorted(volunteers, key=lambda v: (v.id not in rostered, v.name))


# Retention -------------------------------------------------------------------


def purge(now: datetime | None = None) -> int:
    """Erase personal fields of bookings whose visit ended more than
    VISIT_RETENTION_DAYS ago (whatever their status). Idempotent."""
    now = now or utcnow()
    cutoff = now - timedelta(days=int(current_app.config["VISIT_RETENTION_DAYS"]))
    due = db.session.scalars(
        select(Visit).where(Visit.purged_at.is_(None), Visit.slot_end < cutoff)
    ).all()
    for visit in due:
        # The status stays as it was: a booking nobody closed is not made a no-show.
        visit.erase_personal_data()
    if due:
        record_audit("visit.purged", None, f"{len(due)}", user=False)
    db.session.commit()
    return len(due)


def first_names(volunteers) -> list[tuple[str, str]]:
    """(first name, card code) for the public pages: Vietnamese given names come last."""
    return [((volunteer.name.split() or [""])[-1], volunteer.card_code) for volunteer in volunteers]
