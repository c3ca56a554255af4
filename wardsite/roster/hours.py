"""Hours on duty, counted from attendance: the one count behind the leader's
hours page, its CSV file and the volunteer hours of the ward's report."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from wardsite import mail
from wardsite.extensions import db
from wardsite.roster.models import Assignment, Shift
from wardsite.roster.shifts import local_range
from wardsite.spreadsheets import csv_row
from wardsite.volunteers.models import Volunteer


class VolunteerHours(NamedTuple):
    volunteer: Volunteer
    shifts: int  # shifts attended
    hours: float  # their hours, to the hundredth


def _shift_hours():
    """A shift's length in hours, in the database's own date arithmetic."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(Shift.ends_at) - func.julianday(Shift.starts_at)) * 24
    return func.extract("epoch", Shift.ends_at - Shift.starts_at) / 3600


def attended_hours(start: date, end: date) -> list[VolunteerHours]:
    """Each volunteer's shifts and hours from `start` to `end` (ward dates,
    inclusive) where they were marked present, cancelled shifts left out;
    most hours first."""
    first, last = local_range(start, end)
    hours = func.sum(_shift_hours())
    grouped = db.session.execute(
        select(Volunteer, func.count(Assignment.id), hours)
        .select_from(Assignment)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Volunteer, Volunteer.id == Assignment.volunteer_id)
        # Only the names and branches are shown: not their availability.
        .options(lazyload(Volunteer.availability), lazyload(Volunteer.dates_away))
        .where(Assignment.attendance == "present", Shift.cancelled.is_(False), Shift.starts_at >= first, Shift.starts_at < last)
        .group_by(Volunteer.id)
        .order_by(hours.desc(), Volunteer.name)
    ).all()
    return [VolunteerHours(volunteer, int(count), round(float(total), 2)) for volunteer, count, total in grouped]


def hours_by_month(year: int, month: int) -> list[VolunteerHours]:
    """The hours page: one month, by volunteer name."""
    start = date(year, month, 1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return sorted(attended_hours(start, end), key=lambda row: row.volunteer.name)


def hours_csv(year: int, month: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    with mail.ward_language():
        writer.writerow([_("Volunteer"), _("Youth-union branch"), _("Month"), _("Shifts attended"), _("Hours")])
    for volunteer, shifts, hours in hours_by_month(year, month):
        writer.writerow(csv_row([volunteer.name, volunteer.branch, f"{month:02d}/{year}", shifts, f"{hours:.1f}"]))
    return out.getvalue()
