from datetime import datetime, timezone

from wardsite.timeutil import format_date, format_datetime, from_local


def test_times_are_shown_in_the_ward_time_zone():
    assert format_datetime(datetime(2026, 1, 31, 17, 30, tzinfo=timezone.utc)) == "01/02/2026 00:30"
    assert format_date(datetime(2026, 1, 31, 17, 30, tzinfo=timezone.utc)) == "01/02/2026"


def test_local_wall_clock_times_become_utc():
    assert from_local(datetime(2026, 3, 4, 7, 30)) == datetime(2026, 3, 4, 0, 30, tzinfo=timezone.utc)
