"""Stations (the one-stop counter and the e-stations), their opening hours,
closures and the host rotation between residential groups."""

from __future__ import annotations

from datetime import date, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db

STATION_KINDS = {
    "counter": _l("One-stop counter"),
    "estation": _l("E-station"),
}

# Monday first, as date.weekday() counts; the volunteers' availability and
# the roster's weekly shifts use the same names.
WEEKDAYS = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"), _l("Sunday")]


class Station(db.Model):
    """The one-stop counter or an e-station at a cultural house."""

    __tablename__ = "station"
    __table_args__ = {"info": {"page_cache": "stations"}}

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
        """Who hosts the station in the week of `day`: the latest host-rotation
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
    __table_args__ = {"info": {"page_cache": "stations"}}

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
    __table_args__ = {"info": {"page_cache": "stations"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")

    station: Mapped[Station] = relationship(back_populates="closures")


class StationHost(db.Model):
    """Host rotation: from `week_start` on, the e-station sits at this group's cultural house."""

    __tablename__ = "station_host"
    __table_args__ = (UniqueConstraint("station_id", "week_start"), {"info": {"page_cache": "stations"}})

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)  # a Monday
    residential_group_id: Mapped[int] = mapped_column(ForeignKey("residential_group.id", ondelete="CASCADE"))

    station: Mapped[Station] = relationship(back_populates="hosts")
    residential_group: Mapped[ResidentialGroup] = relationship()


class WardDay(db.Model):
    """The leader's entry on the ward calendar for one day: closed (a
    ward-wide closure, e.g. a compensatory day off) or, for one of the usual
    public holidays (`holidays.default_holidays`), open after all. No shift
    template generates through a closed day, mobile teams included; a shift
    added by hand (a campaign) may still be put on it."""

    __tablename__ = "ward_day"
    __table_args__ = {"info": {"page_cache": "stations"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    closed: Mapped[bool] = mapped_column(default=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
