"""Staff password reset: a link by e-mail, or from the admin in person.

The link carries a signed, timed token (itsdangerous, no table): the user's
id and a fingerprint of the account's password hash and session version.
Setting the new password changes both, so the link works once; signing out
everywhere or a deactivation also ends it. It expires after
PASSWORD_RESET_HOURS.

Asking for a link never says whether an account exists: the answer is the
same, and so is the work done before it is sent (the account is looked up,
both limits counted, a token signed and a message written for a made-up
account too). The message is queued and sent only after the answer has gone
out (`response.call_on_close`), so that the time of a mail server does not
show either.

Limits (each per hour by default):

- PASSWORD_RESET_LIMIT_PER_ADDRESS: requests from one network address; past
  it the form says when to try again (whatever the account);
- PASSWORD_RESET_LIMIT_PER_ACCOUNT: messages to one account (by its id, so
  its e-mail and phone share one count; an unknown login by its normalised
  form). Past it nothing more is sent, and the answer stays the same.

Reset links are never kept readable in the outbox, which leaders read: the
message is sent over SMTP at once, not by the worker, and the outbox keeps a
copy without the link (`mail.send_unstored_email`). Without a mail server nothing is queued: the admin
makes a link on the user's page and hands it over in person.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import lazyload

from wardsite import mail
from wardsite.accounts.models import User
from wardsite.accounts.services import normalised_login
from wardsite.extensions import db
from wardsite.limits import retry_at, take_attempt
from wardsite.phone import normalize_phone
from wardsite.urls import absolute_url_for

SALT = "wardsite.password-reset"


def _clock() -> float:
    """Now, in seconds (tests move it forward)."""
    return time.time()


class _Signer(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(_clock())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT, signer=_Signer)


def lifetime() -> timedelta:
    return timedelta(hours=float(current_app.config.get("PASSWORD_RESET_HOURS", 1)))


def _fingerprint(user: User) -> str:
    """Changes when the password or the session version does."""
    secret = str(current_app.secret_key).encode()
    text = f"{user.id}|{user.password_hash}|{user.session_version or 1}|{bool(user.active)}"
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()[:24]


def hours_text() -> str:
    """PASSWORD_RESET_HOURS as written for people: "1", "0.5"."""
    return "%g" % (lifetime().total_seconds() / 3600)


def make_token(user: User) -> str:
    return _serializer().dumps([user.id, _fingerprint(user)])


def expires_at() -> datetime:
    """When a token made now stops working (aware UTC)."""
    return datetime.fromtimestamp(int(_clock()), timezone.utc) + lifetime()


def user_for_token(token: str | None) -> User | None:
    """The active account the token was made for, if it is still good: signed
    by us, not older than PASSWORD_RESET_HOURS, and the account's password and
    sessions unchanged since."""
    if not isinstance(token, str) or not token or len(token) > 300:
        return None
    try:
        payload = _serializer().loads(token, max_age=int(lifetime().total_seconds()))
    except (SignatureExpired, BadData):
        return None
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)
            and isinstance(payload[1], str)):
        return None
    user = db.session.get(User, payload[0])
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(_fingerprint(user), payload[1]):
        return None
    return user


def reset_link(user: User) -> str:
    return absolute_url_for("accounts.reset_password", ma=make_token(user))


# Asking for a link ---------------------------------------------------------


@dataclass
class ResetMessage:
    """A message written in the request, queued after the answer has gone."""

    user_id: int
    recipient: str
    subject: str
    body: str
    stored_body: str  # without the link
    dedupe_key: str


class AddressLimitReached(Exception):
    def __init__(self, until: datetime | None):
        super().__init__("too many password-reset requests from this address")
        self.until = until


def _limit(name: str) -> str:
    return current_app.config[name]


def _write(user: User) -> ResetMessage:
    link = reset_link(user)
    hours = hours_text()
    with mail.ward_language():
        subject = _("Setting a new password for your account")
        body, stored = (
            _(
                "Someone (we hope you) asked to set a new password for your account %(email)s on the ward's website.\n\n"
                "To choose a new password, open this link within %(hours)s hours. It works once:\n\n%(link)s\n\n"
                "If you did not ask for it, do nothing: your password stays as it is.",
                email=user.email, hours=hours, link=shown,
            )
            for shown in (link, _("[the link is not kept in the outbox]"))
        )
    key = f"password-reset:{user.id}:{secrets.token_hex(12)}"  # one message per request
    return ResetMessage(user.id or 0, user.email, subject, body, stored, key)


def _stand_in() -> User:
    """A made-up account, for the same work when none was found."""
    return User(id=0, email="nobody@example.invalid", name="", password_hash="x" * 102, session_version=1, active=True)


def _find_account(identifier: str) -> User | None:
    """The active account of an e-mail or phone number, in one query whatever
    is typed (User.find_by_login, without loading the roles: the same queries
    whether or not there is an account)."""
    identifier = identifier.strip()
    if "@" in identifier:
        condition = User.email == identifier.lower()
    else:
        condition = User.phone == (normalize_phone(identifier) or identifier[:20])
    user = db.session.scalar(select(User).options(lazyload(User.role_rows)).where(condition))
    return user if user is not None and user.active else None


def request_reset(identifier: str, address: str) -> ResetMessage | None:
    """Count the request and write the message for the account `identifier`
    names (e-mail or phone); None when there is nothing to send (no such
    active account, its limit reached, or no mail server). The same work
    whether the account exists or not. Raises AddressLimitReached."""
    address_limit = _limit("PASSWORD_RESET_LIMIT_PER_ADDRESS")
    if not take_attempt(address_limit, "password-reset-address", address):
        raise AddressLimitReached(retry_at(address_limit, "password-reset-address", address))
    user = _find_account(identifier or "")
    account = f"user:{user.id}" if user is not None else f"login:{normalised_login(identifier)}"
    within = take_attempt(_limit("PASSWORD_RESET_LIMIT_PER_ACCOUNT"), "password-reset-account", account)
    message = _write(user if user is not None else _stand_in())
    if user is None or not within or not current_app.config.get("MAIL_SERVER"):
        return None
    return message


def send(app, message: ResetMessage) -> None:
    """Queue and send the message (after the answer has gone, in an app
    context of its own); the outbox keeps it without the link."""
    with app.app_context():
        try:
            mail.send_unstored_email(message.recipient, message.subject, message.body, message.stored_body,
                                     message.dedupe_key)
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            app.logger.warning("could not queue the password-reset message for user %s", message.user_id, exc_info=True)
        except Exception:  # the answer has gone: nobody to show a 500 to
            db.session.rollback()
            app.logger.exception("could not send the password-reset message for user %s", message.user_id)
