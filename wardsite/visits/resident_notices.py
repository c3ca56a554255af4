"""Messages to the resident about their own booking, over the channel they
chose on the booking form (Zalo or SMS; none: they look it up), queued in the
caller's transaction for the notify worker (wardsite/notify/worker.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from wardsite import mail
from wardsite.extensions import db
from wardsite.timeutil import from_local, local_today, to_local, utcnow
from wardsite.urls import absolute_url_for
from wardsite.visits.models import ACTIVE, Visit


def notify(visit: Visit, kind: str, occasion: str = "") -> None:
    """Queue a message to the resident (notify.templates `kind`: visit_received,
    visit_confirmed, visit_changed…) over the channel they chose, in the
    caller's transaction; nothing if they chose none or stopped messages. It
    carries only what the resident already has: the code, the time and a link
    to the lookup page (to the booking form for a cancelled visit). One
    message per kind and time; `occasion` tells apart two changes of one time."""
    if visit.notify_by not in ("zalo", "sms") or not visit.phone:
        return
    start = to_local(visit.slot_start)
    if kind == "visit_cancelled":
        link = absolute_url_for("visits.book")
    elif kind == "visit_rate":  # the lookup with the code filled in; the rating form is on the booking's page
        link = absolute_url_for("visits.lookup", ma=visit.code)
    else:
        link = absolute_url_for("visits.lookup")
    params = {"code": visit.code, "time": f"{start:%H:%M}", "date": f"{start:%d/%m/%Y}", "link": link}
    key = f"{mail.resident_key(visit.id)}{kind}:{visit.slot_start:%Y%m%d%H%M}{':' + occasion if occasion else ''}"
    # A change today goes out even in quiet hours; thanks and a rating link can wait for the morning.
    urgent = start.date() == local_today() and kind != "visit_rate"
    mail.queue_notice(kind, visit.phone, params, key, channel=visit.notify_by, same_day=urgent)


def visit_done(visit: Visit) -> None:
    """The visit closed as done: the link to rate it, if the resident chose
    Zalo or SMS (and has not rated it yet)."""
    if visit.can_rate():
        notify(visit, "visit_rate")


def stop_messages(visit: Visit) -> None:
    """The resident stops messages from the lookup page."""
    visit.notify_by = "none"
    mail.stop_queued(mail.resident_key(visit.id))
    db.session.commit()


def changed(visit: Visit) -> None:
    """The ward changed the visit's time or team."""
    notify(visit, "visit_changed", f"{utcnow():%Y%m%d%H%M%S}")


def remind(day: date | None = None) -> int:
    """The reminder the evening before: every active booking on `day`
    (tomorrow) whose resident chose Zalo or SMS, once each (`flask --app
    wardsite remind-residents`, from cron in the early evening)."""
    day = day or local_today() + timedelta(days=1)
    start = from_local(datetime.combine(day, time()))
    due = db.session.scalars(select(Visit).where(
        Visit.status.in_(ACTIVE), Visit.purged_at.is_(None), Visit.notify_by.in_(("zalo", "sms")),
        Visit.slot_start >= start, Visit.slot_start < start + timedelta(days=1))).all()
    before = db.session.scalar(select(func.count()).select_from(mail.OutboxMessage))
    for visit in due:
        notify(visit, "visit_reminder")
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(mail.OutboxMessage)) - before
