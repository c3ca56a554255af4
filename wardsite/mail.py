"""Outgoing messages: the outbox every area queues into. A message is queued
once per dedupe key, in the caller's transaction, and never sent by the
request: the worker (`flask --app wardsite notify worker`,
wardsite/notify/worker.py) claims due messages and sends them on their
channel (e-mail, Zalo ZNS, SMS, the log) with retries and backoff.

Each message has a status: queued (waiting, or waiting for its next attempt),
sending (claimed by a worker until `claimed_until`), sent, delivered (where
the provider reports it) or failed (with the provider's error). The dedupe key
is also the idempotency key given to the provider (as eSMS's RequestId, Zalo's
tracking_id), so a retry after a crash is recognised as the same message.
Leaders read the log at /quan-tri/hop-thu.
"""

from __future__ import annotations

import json
import smtplib  # noqa: F401  (tests patch wardsite.mail.smtplib.SMTP; EmailChannel uses the same module)
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import Boolean, Index, Integer, String, Text, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from wardsite.extensions import db
from wardsite.timeutil import UTCDateTime, utcnow

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
DELIVERED = "delivered"
FAILED = "failed"
# A worker stopped after handing the message to a provider that does not drop
# a repeated request (Zalo's own API): it may or may not have gone. Never sent
# again by itself; a delivery report makes it delivered, a leader may resend it.
UNCERTAIN = "uncertain"
STATUSES = (QUEUED, SENDING, SENT, DELIVERED, UNCERTAIN, FAILED)
IN_FLIGHT = "(in flight)"  # provider_id while such a provider is being asked
ERASED = "(đã xóa)"


class OutboxMessage(db.Model):
    """A message to send, or sent. The dedupe key makes sure the same message
    is never queued twice, and is the idempotency key the provider sees."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"), {"info": {"page_cache": None}})  # no public page shows it

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Delivery, by the worker.
    channel: Mapped[str] = mapped_column(String(20), default="email", server_default="email")
    kind: Mapped[str | None] = mapped_column(String(40))  # a notify.templates kind, for Zalo and SMS
    params: Mapped[str | None] = mapped_column(Text)  # its parameters, JSON
    status: Mapped[str] = mapped_column(String(12), default=QUEUED, server_default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str] = mapped_column(String(500), default="", server_default="")
    provider_id: Mapped[str] = mapped_column(String(100), default="", server_default="")
    cost: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # đồng, once sent
    same_day: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")  # goes out in quiet hours
    resends: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def idempotency_key(self) -> str:
        """What the provider sees as the request id: the dedupe key, and a new
        one for each resend a leader asks for."""
        return self.dedupe_key if not self.resends else f"{self.dedupe_key}:r{self.resends}"

    @property
    def parameters(self) -> dict:
        return json.loads(self.params) if self.params else {}


def latest(limit: int = 200, status: str | None = None) -> list[OutboxMessage]:
    """The newest messages first, for the message log."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(db.session.scalars(query))


def monthly_counts(months: int = 12) -> list[tuple[str, str, int, int]]:
    """(yyyy-mm, channel, messages sent, cost in đồng) for the last months, newest first."""
    if db.engine.dialect.name == "postgresql":
        month = func.to_char(OutboxMessage.sent_at, "YYYY-MM")
    else:
        month = func.strftime("%Y-%m", OutboxMessage.sent_at)
    rows = db.session.execute(
        select(month.label("month"), OutboxMessage.channel, func.count(), func.coalesce(func.sum(OutboxMessage.cost), 0))
        .where(OutboxMessage.status.in_((SENT, DELIVERED)), OutboxMessage.sent_at.is_not(None))
        .group_by(month, OutboxMessage.channel).order_by(month.desc(), OutboxMessage.channel)
    ).all()
    recent = sorted({row[0] for row in rows}, reverse=True)[:months]
    return [(m, channel, count, cost) for m, channel, count, cost in rows if m in recent]


def ward_language():
    """Messages go out in the ward's language, whoever triggers them."""
    return force_locale(current_app.config["BABEL_DEFAULT_LOCALE"])


def _queue(message: OutboxMessage) -> OutboxMessage | None:
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == message.dedupe_key)) is not None:
        return None
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return None  # queued by someone else in the meantime
    return message


def queue_message(recipient: str, subject: str, body: str, dedupe_key: str, send_now: bool = True) -> OutboxMessage | None:
    """Queue an e-mail once per `dedupe_key` (None if it was queued before), in
    the caller's transaction. The worker sends it once that has committed;
    `send_now` is kept for the callers and means nothing any more."""
    return _queue(OutboxMessage(recipient=recipient, subject=subject, body=body, dedupe_key=dedupe_key,
                                channel="email", next_attempt_at=utcnow()))


def queue_notice(kind: str, phone: str, params: dict, dedupe_key: str, channel: str = "zalo",
                 same_day: bool = False) -> OutboxMessage | None:
    """Queue a template message (notify.templates) to a phone number over
    Zalo ZNS (`channel` "zalo"; the worker falls back to SMS for a number
    without Zalo) or SMS ("sms"). `same_day`: about today, so quiet hours do not hold it."""
    from wardsite.notify import templates

    values = templates.kind(kind).values(params)
    return _queue(OutboxMessage(recipient=phone, subject=templates.render_subject(kind, values)[:200],
                                body=templates.render(kind, values), dedupe_key=dedupe_key, channel=channel,
                                kind=kind, params=json.dumps(values, ensure_ascii=False), same_day=same_day,
                                next_attempt_at=utcnow()))


def send_unstored_email(recipient: str, subject: str, body: str, stored_body: str,
                        dedupe_key: str) -> OutboxMessage | None:
    """An e-mail whose body must never be kept (a password-reset link, which
    leaders reading the outbox could use): sent over SMTP at once by the
    caller, never by the worker, and logged in the outbox with `stored_body`
    and what came of it. None without a mail server or if sent before."""
    from wardsite.notify.channels import EmailChannel

    channel = EmailChannel.from_config(current_app.config)
    if channel is None or db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None:
        return None
    result = channel.send_email(recipient, subject, body)
    return _queue(OutboxMessage(
        recipient=recipient, subject=subject, body=stored_body, dedupe_key=dedupe_key, channel="email",
        status=SENT if result.ok else FAILED, attempts=1, next_attempt_at=None,
        sent_at=utcnow() if result.ok else None, provider_id=result.provider_id[:100],
        error="" if result.ok else result.describe()[:500]))


def send_queued(messages: list[OutboxMessage]) -> None:
    """Nothing: the worker sends queued messages. Kept for the callers."""


def can_resend(message: OutboxMessage) -> bool:
    """Not to an erased recipient, nor a one-time code (masked once sent:
    the resident asks for a new one)."""
    from wardsite.notify.templates import SECRET_KINDS

    return message.recipient != ERASED and message.kind not in SECRET_KINDS


def resend(message: OutboxMessage) -> None:
    """A leader's resend: queued again at once, with a new idempotency key so
    that the provider sends it again rather than dropping a duplicate."""
    if not can_resend(message):
        return
    message.resends += 1
    message.status, message.next_attempt_at, message.claim_token, message.claimed_until = QUEUED, utcnow(), None, None
    message.error = ""


def resident_key(visit_id: int) -> str:
    """The start of the dedupe key of every message to a booking's resident."""
    return f"visit-resident:{visit_id}:"


def stop_queued(key_prefix: str) -> int:
    """A resident stopped messages: what is still queued for them is not sent."""
    result = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(key_prefix, autoescape=True),
                                    OutboxMessage.status == QUEUED)
        .values(status=FAILED, error="stopped by the resident").execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def erase_recipient(phone: str, key_prefix: str | None = None) -> int:
    """The purge: a resident's phone number leaves every queued and sent
    message (only those whose dedupe key starts with `key_prefix`, when given)."""
    if not phone:
        return 0
    where = [OutboxMessage.recipient == phone]
    if key_prefix:
        where.append(OutboxMessage.dedupe_key.startswith(key_prefix, autoescape=True))
    result = db.session.execute(
        update(OutboxMessage).where(*where)
        .values(recipient=ERASED)
        .execution_options(synchronize_session=False)
    )
    # a queued one can no longer go anywhere
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.recipient == ERASED, OutboxMessage.status.in_((QUEUED, SENDING)))
        .values(status=FAILED, error="erased").execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def erase_recipient_before(key_prefix: str, before: datetime) -> int:
    """The purge: the phone number leaves the messages whose dedupe key starts
    with `key_prefix` queued before `before` (one-time codes)."""
    result = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(key_prefix, autoescape=True),
                                    OutboxMessage.created_at < before, OutboxMessage.recipient != ERASED)
        .values(recipient=ERASED).execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.recipient == ERASED, OutboxMessage.status.in_((QUEUED, SENDING)))
        .values(status=FAILED, error="erased").execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
