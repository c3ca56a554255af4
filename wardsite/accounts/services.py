"""Signing in, with failed attempts limited per account and per address."""

from flask import current_app

from wardsite.limits import attempt_allowed, count_attempt


def _checks(identifier: str, address: str):
    config = current_app.config
    return (
        (config["LOGIN_LIMIT_PER_ACCOUNT"], "login-account", identifier.strip().lower()),
        (config["LOGIN_LIMIT_PER_ADDRESS"], "login-address", address),
    )


def login_allowed(identifier: str, address: str) -> bool:
    """False once either the account or the address has used up its failures."""
    return all(attempt_allowed(*check) for check in _checks(identifier, address))


def record_failed_login(identifier: str, address: str) -> None:
    for check in _checks(identifier, address):
        count_attempt(*check)
