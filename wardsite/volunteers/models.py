"""Stations, volunteers and their availability, shifts, assignments and swaps."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardsite.accounts.models import User
from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db
from wardsite.timeutil import UTCDateTime, to_local, utcnow

STATION_KINDS = {
    "counter": _l("One-stop counter"),
    "estation": _l("E-station"),
}

SHIFT_KINDS = {
    "counter": _l("Counter duty"),
    "estation": _l("E-station"),
    "mobile": _l("Mobile team"),
}
# Shifts where nobody new may be sent without an experienced member.
NEEDS_EXPERIENCED = frozenset({"estation", "mobile"})

WEEKDAYS = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"), _l("Sunday")]

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


class Station(db.Model):
    """The one-stop counter or an e-station at a cultural house."""

    __tablename__ = "station"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="estation")
    address: Mapped[str] = mapped_column(String(300), default="")
    residential_group_id: Mapped[int | None] = mapped_column(ForeignKey("residential_group.id", ondelete="SET NULL"))
    equipment: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    residential_group: Mapped[ResidentialGroup | None] = relationship()
    hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="station", cascade="all, delete-orphan", order_by="(OpeningHours.weekday, OpeningHours.opens)"
    )
    closures: Mapped[list[Closure]] = relationship(
        back_populates="station", cascade="all, delete-orphan", order_by="Closure.start_date"
    )
    hosts: Mapped[list[StationHost]] = relationship(
        back_populates="station", cascade="all, delete-orphan", order_by="StationHost.week_start"
    )

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        return str(STATION_KINDS.get(self.kind, self.kind))

    def hours_on(self, day: date) -> list[OpeningHours]:
        if self.closure_on(day) is not None:
            return []
        return [row for row in self.hours if row.weekday == day.weekday()]

    def closure_on(self, day: date) -> Closure | None:
        return next((c for c in self.closures if c.start_date <= day <= c.end_date), None)

    def host_on(self, day: date) -> ResidentialGroup | None:
        """Who hosts the station in the week of `day`: the latest rotation
        entry at or before that week, else the station's own group."""
        week = day - timedelta(days=day.weekday())
        current = None
        for entry in self.hosts:
            if entry.week_start <= week:
                current = entry
        return current.residential_group if current else self.residential_group

    def address_on(self, day: date) -> str:
        host = self.host_on(day)
        if host is not None and host is not self.residential_group and host.cultural_house_address:
            return host.cultural_house_address
        return self.address


class OpeningHours(db.Model):
    __tablename__ = "station_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column()  # Monday is 0
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    station: Mapped[Station] = relationship(back_populates="hours")

    @property
    def weekday_label(self) -> str:
        return str(WEEKDAYS[self.weekday])


class Closure(db.Model):
    """Days a station is closed, such as Tết."""

    __tablename__ = "station_closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")

    station: Mapped[Station] = relationship(back_populates="closures")


class StationHost(db.Model):
    """From `week_start` on, the e-station sits at this group's cultural house."""

    __tablename__ = "station_host"
    __table_args__ = (UniqueConstraint("station_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)  # a Monday
    residential_group_id: Mapped[int] = mapped_column(ForeignKey("residential_group.id", ondelete="CASCADE"))

    station: Mapped[Station] = relationship(back_populates="hosts")
    residential_group: Mapped[ResidentialGroup] = relationship()


class Volunteer(db.Model):
    __tablename__ = "volunteer"

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
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), unique=True)
    card_code: Mapped[str] = mapped_column(String(20), unique=True, default=new_card_code)
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_calendar_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    residential_group: Mapped[ResidentialGroup | None] = relationship()
    user: Mapped[User | None] = relationship()
    availability: Mapped[list[Availability]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    dates_away: Mapped[list[DateAway]] = relationship(
        cascade="all, delete-orphan", order_by="DateAway.start_date", lazy="selectin"
    )

    def __str__(self) -> str:
        return self.name

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

    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True)
    weekday: Mapped[int] = mapped_column(primary_key=True)
    part: Mapped[str] = mapped_column(String(10), primary_key=True)


class DateAway(db.Model):
    __tablename__ = "volunteer_away"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")


class ShiftTemplate(db.Model):
    """A weekly shift, e.g. the counter on Mondays 07:30–11:30."""

    __tablename__ = "shift_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column()
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    seats: Mapped[int] = mapped_column(default=1)

    station: Mapped[Station | None] = relationship()

    @property
    def kind_label(self) -> str:
        return str(SHIFT_KINDS.get(self.kind, self.kind))

    @property
    def weekday_label(self) -> str:
        return str(WEEKDAYS[self.weekday])


class Shift(db.Model):
    __tablename__ = "shift"
    __table_args__ = (Index("ix_shift_starts_at", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seats: Mapped[int] = mapped_column(default=1)
    cancelled: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("shift_template.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(200), default="")

    station: Mapped[Station | None] = relationship()
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="shift", cascade="all, delete-orphan", order_by="Assignment.id", lazy="selectin"
    )

    @property
    def kind_label(self) -> str:
        return str(SHIFT_KINDS.get(self.kind, self.kind))

    @property
    def local_day(self) -> date:
        return to_local(self.starts_at).date()

    @property
    def time_range(self) -> str:
        """"07:30–11:30" in the ward's time."""
        return f"{to_local(self.starts_at):%H:%M}–{to_local(self.ends_at):%H:%M}"

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600

    @property
    def free_seats(self) -> int:
        return max(0, self.seats - len(self.assignments))

    @property
    def place(self) -> str:
        if self.station is None:
            return str(SHIFT_KINDS["mobile"])
        return self.station.name

    def overlaps(self, other: Shift) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at

    def can_mark_attendance(self, user) -> bool:
        """Leaders, or a volunteer on this shift's own team."""
        if not user.is_authenticated:
            return False
        if user.has_role("leader"):
            return True
        return any(a.volunteer.user_id == user.id for a in self.assignments)


class Assignment(db.Model):
    """A volunteer in a seat of a shift. Manual ones are pinned: the automatic
    rostering never moves them."""

    __tablename__ = "shift_assignment"
    __table_args__ = (UniqueConstraint("shift_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True)
    pinned: Mapped[bool] = mapped_column(default=False)
    attendance: Mapped[str | None] = mapped_column(String(10))  # None, "present" or "absent"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shift: Mapped[Shift] = relationship(back_populates="assignments")
    volunteer: Mapped[Volunteer] = relationship(lazy="joined")


class SwapOffer(db.Model):
    """A volunteer offers their seat; another eligible volunteer takes it."""

    __tablename__ = "shift_swap"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id", ondelete="CASCADE"), index=True)
    from_volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"))
    to_volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open, taken, withdrawn
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    shift: Mapped[Shift] = relationship()
    from_volunteer: Mapped[Volunteer] = relationship(foreign_keys=[from_volunteer_id])
    to_volunteer: Mapped[Volunteer | None] = relationship(foreign_keys=[to_volunteer_id])
