"""Outgoing messages: the outbox every area queues into, and sending over SMTP
(wardsite.notify.channels.EmailChannel).

A message is queued once per dedupe key, in the caller's transaction, and sent
at once when MAIL_SERVER is set; otherwise it waits in the outbox, which
leaders read at /quan-tri/hop-thu.
"""

from __future__ import annotations

import smtplib  # noqa: F401  (tests patch wardsite.mail.smtplib.SMTP; EmailChannel uses the same module)
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from wardsite.extensions import db
from wardsite.notify.channels import EmailChannel
from wardsite.timeutil import UTCDateTime, utcnow


class OutboxMessage(db.Model):
    """An e-mail to send, or sent. The dedupe key makes sure the same message
    is never queued twice."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def latest(limit: int = 200) -> list[OutboxMessage]:
    """The newest messages first, for the outbox page."""
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)))


def ward_language():
    """Messages go out in the ward's language, whoever triggers them."""
    return force_locale(current_app.config["BABEL_DEFAULT_LOCALE"])


def queue_message(recipient: str, subject: str, body: str, dedupe_key: str, send_now: bool = True) -> OutboxMessage | None:
    """Queue an e-mail once per `dedupe_key` (None if it was queued before) and
    send it at once over SMTP when MAIL_SERVER is set; otherwise it waits in
    the outbox, where staff can read it. With send_now=False the caller sends
    it with send_queued() after its own transaction has committed."""
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None:
        return None
    message = OutboxMessage(recipient=recipient, subject=subject, body=body, dedupe_key=dedupe_key)
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return None  # queued by someone else in the meantime
    if send_now and current_app.config.get("MAIL_SERVER"):
        _send(message)
    return message


def send_queued(messages: list[OutboxMessage]) -> None:
    """Send messages queued with send_now=False, once their transaction has
    committed; one that cannot be sent stays in the outbox."""
    if not messages or not current_app.config.get("MAIL_SERVER"):
        return
    for message in messages:
        _send(message)
    db.session.commit()


def _send(message: OutboxMessage) -> None:
    channel = EmailChannel.from_config(current_app.config)
    if channel is None:
        return
    result = channel.send_email(message.recipient, message.subject, message.body)
    if not result.ok:
        current_app.logger.warning("mail to %s not sent: %s", message.recipient, result.error)
        return  # stays in the outbox, unsent
    message.sent_at = utcnow()
