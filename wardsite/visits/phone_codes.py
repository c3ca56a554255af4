"""A one-time code for a phone number new to the ward, before its booking
holds a time (issue 15: "booking by phone, checked").

When it is on (VISIT_PHONE_CODES; by default when a Zalo or SMS channel is
configured), a resident booking with a number the ward does not know yet
(`booking_limits.known_phone`: never confirmed by a leader, never booked by
staff, never checked by a code) is sent a six-digit code the way they chose
on the form, Zalo or SMS, and the booking form comes back as typed with a
field for the code next to the phone number. Sending the form again with the
right code books as usual; from then on the number is known. It works
without JavaScript: it is the same form, sent again.

A resident who chose no messages cannot be sent a code: the booking is
received "to check" (models.TO_CHECK), as the booking brake of issue 14 does,
and a leader phones to confirm it. So is one whose chosen way is not set up
at all.

- The code is kept only as an HMAC with the site's secret and the number's
  key, so a copy of the database does not give it away; the outbox keeps it
  until the message is sent, then masks it (notify.templates.SECRET_KINDS).
- It expires after VISIT_PHONE_CODE_MINUTES (10), allows
  VISIT_PHONE_CODE_TRIES (5) wrong tries, and one code per number is open at
  a time: a new one closes the one before.
- Codes sent are limited per number (VISIT_PHONE_CODES_PER_PHONE) and per
  network address (VISIT_PHONE_CODES_PER_ADDRESS), in the shared limits
  storage, and the refusal says when to try again.
- Every step for one number runs under that number's lock row
  (`locks`: a row of visit_phone_guard keyed "code:" and the phone's key), so two
  requests at once never both use one code, nor leave two codes open.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from wardsite import mail
from wardsite.extensions import db
from wardsite.limits import give_back, retry_at, take_attempt, when_text
from wardsite.timeutil import utcnow
from wardsite.visits.locks import _lock, phone_key
from wardsite.visits.models import PhoneCode

PHONE_SCOPE = "visit-codes-per-phone"
ADDRESS_SCOPE = "visit-codes-per-address"
CODE_DIGITS = 6
PHONE_CHANNELS = ("zalo", "sms")


def enabled() -> bool:
    """Whether new numbers get a code: VISIT_PHONE_CODES when set, else
    whether a Zalo or SMS channel is configured (or everything goes to the
    log, NOTIFY_LOG_ONLY)."""
    config = current_app.config
    setting = config.get("VISIT_PHONE_CODES")
    if setting is not None and setting != "":
        return str(setting).lower() not in ("0", "false", "no", "off", "")
    return bool(config.get("NOTIFY_LOG_ONLY")) or bool(_phone_channels())


def _phone_channels() -> list[str]:
    """The phone channels the worker can send on: "zalo" (Zalo's API or
    eSMS's relay, or an SMS for it) and "sms"."""
    from wardsite.notify.worker import Worker

    return [name for name in Worker(current_app.config).sendable() if name in PHONE_CHANNELS]


def code_channel(chosen: str) -> str | None:
    """How the code goes to a resident who chose `chosen`: that way when it
    can be sent, else the other phone channel, else None (received to check)."""
    if chosen not in PHONE_CHANNELS:
        return None
    if current_app.config.get("NOTIFY_LOG_ONLY"):
        return chosen
    channels = _phone_channels()
    if chosen in channels:
        return chosen
    return channels[0] if channels else None


def verified(phone: str) -> bool:
    """A code was typed right for this number (until `purge` deletes it)."""
    return db.session.scalar(select(PhoneCode.id).where(
        PhoneCode.phone_key == phone_key(phone), PhoneCode.verified_at.is_not(None)).limit(1)) is not None


@dataclass
class Outcome:
    """What came of a booking's code step. `verified`: book now; `to_check`:
    book without holding the time; otherwise the form comes back with the
    code field (`asked`) and `message` next to `field` (status 429 for a
    limit)."""

    verified: bool = False
    to_check: bool = False
    asked: bool = False
    message: str = ""
    field: str = "phone_code"
    status: int = 200


def _hash(key: str, code: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"visit-code:{key}:{code}".encode(), hashlib.sha256).hexdigest()


def _digits(typed: str | None) -> str:
    return "".join(ch for ch in (typed or "") if ch.isdigit())[:12]


def _lock_number(key: str) -> None:
    _lock(f"code:{key[:59]}")  # the lock table's key holds 64 characters


def _latest_code(key: str) -> PhoneCode | None:
    """The number's code not closed by a newer one or by its use."""
    return db.session.scalar(select(PhoneCode).where(PhoneCode.phone_key == key, PhoneCode.closed_at.is_(None))
                             .order_by(PhoneCode.id.desc()).limit(1).execution_options(populate_existing=True))


def _open_code(key: str, now: datetime) -> PhoneCode | None:
    """The number's open code, if it can still be used."""
    code = _latest_code(key)
    if code is None or code.expires_at <= now or code.tries >= _tries():
        return None
    return code


def _tries() -> int:
    return int(current_app.config["VISIT_PHONE_CODE_TRIES"])


def _minutes() -> int:
    return int(current_app.config["VISIT_PHONE_CODE_MINUTES"])


def _channel_label(channel: str) -> str:
    return _("Zalo") if channel == "zalo" else _("SMS")


def use(phone: str, typed: str, now: datetime | None = None) -> bool:
    """Check `typed` against the number's open code, under the number's lock,
    and commit: True once, for the right code while it is open (the number is
    verified and the code closed); a wrong one counts a try."""
    now = now or utcnow()
    key = phone_key(phone)
    _lock_number(key)
    code = _open_code(key, now)
    typed = _digits(typed)
    if code is None or not typed:
        db.session.commit()
        return False
    if hmac.compare_digest(code.code_hash, _hash(key, typed)):
        code.verified_at = code.closed_at = now
        db.session.commit()
        return True
    code.tries += 1
    db.session.commit()
    return False


def send(phone: str, channel: str, address: str, now: datetime | None = None) -> Outcome:
    """A new code for the number over `channel`, within the limits, closing
    any open one; committed with its message in the outbox."""
    now = now or utcnow()
    config = current_app.config
    key = phone_key(phone)
    phone_limit, address_limit = config["VISIT_PHONE_CODES_PER_PHONE"], config["VISIT_PHONE_CODES_PER_ADDRESS"]
    if not take_attempt(phone_limit, PHONE_SCOPE, phone):
        return _refused(phone_limit, PHONE_SCOPE, phone, "phone")
    if not take_attempt(address_limit, ADDRESS_SCOPE, address):
        give_back(phone_limit, PHONE_SCOPE, phone)
        return _refused(address_limit, ADDRESS_SCOPE, address, None)
    _lock_number(key)
    db.session.execute(update(PhoneCode).where(PhoneCode.phone_key == key, PhoneCode.closed_at.is_(None))
                       .values(closed_at=now).execution_options(synchronize_session=False))
    digits = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    row = PhoneCode(phone_key=key, code_hash=_hash(key, digits), created_at=now,
                    expires_at=now + timedelta(minutes=_minutes()), tries=0)
    db.session.add(row)
    db.session.flush()
    mail.queue_notice("phone_code", phone, {"code": digits, "minutes": str(_minutes())}, f"phone-code:{row.id}",
                      channel=channel, same_day=True)
    db.session.commit()
    return Outcome(asked=True, message=_(
        "The ward has just sent a %(digits)s-digit code by %(channel)s to %(phone)s. Please type it here to "
        "finish the booking; it works for %(minutes)s minutes.",
        digits=CODE_DIGITS, channel=_channel_label(channel), phone=phone, minutes=_minutes()))


def _refused(limit: str, scope: str, key: str, field: str | None) -> Outcome:
    moment = retry_at(limit, scope, key)
    when = when_text(moment) if moment is not None else when_text(utcnow() + timedelta(minutes=1))
    if field == "phone":
        message = _("Several codes have been sent to this phone number recently. You can ask for a new one "
                    "from %(when)s, or call the ward to book.", when=when)
    else:
        message = _("Many codes have been sent from this internet connection recently. You can ask for a new "
                    "one from %(when)s, or call the ward to book.", when=when)
    return Outcome(asked=False, message=message, field=field or "", status=429)


def check(phone: str, chosen: str, address: str, typed: str | None, new_code: bool = False) -> Outcome:
    """The code step of a booking for a number new to the ward: with the
    right code typed, verified; with none yet, one is sent; with a wrong
    one, the tries left; with one expired or used up (or `new_code`: the
    resident asked for another), a new one is sent."""
    channel = code_channel(chosen)
    if channel is None:
        return Outcome(to_check=True)
    now = utcnow()
    key = phone_key(phone)
    typed = _digits(typed)
    if typed and not new_code:
        if use(phone, typed, now):
            return Outcome(verified=True)
        if verified(phone):  # another request typed it right a moment ago
            return Outcome(verified=True)
        code = _latest_code(key)
        if code is not None and code.expires_at > now:
            left = _tries() - code.tries
            if left > 0:
                return Outcome(asked=True, message=_(
                    "This code is not right. Please check the message and type the %(digits)s digits again "
                    "(%(left)s tries left).", digits=CODE_DIGITS, left=left))
            return Outcome(asked=True, message=_(
                "This code was typed wrong %(tries)s times and no longer works. "
                "Please use \"Send me a new code\" below.", tries=_tries()))
        sent = _send_new(phone, channel, address, now)
        if sent.status != 200:
            return sent
        sent.message = _("That code has expired. %(sent)s", sent=sent.message)
        return sent
    if not new_code:
        _lock_number(key)
        code = _open_code(key, now)
        db.session.commit()
        if code is not None:
            return Outcome(asked=True, message=_(
                "Please type the code the ward sent to %(phone)s. Not received after a few minutes? "
                "Use \"Send me a new code\" below.", phone=phone))
    return _send_new(phone, channel, address, now)


def _send_new(phone: str, channel: str, address: str, now: datetime) -> Outcome:
    sent = send(phone, channel, address, now)
    if sent.status != 200:  # refused by a limit: a code sent before may still be open
        sent.asked = _open_code(phone_key(phone), now) is not None
        db.session.rollback()
    return sent


def purge(before: datetime) -> int:
    """Codes and checked numbers older than `before` go; how many."""
    result = db.session.execute(delete(PhoneCode).where(PhoneCode.created_at < before)
                                .execution_options(synchronize_session=False))
    mail.erase_recipient_before("phone-code:", before)
    return result.rowcount or 0
