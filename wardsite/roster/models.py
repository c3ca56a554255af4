"""The roster's records: weekly shift templates, shifts, the volunteers in
their seats (assignments, with attendance), the leader's "not this shift"
exclusions and swap offers."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardsite.extensions import db
from wardsite.stations.models import WEEKDAYS, Station
from wardsite.timeutil import UTCDateTime, local_today, to_local, utcnow
from wardsite.volunteers.models import SKILLS, Volunteer

SHIFT_KINDS = {
    "counter": _l("Counter duty"),
    "estation": _l("E-station"),
    "mobile": _l("Mobile team"),
}


class ShiftTemplate(db.Model):
    """A weekly shift, e.g. the counter on Mondays 07:30–11:30."""

    __tablename__ = "shift_template"
    __table_args__ = {"info": {"page_cache": "roster"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column()
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    seats: Mapped[int] = mapped_column(default=1)
    # A key of volunteers.models.SKILLS every volunteer on the shift must have; "" for none.
    required_skill: Mapped[str] = mapped_column(String(100), default="", server_default="")

    station: Mapped[Station | None] = relationship()

    @property
    def kind_label(self) -> str:
        return str(SHIFT_KINDS.get(self.kind, self.kind))

    @property
    def weekday_label(self) -> str:
        return str(WEEKDAYS[self.weekday])


class Shift(db.Model):
    __tablename__ = "shift"
    __table_args__ = (Index("ix_shift_starts_at", "starts_at"), {"info": {"page_cache": "roster"}})

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
    required_skill: Mapped[str] = mapped_column(String(100), default="", server_default="")

    station: Mapped[Station | None] = relationship()
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="shift", cascade="all, delete-orphan", order_by="Assignment.id", lazy="selectin"
    )

    @property
    def kind_label(self) -> str:
        return str(SHIFT_KINDS.get(self.kind, self.kind))

    @property
    def required_skill_label(self) -> str:
        return SKILLS.get(self.required_skill, self.required_skill)

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

    @property
    def team_lead(self) -> Volunteer | None:
        """Who leads the team on the day: the experienced member longest on
        the shift, else whoever is; there is no separate appointment."""
        seats = sorted(self.assignments, key=lambda a: a.id or 0)
        lead = next((a for a in seats if a.volunteer.experienced), seats[0] if seats else None)
        return lead.volunteer if lead is not None else None

    def can_mark_attendance(self, user) -> bool:
        """Who came and who did not, for anyone on the team: leaders at any
        time, the shift's team lead from the shift's day on."""
        if not user.is_authenticated:
            return False
        if user.has_role("leader"):
            return True
        lead = self.team_lead
        return lead is not None and lead.user_id == user.id and self.local_day <= local_today()


class Assignment(db.Model):
    """A volunteer in a seat of a shift. Manual ones are pinned: the automatic
    rostering never moves them."""

    __tablename__ = "shift_assignment"
    __table_args__ = (UniqueConstraint("shift_id", "volunteer_id"), {"info": {"page_cache": "roster"}})

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"), index=True)
    pinned: Mapped[bool] = mapped_column(default=False)
    attendance: Mapped[str | None] = mapped_column(String(10))  # None, "present" or "absent"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shift: Mapped[Shift] = relationship(back_populates="assignments")
    volunteer: Mapped[Volunteer] = relationship(lazy="joined")

    def can_mark_arrival(self, user) -> bool:
        """A volunteer says they have arrived: only for their own seat, from the shift's day on."""
        return user.is_authenticated and self.volunteer.user_id == user.id and self.shift.local_day <= local_today()


class ShiftExclusion(db.Model):
    """The leader's "not this shift": a volunteer taken off a shift by hand
    (e.g. she said she cannot come), whom the automatic rostering must not
    put back. Putting them on the shift by hand again lifts it."""

    __tablename__ = "shift_exclusion"
    __table_args__ = (UniqueConstraint("shift_id", "volunteer_id"), {"info": {"page_cache": None}})  # no public page shows it

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shift: Mapped[Shift] = relationship()
    volunteer: Mapped[Volunteer] = relationship()


class SwapOffer(db.Model):
    """A volunteer offers their seat; another eligible volunteer takes it."""

    __tablename__ = "shift_swap"
    __table_args__ = {"info": {"page_cache": None}}  # no public page shows it

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


class FillJob(db.Model):
    """A fill or re-plan of a week, run by the worker (`flask notify worker`)
    outside the web request: queued, running (claimed with a token and a
    lease, like the outbox), done (its result, JSON) or failed. A re-plan's
    result is the plan to show; it is saved only once the leader confirms
    (then `applied_at`)."""

    __tablename__ = "roster_fill_job"
    __table_args__ = (Index("ix_roster_fill_job_due", "status", "created_at"), {"info": {"page_cache": None}})  # no public page shows it

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "fill" or "replan"
    start_day: Mapped[date] = mapped_column()
    end_day: Mapped[date] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued, running, done, failed
    progress: Mapped[str] = mapped_column(String(20), default="", server_default="")  # a step of jobs.STEPS
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(db.Text)
    error: Mapped[str] = mapped_column(String(500), default="", server_default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
