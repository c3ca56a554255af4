"""Counting attempts (sign-ins, comments, ratings, bookings made) against a
limit, and saying when a refused one may try again.

The counts live in Flask-Limiter's storage (RATELIMIT_STORAGE_URI). The
default is a SQLite file, instance/limits.db (wardsite/limits_storage.py),
which every worker on the machine shares; a site served from several machines
sets a storage they share, e.g. redis://host:6379/0. `memory://` counts per
worker: with N workers every limit is N times as high (tests use it).

When a ward turns rate limiting off (RATELIMIT_ENABLED = False), every attempt
is allowed and nothing is counted.
"""

from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import Flask, current_app
from flask_babel import gettext as _
from limits import parse

import wardsite.limits_storage  # noqa: F401  (registers the sqlite:// storage)
from wardsite.extensions import limiter
from wardsite.timeutil import local_today, to_local


def init_app(app: Flask) -> None:
    """Bind Flask-Limiter to `app`, with the shared SQLite file as the
    default storage, and keep this app's counter (the extension object keeps
    only the last app's)."""
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = f"sqlite:///{Path(app.instance_path) / 'limits.db'}"
    limiter.init_app(app)
    if app.config.get("RATELIMIT_ENABLED", True):
        app.extensions["wardsite.limits"] = limiter.limiter


def _counter():
    """This app's strategy object, or None when limits are off."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    return current_app.extensions.get("wardsite.limits")


def attempt_allowed(limit: str, scope: str, key: str) -> bool:
    """False once `key` has used up `limit` (e.g. "5 per 10 minutes") in `scope`."""
    counter = _counter()
    if counter is None:
        return True
    return counter.test(parse(limit), scope, key or "unknown")


def count_attempt(limit: str, scope: str, key: str) -> None:
    counter = _counter()
    if counter is not None:
        counter.hit(parse(limit), scope, key or "unknown")


def take_attempt(limit: str, scope: str, key: str) -> bool:
    """Count an attempt and say whether it is within `limit`, in one step of
    the storage, so that two workers cannot both take the last one."""
    counter = _counter()
    if counter is None:
        return True
    return counter.hit(parse(limit), scope, key or "unknown")


def give_back(limit: str, scope: str, key: str) -> None:
    """Undo take_attempt for an attempt that turned out not to count (a
    sign-in with the right password)."""
    counter = _counter()
    if counter is not None:
        counter.hit(parse(limit), scope, key or "unknown", cost=-1)


def attempts_made(limit: str, scope: str, key: str) -> int:
    """How many attempts `key` has made in the current window of `limit`."""
    counter = _counter()
    if counter is None:
        return 0
    item = parse(limit)
    return item.amount - counter.get_window_stats(item, scope, key or "unknown").remaining


def retry_at(limit: str, scope: str, key: str):
    """When `key` may try again in `scope` (an aware UTC datetime: the end of
    the current window), or None if it may now."""
    counter = _counter()
    if counter is None:
        return None
    item = parse(limit)
    stats = counter.get_window_stats(item, scope, key or "unknown")
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
