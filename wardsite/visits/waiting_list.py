"""The waiting list: residents who found no free time leave their name,
phone, residential group and the times that suit them, with their consent,
and ask to be called back. Leaders see the list in order of arrival and call;
an entry is deleted once the leader has called (its purpose is done), and by
`purge` after VISIT_WAITING_DAYS at the latest. No personal data leaves the
site: the leaders' notice says only that someone is waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from wardsite import mail
from wardsite.accounts.models import User, UserRole
from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.timeutil import utcnow
from wardsite.urls import absolute_url_for
from wardsite.visits.models import WaitingEntry
from wardsite.visits.services import usable_token


@dataclass
class WaitingDetails:
    full_name: str
    phone: str
    residential_group_id: int
    suitable_times: str = ""


def keep_days() -> int:
    return int(current_app.config["VISIT_WAITING_DAYS"])


def join(details: WaitingDetails, token: str | None) -> WaitingEntry:
    """Put the resident on the list, once: the same form sent twice, or the same
    phone number already waiting, gives the entry already there."""
    token = usable_token(token)
    existing = db.session.scalar(select(WaitingEntry).where(WaitingEntry.form_token == token)) if token else None
    existing = existing or db.session.scalar(select(WaitingEntry).where(WaitingEntry.phone == details.phone))
    if existing is not None:
        return existing
    entry = WaitingEntry(
        full_name=details.full_name, phone=details.phone, residential_group_id=details.residential_group_id,
        suitable_times=details.suitable_times, consent_at=utcnow(), form_token=token,
    )
    db.session.add(entry)
    try:
        db.session.flush()
        notices = _notify_leaders(entry)
        db.session.commit()
    except IntegrityError:  # the same form, sent twice at once
        db.session.rollback()
        return db.session.scalar(select(WaitingEntry).where(WaitingEntry.form_token == token))
    mail.send_queued(notices)
    return entry


def _notify_leaders(entry: WaitingEntry) -> list:
    leaders = db.session.scalars(
        select(User).join(UserRole).where(User.active.is_(True), UserRole.role == "leader").order_by(User.id)
    ).all()
    link = absolute_url_for("visits.admin_waiting")
    subject = _("A resident is waiting for a home visit")
    body = _("A resident found no free time and asked to be called back.\n\n"
             "People waiting: %(count)s\n\nThe list: %(link)s", count=waiting_count(), link=link)
    queued = (
        mail.queue_message(leader.email, subject, body, f"visit-waiting:{entry.id}:{leader.id}", send_now=False)
        for leader in leaders
    )
    return [message for message in queued if message is not None]


def waiting_entries() -> list[WaitingEntry]:
    """First come, first called."""
    return list(db.session.scalars(select(WaitingEntry).order_by(WaitingEntry.created_at, WaitingEntry.id)))


def waiting_count() -> int:
    return db.session.scalar(select(func.count()).select_from(WaitingEntry)) or 0


def called_back(entry: WaitingEntry) -> None:
    """The leader has called: the entry's purpose is done, so it is deleted."""
    record_audit("visit.waiting_called", None, f"#{entry.id}")
    db.session.delete(entry)
    db.session.commit()


def purge(now: datetime | None = None) -> int:
    """Delete entries older than VISIT_WAITING_DAYS. Idempotent."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days())
    count = db.session.execute(delete(WaitingEntry).where(WaitingEntry.created_at < cutoff)).rowcount or 0
    if count:
        record_audit("visit.waiting_purged", None, f"{count}", user=False)
    db.session.commit()
    return count
