"""A pytest plugin that moves the site's clock to another day, to check that
tests do not depend on the day they run:

    FAKE_TODAY=2027-02-01 PYTHONPATH=$PWD .venv/bin/pytest -p tests.fake_today tests/test_volunteers.py

`wardsite.timeutil.utcnow` (and so `local_now`, `local_today` and every
default timestamp) reads FAKE_TODAY's date at the current time of day in the
ward. Loaded with -p, it acts before the test modules are imported, so their
"next week" (MONDAY) is worked out from the faked day too. Code that calls
datetime.now() itself is not moved."""

from __future__ import annotations

import os
from datetime import date, datetime as real_datetime, timezone

import wardsite.timeutil as timeutil

if os.environ.get("FAKE_TODAY"):
    _day = date.fromisoformat(os.environ["FAKE_TODAY"])
    _now = real_datetime.now(timeutil.WARD_TZ)
    _shift = real_datetime.combine(_day, _now.time(), tzinfo=timeutil.WARD_TZ) - real_datetime.now(timezone.utc)

    class _MovedDatetime(real_datetime):
        @classmethod
        def now(cls, tz=None):
            return real_datetime.now(tz) + _shift

    timeutil.datetime = _MovedDatetime
