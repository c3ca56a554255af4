"""Signing in, with failed attempts limited per account and per address."""

from flask import current_app
from limits import parse

from wardsite.extensions import limiter


def _limits():
    return (
        ("login-account", parse(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])),
        ("login-address", parse(current_app.config["LOGIN_LIMIT_PER_ADDRESS"])),
    )


def _keys(identifier: str, address: str) -> tuple[str, str]:
    return identifier.strip().lower(), address or "unknown"


def login_allowed(identifier: str, address: str) -> bool:
    """False once either the account or the address has used up its failures."""
    (account_scope, per_account), (address_scope, per_address) = _limits()
    account, address = _keys(identifier, address)
    return limiter.limiter.test(per_account, account_scope, account) and limiter.limiter.test(
        per_address, address_scope, address
    )


def record_failed_login(identifier: str, address: str) -> None:
    (account_scope, per_account), (address_scope, per_address) = _limits()
    account, address = _keys(identifier, address)
    limiter.limiter.hit(per_account, account_scope, account)
    limiter.limiter.hit(per_address, address_scope, address)
