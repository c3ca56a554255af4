"""Freed seats offered to the waiting list.

When a seat frees up (a booking cancelled or moved away, a new or re-staffed
mobile-team shift, a seat added), the first resident in line whose days and
times suit it is offered it and the seat is held for them for
VISIT_OFFER_HOLD_HOURS (never past the visit's start): bookers do not see it.
The resident opens the offer with their waiting-list code and phone number
and takes it ("Nhận giờ này", a booking like any other, made by
`services.book`) or lets it go ("Không nhận"); declined or expired, it passes
to the next in line. A resident is never offered again a time they declined
or let expire.

Races are decided as bookings' are, by the database: an offer row holds its
seat under UNIQUE(shift_id, slot_start, seat) and its resident under
UNIQUE(entry_id, pending) (see `models.WaitingOffer`), and an offer is made
under the seat's lock row (`locks.lock_seat`), which bookings take too,
each looking at the other's table under it. A loser rolls back and looks
again, so seats freed at once go to the first residents in line, one each.

Expiry is lazy: an offer past its time holds nothing wherever seats are
counted, and is closed and passed on by `offer_free_seats`, which runs after
every change that frees a seat, when the waiting pages and the leaders' list
are read, and from cron (`flask --app wardsite offers`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wardsite import mail
from wardsite.extensions import db
from wardsite.timeutil import local_today, to_local, utcnow
from wardsite.urls import absolute_url_for
from wardsite.visits import locks, services, slots
from wardsite.visits.models import DECLINED, EXPIRED, OFFERED, Visit, WaitingEntry, WaitingOffer

MESSAGE_KIND = "waitlist_offer"
MAX_ATTEMPTS = 100  # offers made or lost races in one run; far past any ward's freed seats


class OfferGone(Exception):
    """The offer expired, was declined, or its seat went meanwhile."""


def hold_time() -> timedelta:
    return timedelta(hours=float(current_app.config["VISIT_OFFER_HOLD_HOURS"]))


def open_offers() -> list[WaitingOffer]:
    """Offers holding their seat now, soonest to expire first (the leaders' list)."""
    return list(db.session.scalars(
        select(WaitingOffer).where(WaitingOffer.status == OFFERED, WaitingOffer.expires_at > utcnow())
        .order_by(WaitingOffer.expires_at, WaitingOffer.id)
    ))


def expire_due(now: datetime | None = None) -> int:
    """Close the offers past their time, in one conditional UPDATE (an offer
    accepted or declined meanwhile is left alone)."""
    now = now or utcnow()
    table = WaitingOffer.__table__
    due = select(table.c.id).where(table.c.status == OFFERED, table.c.expires_at <= now).limit(1)
    if db.session.scalar(due) is None:
        return 0  # the usual case, read without taking a write lock
    count = db.session.execute(
        update(table).where(table.c.status == OFFERED, table.c.expires_at <= now)
        .values(status=EXPIRED, seat=None, pending=None, closed_at=now)
    ).rowcount or 0
    db.session.commit()
    return count


def offer_free_seats(now: datetime | None = None) -> list[WaitingOffer]:
    """Offer every free seat that suits someone waiting, the earliest seats
    first, each to the first suitable resident in line without an open
    offer; after closing the offers past their time. Returns the offers made."""
    expire_due(now)
    made: list[WaitingOffer] = []
    for _attempt in range(MAX_ATTEMPTS):
        offer, lost_race = _offer_next()
        if offer is not None:
            made.append(offer)
        elif not lost_race:
            break
    return made


def seat_freed() -> None:
    """A seat may be free now: offer it to the waiting list. The change that
    freed it is committed already and stands if offering fails (the next
    `flask offers` run or page read offers it)."""
    try:
        offer_free_seats()
    except Exception:  # noqa: BLE001
        db.session.rollback()
        current_app.logger.exception("could not offer a freed seat to the waiting list")


def _waiting_without_offer() -> list[WaitingEntry]:
    pending = select(WaitingOffer.entry_id).where(WaitingOffer.pending.is_not(None))
    return list(db.session.scalars(
        select(WaitingEntry).where(WaitingEntry.id.not_in(pending))
        .order_by(WaitingEntry.created_at, WaitingEntry.id)
        .options(selectinload(WaitingEntry.offers))
    ))


def _offer_next() -> tuple[WaitingOffer | None, bool]:
    """(the offer made, False), (None, True) after a lost race (look again),
    or (None, False) when no free seat suits anyone waiting."""
    waiting = _waiting_without_offer()
    if not waiting:
        return None, False
    for slot in slots.free_slots():
        for entry in waiting:
            refused = {offer.slot_start for offer in entry.offers}  # declined or let expire
            if slot.start in refused or not entry.suits(slot.start):
                continue
            return _try_offer(entry.id, slot.shift_ids[0], slot.start, slot.end)
    return None, False


def _try_offer(entry_id: int, shift_id: int, start: datetime, end: datetime) -> tuple[WaitingOffer | None, bool]:
    """One short transaction, under the seat's lock: the seat is looked at
    again (a booking may have taken it since the free slots were read), then
    the offer's insert lets the constraints decide against other offers."""
    try:
        locks.lock_seat(shift_id, start)
        booked = db.session.scalar(select(Visit.id).where(
            Visit.shift_id == shift_id, Visit.slot_start == start, Visit.seat.is_not(None)))
        entry = db.session.get(WaitingEntry, entry_id)
        if booked is not None or entry is None:
            db.session.rollback()
            return None, True
        now = utcnow()
        offer = WaitingOffer(entry_id=entry_id, shift_id=shift_id, slot_start=start, slot_end=end,
                             created_at=now, expires_at=min(now + hold_time(), start))
        db.session.add(offer)
        db.session.flush()
        _queue_message(offer, entry)
        db.session.commit()
    except IntegrityError:  # the seat, or this resident, was offered a moment ago
        db.session.rollback()
        return None, True
    return offer, False


def offer_link(entry: WaitingEntry) -> str:
    return absolute_url_for("visits.waiting_entry", code=entry.code)


def _queue_message(offer: WaitingOffer, entry: WaitingEntry) -> None:
    """The resident's message (kind "waitlist_offer"), to their phone number,
    through the outbox, in the offer's transaction; the notifications'
    channels (SMS, Zalo) deliver it, and leaders read it in the outbox."""
    start, until = to_local(offer.slot_start), to_local(offer.expires_at)
    params = {"time": f"{start:%H:%M}", "date": f"{start:%d/%m/%Y}", "code": entry.code,
              "until": f"{until:%H:%M %d/%m}", "link": offer_link(entry)}
    # Over Zalo (the worker falls back to SMS for a number without Zalo); an
    # offer for today is not held back by the quiet hours.
    mail.queue_notice(MESSAGE_KIND, entry.phone, params, f"visit-offer:{offer.id}",
                      same_day=start.date() == local_today())


# The resident's answer ---------------------------------------------------------


def decline(offer: WaitingOffer) -> None:
    """"Không nhận": the seat passes to the next in line; the resident stays
    on the list for other times."""
    _close(offer, DECLINED)
    offer_free_seats()


def _still_bookable(offer: WaitingOffer) -> bool:
    """The roster may have changed since the offer: its shift still staffed,
    published and not cancelled, and the slot still inside it."""
    if offer.shift_id is None:
        return False
    day = to_local(offer.slot_start).date()
    shift = next((shift for shift in slots.staffed_mobile_shifts(day - timedelta(days=1), day)
                  if shift.id == offer.shift_id), None)
    return shift is not None and offer.slot_start in slots.shift_slot_starts(shift)


def _close(offer: WaitingOffer, status: str, quietly: bool = False) -> None:
    table = WaitingOffer.__table__
    closed = db.session.execute(
        update(table).where(table.c.id == offer.id, table.c.status == OFFERED, table.c.expires_at > utcnow())
        .values(status=status, seat=None, pending=None, closed_at=utcnow())
    ).rowcount
    db.session.commit()
    if not closed and not quietly:
        raise OfferGone


def accept(offer: WaitingOffer, address: str, help_needed: str = "") -> Visit:
    """"Nhận giờ này": the offered seat becomes a booking, with the entry's
    name, phone and group and the address given now; the entry is deleted.
    Raises OfferGone, or services.TooManyBookings."""
    if not _still_bookable(offer):
        _close(offer, EXPIRED, quietly=True)
        raise OfferGone
    entry = offer.entry
    details = services.BookingDetails(
        full_name=entry.full_name, phone=entry.phone, address=address,
        residential_group_id=entry.residential_group_id, help_needed=help_needed,
    )
    try:
        visit, _new = services.book(details, offer.slot_start, None, offer=offer)
    except services.SlotTaken:
        raise OfferGone from None
    return visit
