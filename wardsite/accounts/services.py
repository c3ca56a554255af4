"""Signing in: failed attempts limited without locking the owner out, the
owner told of many failures, the same work for accounts that do not exist.

Failures are counted on the account (by its id, so its e-mail and phone and
every way of writing them share one count; an unknown login by its normalised
form) and checked against three limits, each over 15 minutes by default:

- LOGIN_LIMIT_PER_ACCOUNT_ADDRESS (5): one account from one address;
- LOGIN_LIMIT_PER_ADDRESS (20): all accounts from one address;
- LOGIN_LIMIT_PER_ACCOUNT (10): one account from everywhere. A browser that
  has signed in to the account before carries a signed "known device" cookie
  and is not held by this one, so guesses from elsewhere cannot lock the owner
  out. When the account reaches it, its owner gets an e-mail.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.security import check_password_hash, generate_password_hash

from wardsite import mail
from wardsite.extensions import db
from wardsite.limits import attempts_made, give_back, retry_at, take_attempt
from wardsite.phone import normalize_phone
from wardsite.timeutil import utcnow

DEVICE_COOKIE = "wardsite_device"
DEVICE_COOKIE_DAYS = 400
DEVICE_COOKIE_ACCOUNTS = 5  # a shared office computer remembers this many accounts
# last_login_at is a hint for admins; it is written at most this often, so
# that signing in needs no write most of the time.
LAST_LOGIN_RESOLUTION = timedelta(hours=1)


def normalised_login(identifier: str) -> str:
    """An e-mail in lower case, a phone number as 0xxxxxxxxx, anything else
    stripped and in lower case."""
    identifier = (identifier or "").strip()
    if "@" in identifier:
        return identifier.lower()
    return normalize_phone(identifier) or identifier.lower()


def _account_key(identifier: str, user) -> str:
    return f"user:{user.id}" if user is not None else f"login:{normalised_login(identifier)}"


def _checks(identifier: str, address: str, user, known_device: bool):
    """(limit, scope, key, binding): every limit a sign-in counts in; a known
    device counts in the account's limit from everywhere, but is not held by it."""
    config = current_app.config
    account = _account_key(identifier, user)
    return [
        (config["LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"], "login-account-address", f"{account}|{address}", True),
        (config["LOGIN_LIMIT_PER_ADDRESS"], "login-address", address, True),
        (*_account_check(account), not known_device),
    ]


def _account_check(account: str):
    return (current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], "login-account", account)


class SignInAttempt:
    """One try at the sign-in form, counted in every limit before the password
    is checked (so that concurrent workers cannot both take the last try) and
    given back when the password was right."""

    def __init__(self, identifier: str, address: str, user=None, known_device: bool = False):
        self.user = user
        self.account = _account_key(identifier, user)
        self.checks = _checks(identifier, address, user, known_device)
        self.allowed = True
        for limit, scope, key, binding in self.checks:
            if not take_attempt(limit, scope, key) and binding:
                self.allowed = False
        if user is not None and not self.allowed:
            self._tell_owner_if_many()

    def failed(self) -> None:
        if self.user is not None:
            self._tell_owner_if_many()

    def succeeded(self) -> None:
        for limit, scope, key, _binding in self.checks:
            give_back(limit, scope, key)

    def _tell_owner_if_many(self) -> None:
        limit, scope, key = _account_check(self.account)
        if attempts_made(limit, scope, key) >= parse(limit).amount:
            _tell_owner(self.user, limit, scope, key)


def _tell_owner(user, limit: str, scope: str, key: str) -> None:
    until = retry_at(limit, scope, key)
    window = int(until.timestamp()) if until else 0
    with mail.ward_language():
        subject = _("Many failed sign-ins to your account")
        body = _(
            "Someone has entered a wrong password for your account %(email)s %(count)s times in a short while. "
            "Sign-ins from other devices are paused for a while; you can still sign in from a device where you "
            "have signed in before. If it was not you, change your password and tell the ward's administrator.",
            email=user.email,
            count=parse(limit).amount,
        )
    try:
        mail.queue_message(user.email, subject, body, f"login-failures:{user.id}:{window}")
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("could not queue the failed sign-ins notice for user %s", user.id, exc_info=True)


_dummy_hash: str | None = None


def verify_password(user, password: str) -> bool:
    """Check `password` against the account's hash; for no account, against a
    dummy hash of the same kind, so that both take the same time."""
    global _dummy_hash
    if user is None:
        if _dummy_hash is None:
            _dummy_hash = generate_password_hash(secrets.token_hex(16))
        check_password_hash(_dummy_hash, password)
        return False
    return check_password_hash(user.password_hash, password)


def note_sign_in(user) -> None:
    """Set last_login_at when it is older than LAST_LOGIN_RESOLUTION. A sign-in
    never fails for it: if the database cannot be written, say so in the log."""
    now = utcnow()
    if user.last_login_at is not None and now - user.last_login_at < LAST_LOGIN_RESOLUTION:
        return
    try:
        user.last_login_at = now
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("could not write last_login_at of user %s", user.id, exc_info=True)


# Known devices: a signed cookie with the ids of the accounts that signed in
# from this browser.

def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="wardsite.known-device")


def known_accounts() -> list[int]:
    value = request.cookies.get(DEVICE_COOKIE)
    if not value:
        return []
    try:
        ids = _device_serializer().loads(value, max_age=DEVICE_COOKIE_DAYS * 86400)
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def is_known_device(user) -> bool:
    return user is not None and user.id in known_accounts()


def remember_device(response, user) -> None:
    """Mark this browser as a known device of `user` (after a sign-in)."""
    ids = [user.id] + [i for i in known_accounts() if i != user.id]
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps(ids[:DEVICE_COOKIE_ACCOUNTS]),
        max_age=DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
