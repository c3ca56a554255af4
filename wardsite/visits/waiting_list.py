"""The waiting list: residents who found no free time leave their name,
phone, residential group and the times that suit them, with their consent,
and ask to be called back. Leaders see the list in order of arrival and call;
an entry is deleted once the leader has called (its purpose is done), once
the resident has taken a freed seat offered to them (see `offers`), and by
`purge` after VISIT_WAITING_DAYS at the latest, with its offers. No personal data leaves the
site: the leaders' notice says only that someone is waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wardsite import mail
from wardsite.accounts.models import User, UserRole
from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.timeutil import utcnow
from wardsite.urls import absolute_url_for
from wardsite.visits.models import DAY_PARTS, WaitingEntry, WaitingOffer
from wardsite.visits import services
from wardsite.visits.services import usable_token


@dataclass
class WaitingDetails:
    full_name: str
    phone: str
    residential_group_id: int
    suitable_times: str = ""
    weekdays: list[int] = field(default_factory=list)  # 0 = Monday; none: any day
    day_parts: list[str] = field(default_factory=list)  # see models.DAY_PARTS; none: any time


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
        weekdays=",".join(str(day) for day in sorted(set(details.weekdays))),
        day_parts=",".join(part for part in DAY_PARTS if part in details.day_parts),
    )
    db.session.add(entry)
    try:
        db.session.flush()
        notices = _notify_leaders(entry)
        db.session.commit()
    except IntegrityError:  # the same form, sent twice at once
        db.session.rollback()
        again = db.session.scalar(select(WaitingEntry).where(WaitingEntry.form_token == token)) if token else None
        return again or join(details, token)  # else the random code collided: once more
    mail.send_queued(notices)
    services.seat_freed()  # a time free now that suits them is offered at once
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
    """First come, first called; with their offers (the leaders' list shows the open one)."""
    return list(db.session.scalars(
        select(WaitingEntry).order_by(WaitingEntry.created_at, WaitingEntry.id)
        .options(selectinload(WaitingEntry.offers), selectinload(WaitingEntry.residential_group))
    ))


def entry_for_code(code: str) -> WaitingEntry | None:
    return db.session.scalar(select(WaitingEntry).where(WaitingEntry.code == code))


def position(entry: WaitingEntry) -> int:
    """Where the entry stands in line (1: first)."""
    before = select(func.count()).select_from(WaitingEntry).where(
        (WaitingEntry.created_at < entry.created_at)
        | ((WaitingEntry.created_at == entry.created_at) & (WaitingEntry.id < entry.id))
    )
    return (db.session.scalar(before) or 0) + 1


def waiting_count() -> int:
    return db.session.scalar(select(func.count()).select_from(WaitingEntry)) or 0


def called_back(entry: WaitingEntry) -> None:
    """The leader has called: the entry's purpose is done, so it is deleted."""
    record_audit("visit.waiting_called", None, f"#{entry.id}")
    held = entry.open_offer is not None
    db.session.delete(entry)  # with its offers
    db.session.commit()
    if held:
        services.seat_freed()


def purge(now: datetime | None = None) -> int:
    """Delete entries older than VISIT_WAITING_DAYS, and their offers. Idempotent."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days())
    old = select(WaitingEntry.id).where(WaitingEntry.created_at < cutoff)
    # The offers' messages lose the phone number, queued or sent.
    for phone, offer_id in db.session.execute(
        select(WaitingEntry.phone, WaitingOffer.id).join(WaitingOffer, WaitingOffer.entry_id == WaitingEntry.id)
        .where(WaitingEntry.created_at < cutoff)
    ):
        mail.erase_recipient(phone, f"visit-offer:{offer_id}")
    # Said, not left to ON DELETE CASCADE: a database without foreign keys keeps no offer either.
    db.session.execute(delete(WaitingOffer).where(WaitingOffer.entry_id.in_(old)))
    count = db.session.execute(delete(WaitingEntry).where(WaitingEntry.created_at < cutoff)).rowcount or 0
    if count:
        record_audit("visit.waiting_purged", None, f"{count}", user=False)
    db.session.commit()
    return count
