"""The rules of home-visit booking, reachable without HTTP.

- Slots: see `wardsite.visits.slots` (free times from the roster).
- Booking: the seat is claimed by inserting the visit; the unique seat
  constraint (see models) decides races, so a loser gets `SlotTaken`, never an
  overbooking. Each attempt is one short transaction.
- Waiting-list offers (`offers`) hold seats too: a claim takes the seat's lock
  (`locks.claim_seat`) and skips a seat offered; a seat freed is offered.
- The leader's side: confirming, the team, the outcome, each with its audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, null, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload, selectinload

from wardsite import mail
from wardsite.accounts.models import User, UserRole
from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.forms import looks_like_token
from wardsite.procedures.models import Procedure
from wardsite.timeutil import from_local, local_today, to_local, utcnow
from wardsite.urls import absolute_url_for
from wardsite.visits import phone_codes, resident_notices
from wardsite.visits.locks import claim_seat, lock_phone, phone_key  # noqa: F401 (phone_key: the guard's key)
from wardsite.visits.models import ACTIVE, TO_CHECK, PhoneGuard, Visit, WaitingOffer
from wardsite.visits.procedure_choices import is_row_id
from wardsite.visits.slots import candidate_shifts, slot_length
from wardsite.volunteers.models import Volunteer


class SlotTaken(Exception):
    """Someone else booked the last seat of this slot a moment ago."""


class TooManyBookings(Exception):
    """This phone number already has the maximum of active bookings."""


class NotStartedYet(Exception):
    """An outcome (done, nobody at home) for a visit whose slot has not begun."""


# Booking ---------------------------------------------------------------------


@dataclass
class BookingDetails:
    full_name: str
    phone: str
    address: str
    residential_group_id: int
    help_needed: str = ""
    procedure_ids: list[int] = field(default_factory=list)
    notify_by: str = "none"  # "zalo", "sms" or "none"


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


def book(details: BookingDetails, moment: datetime, token: str | None, booked_by: User | None = None,
         held: bool = True, offer: WaitingOffer | None = None) -> tuple[Visit, bool]:
    """Claim a seat at `moment` for the resident: (visit, True) when booked now,
    (visit, False) when this form was already sent (same token). Not `held`:
    the booking is received "to check" (TO_CHECK), without a seat, until a
    leader confirms it. With an `offer` (a waiting-list offer accepted), the
    offer's own seat, if the offer still holds it; the waiting-list entry is
    deleted in the same transaction (its purpose is done).

    Raises TooManyBookings or SlotTaken.
    """
    existing = visit_for_token(token)
    if existing is not None:
        return existing, False
    limit = int(current_app.config["VISIT_MAX_ACTIVE_PER_PHONE"])
    procedures = _procedures(details.procedure_ids)
    shift_ids = [offer.shift_id] if offer is not None else candidate_shifts(moment)
    offer_id = offer.id if offer is not None else None
    for shift_id in shift_ids:
        for _attempt in range(3):  # a second try only if the random code collided
            # Counted under the phone's lock, held until this attempt commits
            # or rolls back: bookings sent at once with one phone wait for
            # each other, so they never all see room under the limit.
            lock_phone(details.phone)
            if active_bookings_for_phone(details.phone) >= limit:
                db.session.rollback()
                raise TooManyBookings
            if held and not claim_seat(shift_id, moment, offer_id):
                db.session.rollback()
                break  # held for someone on the waiting list (or this offer has ended): the next team
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
                notify_by=details.notify_by,
            )
            if not held:
                visit.status, visit.seat = TO_CHECK, null()  # None would give the column default, 1
            if offer is not None:
                db.session.delete(offer.entry)  # and its offers: the seat passes to the visit
            db.session.add(visit)
            try:
                db.session.flush()
                if booked_by is not None:
                    record_audit("visit.booked_for_resident", visit, f"{visit.code} {to_local(moment):%d/%m/%Y %H:%M}")
                if offer is not None:
                    record_audit("visit.waiting_offer_accepted", visit, visit.code, user=False)
                notices = notify_leaders(visit)
                resident_notices.notify(visit, "visit_received")
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
    ids = [pid for pid in ids or [] if is_row_id(pid)]
    if not ids:
        return []
    return list(db.session.scalars(select(Procedure).where(Procedure.id.in_(ids)).order_by(Procedure.id)))


def move(visit: Visit, moment: datetime, by_resident: bool = True) -> None:
    """Move the visit to another free slot; SlotTaken if it went meanwhile."""
    visit_id = visit.id
    for shift_id in candidate_shifts(moment, ignore=visit):
        if not claim_seat(shift_id, moment):
            db.session.rollback()
            continue
        visit = db.session.get(Visit, visit_id)
        try:
            with db.session.no_autoflush:
                visit.chosen_team = []  # a new shift brings its own rostered team
                visit.shift_id = shift_id
                visit.slot_start = moment
                visit.slot_end = moment + slot_length()
            if not by_resident:
                record_audit("visit.moved", visit, f"{visit.code} → {to_local(moment):%d/%m/%Y %H:%M}")
                resident_notices.changed(visit)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
        else:
            seat_freed()  # the one it left
            return
    raise SlotTaken


def seat_freed() -> None:
    from wardsite.visits import offers  # which books through this module

    offers.seat_freed()


def cancel_by_resident(visit: Visit) -> None:
    visit.cancel(by_resident=True)
    db.session.commit()
    seat_freed()


def erase_by_resident(visit: Visit) -> None:
    """The resident withdraws consent: cancel if still ahead, then erase."""
    freed = visit.active
    if visit.active:
        visit.cancel(by_resident=True)
    visit.erase_personal_data()
    db.session.commit()
    if freed:
        seat_freed()


def rate(visit: Visit, rating: int, comment: str) -> None:
    visit.rating = rating
    visit.rating_comment = comment
    visit.rated_at = utcnow()
    db.session.commit()


# Notifications ---------------------------------------------------------------


def active_leaders() -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole).where(User.active.is_(True), UserRole.role == "leader").order_by(User.id)
    ))


def visit_link(visit: Visit) -> str:
    """The leader's page of the visit, for a message."""
    return absolute_url_for("visits.admin_visit", visit_id=visit.id)


def notify_leaders(visit: Visit) -> list:
    """Tell every active leader, through the roster's outbox (e-mail when
    MAIL_SERVER is set). Queued in the booking's own transaction (the
    caller sends what it returns after committing), so that a
    booking never stands without its notification, even if the server dies
    right after; sending happens later, and a mail failure never undoes a
    booking. No personal data in the message: leaders read it signed in."""
    leaders = active_leaders()
    if not leaders:
        return []
    when = f"{to_local(visit.slot_start):%d/%m/%Y %H:%M}"
    link = visit_link(visit)
    if visit.to_check:
        subject = _("Home visit booking %(code)s on %(when)s to check by phone", code=visit.code, when=when)
        body = _(
            "A resident has asked for a home guidance visit from an internet connection that has booked several "
            "new phone numbers today, so its time is not kept yet.\n\nCode: %(code)s\nTime: %(when)s\n\n"
            "Please phone the resident; if the booking is real, confirm it, which keeps the time if it is still "
            "free: %(link)s",
            code=visit.code, when=when, link=link,
        )
    else:
        subject = _("New home visit booking %(code)s on %(when)s", code=visit.code, when=when)
        body = _(
            "A resident has booked a home guidance visit.\n\nCode: %(code)s\nTime: %(when)s\n\n"
            "Please confirm it and check the team: %(link)s",
            code=visit.code, when=when, link=link,
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


def confirm(visit: Visit) -> None:
    """A booking to check claims its seat now, on its team's shift or another
    free at the same time; SlotTaken if the time has gone meanwhile (the
    leader phones the resident to move it)."""
    if not visit.to_check:
        visit.confirm()
        record_audit("visit.confirmed", visit, visit.code)
        resident_notices.notify(visit, "visit_confirmed")
        db.session.commit()
        return
    visit_id, moment, first = visit.id, visit.slot_start, visit.shift_id
    shifts = candidate_shifts(moment)
    for shift_id in sorted(shifts, key=lambda shift_id: shift_id != first):
        if not claim_seat(shift_id, moment):
            db.session.rollback()
            continue
        visit = db.session.get(Visit, visit_id)
        with db.session.no_autoflush:
            if visit.shift_id != shift_id:
                visit.chosen_team = []
            visit.shift_id, visit.seat = shift_id, 1
            visit.confirm()
        record_audit("visit.confirmed", visit, visit.code)
        resident_notices.notify(visit, "visit_confirmed")
        try:
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
    raise SlotTaken


def choose_team(visit: Visit, volunteer_ids) -> None:
    """The volunteers the leader sends; the same as the roster stores none, so
    that later roster changes still show."""
    chosen = set(volunteer_ids)
    rostered = {a.volunteer_id for a in visit.shift.assignments} if visit.shift and not visit.shift.cancelled else set()
    visit.chosen_team = [] if chosen == rostered else list(
        db.session.scalars(select(Volunteer).where(Volunteer.id.in_(chosen)).order_by(Volunteer.name))
    )
    record_audit("visit.team_changed", visit, f"{visit.code}: {', '.join(v.name for v in visit.team)}")
    resident_notices.changed(visit)
    db.session.commit()


def record_outcome(visit: Visit, people_guided: int, dossiers_filed: int, dossier_codes: str, note: str,
                   procedure_ids) -> None:
    """NotStartedYet before the visit's slot (no figures of a visit not yet held); the resident gets a rating link."""
    if not visit.has_started:
        raise NotStartedYet
    procedures = db.session.scalars(select(Procedure).where(Procedure.id.in_(procedure_ids))).all()
    visit.record_outcome(people_guided, dossiers_filed, dossier_codes, note, procedures)
    record_audit("visit.done", visit, f"{visit.code}: {visit.people_guided} guided, {visit.dossiers_filed} dossiers")
    resident_notices.visit_done(visit)
    db.session.commit()


def mark_no_show(visit: Visit) -> None:
    """Raises NotStartedYet before the visit's slot."""
    if not visit.has_started:
        raise NotStartedYet
    visit.mark_no_show()
    record_audit("visit.no_show", visit, visit.code)
    db.session.commit()


def cancel_by_leader(visit: Visit) -> None:
    visit.cancel()
    record_audit("visit.cancelled", visit, visit.code)
    resident_notices.notify(visit, "visit_cancelled")
    db.session.commit()
    seat_freed()


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
    db.session.execute(delete(PhoneGuard).where(PhoneGuard.touched_at < cutoff))  # phones' lock rows
    phone_codes.purge(cutoff)  # one-time codes, checked numbers and the codes' messages
    db.session.commit()
    return len(due)


def first_names(volunteers) -> list[tuple[str, str]]:
    """(first name, card code) for the public pages: Vietnamese given names come last."""
    return [((volunteer.name.split() or [""])[-1], volunteer.card_code) for volunteer in volunteers]
