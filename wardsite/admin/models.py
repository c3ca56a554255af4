"""The ward itself: its settings (name, address, contacts) and its residential groups."""

from __future__ import annotations

from datetime import datetime

from flask import g
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wardsite.extensions import db
from wardsite.timeutil import UTCDateTime, utcnow

PORTAL_URL = "https://dichvucong.gov.vn"


class WardSettings(db.Model):
    """The ward's own details, one row, edited by admins in the browser."""

    __tablename__ = "ward_settings"
    __table_args__ = {"info": {"page_cache": "ward"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="Phường của bạn")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    opening_hours: Mapped[str] = mapped_column(
        Text, default="Thứ Hai – Thứ Sáu: 07:30–11:30, 13:00–17:00"
    )
    portal_url: Mapped[str] = mapped_column(String(300), default=PORTAL_URL)
    logo_filename: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __init__(self, **values):
        # Column defaults apply only on INSERT; a fresh site shows them before
        # anyone has saved the settings.
        for column in self.__table__.columns:
            if column.key not in values and column.default is not None and column.default.is_scalar:
                values[column.key] = column.default.arg
        super().__init__(**values)

    @classmethod
    def current(cls) -> WardSettings:
        """The settings, read once per request; a fresh database gets defaults."""
        if "ward_settings" not in g:
            settings = db.session.get(cls, 1)
            if settings is None:
                settings = cls(id=1)
            g.ward_settings = settings
        return g.ward_settings

    @property
    def opening_lines(self) -> list[str]:
        return [line.strip() for line in self.opening_hours.splitlines() if line.strip()]


class ResidentialGroup(db.Model):
    """A tổ dân phố: a neighbourhood of the ward with its cultural house."""

    __tablename__ = "residential_group"
    __table_args__ = {"info": {"page_cache": "ward"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    cultural_house_address: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)

    def __str__(self) -> str:
        return self.name
