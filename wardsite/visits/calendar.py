"""A resident's booking as a calendar file (.ics): the visit's time, their own
address, the code to give the team, and the warning that volunteers never ask
for passwords or OTP codes. Offered on the confirmation and booking pages, to
the browser that holds the booking only (booking.own_visit)."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Event

from wardsite.timeutil import WARD_TZ, to_local, utcnow
from wardsite.urls import absolute_url_for
from wardsite.visits.models import CONFIRMED, Visit


def visit_ics(visit: Visit, ward_name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//wardsite//home guidance visit//VI")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"visit-{visit.code}@wardsite")
    event.add("dtstamp", utcnow())
    event.add("dtstart", to_local(visit.slot_start).astimezone(WARD_TZ))
    event.add("dtend", to_local(visit.slot_end).astimezone(WARD_TZ))
    event.add("summary", _("Volunteers come to help with online public services (code %(code)s)", code=visit.code))
    if visit.address:
        event.add("location", visit.address)
    event.add("description", "\n".join((
        _("Booking code: %(code)s.", code=visit.code),
        _("Volunteers never ask for your passwords or OTP codes, and never ask for money."),
        _("Move or cancel: %(link)s", link=absolute_url_for("visits.manage", code=visit.code)),
        ward_name,
    )))
    event.add("status", "CONFIRMED" if visit.status == CONFIRMED else "TENTATIVE")
    reminder = Alarm()
    reminder.add("action", "DISPLAY")
    reminder.add("description", _("Volunteers come to help with online public services (code %(code)s)", code=visit.code))
    reminder.add("trigger", -timedelta(hours=2))
    event.add_component(reminder)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
