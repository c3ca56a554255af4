"""How many visits one connection and one phone number may book.

Only bookings made count: a form sent back with a missed box or a taken time
costs nothing. Two limits, both on bookings made: per network address, with a
ceiling high enough for the households that share one (a family's wifi, or a
mobile network's carrier-grade NAT, where a whole neighbourhood may come from
one address), and per phone number, which is the resident's own. A refusal
says when to try again, to the minute, and the form comes back as typed.

A brake on new phone numbers per address, besides: from one address, the
first VISIT_NEW_PHONES_PER_ADDRESS bookings a day with a phone number new to
the ward (never booked by staff, never confirmed by a leader) hold their time
at once; later ones are received "to check" (models.TO_CHECK), without a seat,
until a leader has phoned and confirmed them. Fake bookings with made-up
numbers then fill no one's time, and a resident is never refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select

from wardsite.extensions import db
from wardsite.visits.models import Visit

from wardsite.limits import attempt_allowed, count_attempt, retry_at, when_text

ADDRESS_SCOPE = "visits-booked-per-address"
PHONE_SCOPE = "visits-booked-per-phone"
NEW_PHONE_SCOPE = "visits-new-phones-per-address"


@dataclass(frozen=True)
class Refusal:
    """A booking refused by a limit: on the phone number (`field` "phone") or
    on the connection (`field` None), until `retry_at` (aware, UTC)."""

    field: str | None
    retry_at: datetime

    def message(self) -> str:
        when = when_text(self.retry_at)
        if self.field == "phone":
            return _("Several visits have been booked for this phone number recently. "
                     "You can book again from %(when)s, or call the ward to book sooner.", when=when)
        return _("Many visits have been booked from this internet connection recently. "
                 "You can book again from %(when)s. If several families share this connection, "
                 "please call the ward to book.", when=when)


def _checks(address: str, phone: str):
    config = current_app.config
    return [
        (None, config["VISIT_BOOKING_RATE_LIMIT"], ADDRESS_SCOPE, address),
        ("phone", config["VISIT_BOOKING_PHONE_LIMIT"], PHONE_SCOPE, phone),
    ]


def refusal(address: str, phone: str) -> Refusal | None:
    """Why a booking from `address` for `phone` may not be made now, or None.
    With both limits reached, the one that lasts longer."""
    refused = []
    for field, limit, scope, key in _checks(address, phone):
        if not attempt_allowed(limit, scope, key):
            moment = retry_at(limit, scope, key)
            if moment is not None:
                refused.append(Refusal(field, moment))
    return max(refused, key=lambda item: item.retry_at, default=None)


def count_booking(address: str, phone: str) -> None:
    """A booking was made: it counts towards both limits."""
    for _field, limit, scope, key in _checks(address, phone):
        count_attempt(limit, scope, key)


# The brake on new phone numbers ------------------------------------------------


def known_phone(phone: str) -> bool:
    """The ward knows this number: a leader confirmed one of its bookings, or
    staff booked for it (until the retention period erases the number), or a
    one-time code sent to it was typed right (phone_codes)."""
    from wardsite.visits import phone_codes

    if phone_codes.verified(phone):
        return True
    return db.session.scalar(
        select(Visit.id).where(
            Visit.phone == phone, or_(Visit.confirmed_at.is_not(None), Visit.booked_by_id.is_not(None))
        ).limit(1)
    ) is not None


def new_phone_held(address: str, phone: str) -> tuple[bool, bool]:
    """(new, held): whether `phone` is new to the ward, and whether a booking
    for it from `address` holds its time now (False: received to check)."""
    if known_phone(phone):
        return False, True
    limit = current_app.config["VISIT_NEW_PHONES_PER_ADDRESS"]
    return True, attempt_allowed(limit, NEW_PHONE_SCOPE, address)


def count_new_phone(address: str) -> None:
    """A booking with a new phone number held its time."""
    count_attempt(current_app.config["VISIT_NEW_PHONES_PER_ADDRESS"], NEW_PHONE_SCOPE, address)
