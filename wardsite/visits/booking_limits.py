"""How many visits one connection and one phone number may book.

Only bookings made count: a form sent back with a missed box or a taken time
costs nothing. Two limits, both on bookings made: per network address, with a
ceiling high enough for the households that share one (a family's wifi, or a
mobile network's carrier-grade NAT, where a whole neighbourhood may come from
one address), and per phone number, which is the resident's own. A refusal
says when to try again, to the minute, and the form comes back as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from wardsite.limits import attempt_allowed, count_attempt, retry_at, when_text

ADDRESS_SCOPE = "visits-booked-per-address"
PHONE_SCOPE = "visits-booked-per-phone"


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
