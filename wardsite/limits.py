"""Counting attempts (sign-ins, comments, ratings) against a limit.

The limits live in Flask-Limiter's storage, shared by every worker. When a
ward turns rate limiting off (RATELIMIT_ENABLED = False), every attempt is
allowed and nothing is counted.
"""

from limits import parse

from wardsite.extensions import limiter


def attempt_allowed(limit: str, scope: str, key: str) -> bool:
    """False once `key` has used up `limit` (e.g. "5 per 10 minutes") in `scope`."""
    if not limiter.enabled:
        return True
    return limiter.limiter.test(parse(limit), scope, key or "unknown")


def count_attempt(limit: str, scope: str, key: str) -> None:
    if limiter.enabled:
        limiter.limiter.hit(parse(limit), scope, key or "unknown")
