"""The audit log: who changed what, when, and which record. Admins read it."""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wardsite.extensions import db
from wardsite.timeutil import UTCDateTime, utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_at", "at"), {"info": {"page_cache": None}})  # no public page shows it

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The name is kept as it was, so the entry still reads right after the
    # account is renamed or deleted.
    user_name: Mapped[str] = mapped_column(String(120), default="")
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(60), default="")
    target_id: Mapped[str] = mapped_column(String(60), default="")
    summary: Mapped[str] = mapped_column(Text, default="")


def record_audit(action: str, target=None, summary: str = "", user=None) -> AuditEntry:
    """Add an entry to the session; it is committed with the change it describes.

    `user` defaults to whoever is signed in; pass False for the command line.
    """
    if user is None:
        user = current_user if has_request_context() else False
    entry = AuditEntry(action=action, summary=summary)
    if user is not None and getattr(user, "is_authenticated", False):
        entry.user_id = user.id
        entry.user_name = user.name
    else:
        entry.user_name = ""  # shown as "System"
    if target is not None:
        entry.target_type = type(target).__name__
        entry.target_id = str(getattr(target, "id", "") or "")
    db.session.add(entry)
    return entry
