"""Row locks that put claims one after the other, on rows of
`visit_phone_guard` (`models.PhoneGuard`): a phone number's (bookings counted
against VISIT_MAX_ACTIVE_PER_PHONE) and a seat's (a booking and a
waiting-list offer never both claim one team's slot)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from wardsite.extensions import db
from wardsite.timeutil import utcnow
from wardsite.visits.models import OFFERED, PhoneGuard, WaitingOffer


def phone_key(phone: str) -> str:
    """The phone number's key in `PhoneGuard`: an HMAC with the site's
    secret, so that the table holds no number."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"visit-phone:" + (phone or "").encode(), hashlib.sha256).hexdigest()


def lock_phone(phone: str) -> None:
    """Take the phone's row lock for the rest of the transaction: created if
    missing (a second creator waits and does nothing), then updated, which
    waits for any other transaction holding it. On SQLite the update is the
    transaction's first write, so it waits for the database's write lock
    (busy_timeout) before anything is counted; on PostgreSQL it waits for the
    row lock, and the count that follows (read committed) sees the booking
    the other transaction committed."""
    _lock(phone_key(phone))


def lock_seat(shift_id: int, moment: datetime) -> None:
    """The same lock for one seat (a team's slot), on a row of the same table
    keyed "seat:<shift>:<start>": whoever claims the seat, a booking or a
    waiting-list offer, takes it first and then looks at the other's table,
    so that a seat is never both booked and offered."""
    _lock(f"seat:{shift_id}:{int(moment.timestamp())}")


def seat_offered(shift_id: int, moment: datetime, offer_id: int | None = None) -> bool:
    """An open, unexpired offer (other than `offer_id`) holds this seat."""
    query = select(WaitingOffer.id).where(
        WaitingOffer.shift_id == shift_id, WaitingOffer.slot_start == moment, WaitingOffer.seat.is_not(None),
        WaitingOffer.status == OFFERED, WaitingOffer.expires_at > utcnow(),
    )
    if offer_id is not None:
        query = query.where(WaitingOffer.id != offer_id)
    return db.session.scalar(query) is not None


def claim_seat(shift_id: int, moment: datetime, offer_id: int | None = None) -> bool:
    """Take the seat's lock and say whether a booking may claim it: no open
    offer holds it, or (`offer_id`, a waiting-list offer being accepted) that
    offer is still open; read under the lock, so it stays true until commit."""
    lock_seat(shift_id, moment)
    if offer_id is not None:
        offer = db.session.get(WaitingOffer, offer_id, populate_existing=True)
        if offer is None or not offer.is_open:
            return False
    return not seat_offered(shift_id, moment, offer_id)


def _lock(key: str) -> None:
    table = PhoneGuard.__table__
    now = utcnow()
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(table).values(key=key, touched_at=now).on_conflict_do_nothing())
    db.session.execute(update(table).where(table.c.key == key).values(touched_at=now))
