"""Volunteers, their weekly availability and dates away."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardsite.accounts.models import User
from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db
from wardsite.timeutil import UTCDateTime, to_local, utcnow

# Parts of the day for availability: (name, label, first hour, end hour).
DAY_PARTS = {
    "morning": (_l("Morning"), 0, 12),
    "afternoon": (_l("Afternoon"), 12, 18),
    "evening": (_l("Evening"), 18, 24),
}

SKILLS = {
    "vneid": "VNeID",
    "ho_tich": "Hộ tịch",
    "chung_thuc": "Chứng thực",
    "dat_dai": "Đất đai",
    "cu_tru": "Cư trú",
}

DEFAULT_MAX_SHIFTS_PER_WEEK = 2

# How a volunteer is told about their shifts (Volunteer.notify_by).
NOTIFY_CHOICES = {
    "email": _l("By e-mail"),
    "zalo": _l("By Zalo"),
    "sms": _l("By SMS"),
    "none": _l("Not at all (I look at my page)"),
}


def new_card_code() -> str:
    # Short enough to type from a card, long enough not to be guessed.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


def day_parts(start: datetime, end: datetime) -> set[tuple[int, str]]:
    """The (weekday, part) cells that a shift touches, in the ward's time."""
    local_start, local_end = to_local(start), to_local(end)
    cells = set()
    day = local_start.date()
    while day <= local_end.date():
        for part, (_label, first, last) in DAY_PARTS.items():
            part_start = datetime.combine(day, time(first), local_start.tzinfo)
            part_end = datetime.combine(day, time(0), local_start.tzinfo) + timedelta(hours=last)
            if local_start < part_end and part_start < local_end:
                cells.add((day.weekday(), part))
        day += timedelta(days=1)
    return cells


class Volunteer(db.Model):
    __tablename__ = "volunteer"
    __table_args__ = {"info": {"page_cache": "people"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(15), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    branch: Mapped[str] = mapped_column(String(120), default="")
    residential_group_id: Mapped[int | None] = mapped_column(ForeignKey("residential_group.id", ondelete="SET NULL"))
    skills_text: Mapped[str] = mapped_column(String(200), default="")  # skill keys, comma-separated
    experienced: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    max_shifts_per_week: Mapped[int] = mapped_column(default=DEFAULT_MAX_SHIFTS_PER_WEEK)
    max_hours_per_week: Mapped[int | None] = mapped_column()  # None: no limit in hours
    max_hours_per_month: Mapped[int | None] = mapped_column()
    # One letter a weekday, Monday first: "p" rather serve, "a" rather avoid,
    # "." no wish; "" none at all. Soft: the fill follows them when that
    # costs no seat and no fairness.
    day_preferences: Mapped[str] = mapped_column(String(7), default="", server_default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), unique=True)
    card_code: Mapped[str] = mapped_column(String(20), unique=True, default=new_card_code)
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_calendar_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # email, zalo, sms or none; "email" (the default) reaches only those with an address.
    notify_by: Mapped[str] = mapped_column(String(10), default="email", server_default="email")

    residential_group: Mapped[ResidentialGroup | None] = relationship()
    user: Mapped[User | None] = relationship()
    availability: Mapped[list[Availability]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    dates_away: Mapped[list[DateAway]] = relationship(
        cascade="all, delete-orphan", order_by="DateAway.start_date", lazy="selectin"
    )

    def __str__(self) -> str:
        return self.name

    def _days_marked(self, letter: str) -> frozenset[int]:
        return frozenset(day for day, mark in enumerate(self.day_preferences or "") if mark == letter)

    @property
    def preferred_days(self) -> frozenset[int]:
        return self._days_marked("p")

    @property
    def avoided_days(self) -> frozenset[int]:
        return self._days_marked("a")

    def set_day_preferences(self, preferred, avoided) -> None:
        marks = ["p" if day in preferred else "a" if day in avoided else "." for day in range(7)]
        self.day_preferences = "" if set(marks) == {"."} else "".join(marks)

    @property
    def skills(self) -> list[str]:
        return [key for key in self.skills_text.split(",") if key]

    @skills.setter
    def skills(self, keys) -> None:
        self.skills_text = ",".join(key for key in SKILLS if key in set(keys))

    @property
    def skill_labels(self) -> list[str]:
        return [SKILLS[key] for key in self.skills if key in SKILLS]

    @property
    def weekly_cells(self) -> set[tuple[int, str]]:
        return {(row.weekday, row.part) for row in self.availability}

    def set_weekly_cells(self, cells) -> None:
        wanted = set(cells)
        self.availability = [row for row in self.availability if (row.weekday, row.part) in wanted]
        for weekday, part in sorted(wanted - self.weekly_cells):
            self.availability.append(Availability(weekday=weekday, part=part))

    @property
    def message_channel(self) -> str | None:
        """Where the roster's messages go: "email", "zalo" or "sms"; None when
        they chose none, or when the chosen channel has no address to reach."""
        if self.notify_by in ("zalo", "sms"):
            return self.notify_by if self.phone else None
        if self.notify_by == "none":
            return None
        return "email" if self.email else None

    def away_on(self, day: date) -> bool:
        return any(away.start_date <= day <= away.end_date for away in self.dates_away)

    def can_edit(self, user) -> bool:
        """Leaders edit anyone; a volunteer edits their own availability."""
        if not user.is_authenticated:
            return False
        return user.has_role("leader") or (self.user_id is not None and self.user_id == user.id)


class Availability(db.Model):
    """One cell of the weekly pattern: weekday × part of the day."""

    __tablename__ = "volunteer_availability"
    __table_args__ = {"info": {"page_cache": None}}  # no public page shows it

    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True)
    weekday: Mapped[int] = mapped_column(primary_key=True)
    part: Mapped[str] = mapped_column(String(10), primary_key=True)


class DateAway(db.Model):
    __tablename__ = "volunteer_away"
    __table_args__ = {"info": {"page_cache": None}}  # no public page shows it

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
