"""Counting attempts (sign-ins, comments, ratings, bookings made) against a
limit, and saying when a refused one may try again.

The limits live in Flask-Limiter's storage, shared by every worker. When a
ward turns rate limiting off (RATELIMIT_ENABLED = False), every attempt is
allowed and nothing is counted.
"""

from datetime import datetime, timedelta, timezone

from flask_babel import gettext as _
from limits import parse

from wardsite.extensions import limiter
from wardsite.timeutil import local_today, to_local


def attempt_allowed(limit: str, scope: str, key: str) -> bool:
    """False once `key` has used up `limit` (e.g. "5 per 10 minutes") in `scope`."""
    if not limiter.enabled:
        return True
    return limiter.limiter.test(parse(limit), scope, key or "unknown")


def count_attempt(limit: str, scope: str, key: str) -> None:
    if limiter.enabled:
        limiter.limiter.hit(parse(limit), scope, key or "unknown")


def retry_at(limit: str, scope: str, key: str):
    """When `key` may try again in `scope` (an aware UTC datetime: the end of
    the current window), or None if it may now."""
    if not limiter.enabled:
        return None
    item = parse(limit)
    stats = limiter.limiter.get_window_stats(item, scope, key or "unknown")
    if stats.remaining > 0:
        return None
    return datetime.fromtimestamp(stats.reset_time, timezone.utc)


def when_text(moment: datetime) -> str:
    """"15:42" today, "07:30 ngày 05/12/2026" on another day, in the ward's time.
    Rounded up to the minute: at the time said, the attempt is allowed (a
    window ending at 15:41:20 says 15:42, not 15:41)."""
    local = to_local(moment)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if local.date() == local_today():
        return local.strftime("%H:%M")
    return _("%(time)s on %(day)s", time=local.strftime("%H:%M"), day=local.strftime("%d/%m/%Y"))
