"""Guidance sessions logged at the one-stop counter and the e-stations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardsite.accounts.models import User
from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db
from wardsite.stats import summary_tables
from wardsite.procedures.models import Procedure
from wardsite.stations.models import Station
from wardsite.timeutil import UTCDateTime, to_local, utcnow
from wardsite.volunteers.models import Volunteer

class GuidanceSession(db.Model):
    """One entry in the guidance log: residents helped at a station, logged on the spot.

    `day` is the ward's local date and `residential_group_id` the group hosting
    the station that day: both are fixed when the entry is logged, so the
    reports group by plain columns and an e-station that later moves to another
    cultural house does not rewrite history.
    """

    __tablename__ = "guidance_session"
    __table_args__ = (
        # Covers the report's one GROUP BY over sessions: read from the index alone.
        Index("ix_guidance_session_report", "day", "station_id", "residential_group_id", "people_guided", "dossiers_filed"),
        Index("ix_guidance_session_logged_by_day", "logged_by_id", "day"),
        {"info": {"page_cache": "guidance"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="SET NULL"))
    residential_group_id: Mapped[int | None] = mapped_column(ForeignKey("residential_group.id", ondelete="SET NULL"))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer.id", ondelete="SET NULL"), index=True)
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    day: Mapped[date] = mapped_column(Date)
    people_guided: Mapped[int] = mapped_column(default=1)
    dossiers_filed: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    # The log form's one-time token: the same form sent twice (a double tap, a
    # resend after a cut-off) stores one entry. None for entries from elsewhere.
    form_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    station: Mapped[Station | None] = relationship()
    residential_group: Mapped[ResidentialGroup | None] = relationship()
    volunteer: Mapped[Volunteer | None] = relationship()
    logged_by: Mapped[User | None] = relationship()
    links: Mapped[list[GuidanceSessionProcedure]] = relationship(back_populates="session", cascade="all, delete-orphan")
    procedures: Mapped[list[Procedure]] = relationship(
        secondary="guidance_session_procedure", order_by=Procedure.name, viewonly=True
    )

    def __init__(self, procedures=(), **values):
        super().__init__(**values)
        if self.logged_at is None:
            self.logged_at = utcnow()
        if self.day is None:
            self.day = to_local(self.logged_at).date()
        if self.station is not None and self.residential_group_id is None and self.residential_group is None:
            self.residential_group = self.station.host_on(self.day)
        self.set_procedures(procedures)

    def can_delete(self, user) -> bool:
        """A slip of the finger is undone the same day by whoever logged it; leaders any time."""
        if not user.is_authenticated:
            return False
        if user.has_role("leader"):
            return True
        return self.logged_by_id == user.id and self.day == to_local(utcnow()).date()

    def set_procedures(self, procedures) -> None:
        """Link the procedures dealt with, copying the figures the report sums."""
        unique = {procedure.id: procedure for procedure in procedures}
        self.links = [
            GuidanceSessionProcedure(procedure=procedure, day=self.day, people_guided=self.people_guided,
                                     dossiers_filed=self.dossiers_filed)
            for procedure in unique.values()
        ]


class GuidanceSessionProcedure(db.Model):
    """A procedure dealt with in a session. The session's day and figures are
    copied here (they never change after logging) so that the report by
    procedure is one index-only GROUP BY, without joining 100,000 sessions."""

    __tablename__ = "guidance_session_procedure"
    __table_args__ = (
        Index("ix_guidance_session_procedure_report", "day", "procedure_id", "people_guided", "dossiers_filed"),
        {"info": {"page_cache": "guidance"}},
    )

    session_id: Mapped[int] = mapped_column(ForeignKey("guidance_session.id", ondelete="CASCADE"), primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"), primary_key=True, index=True)
    day: Mapped[date] = mapped_column(Date)
    people_guided: Mapped[int] = mapped_column()
    dossiers_filed: Mapped[int] = mapped_column()

    session: Mapped[GuidanceSession] = relationship(back_populates="links")
    procedure: Mapped[Procedure] = relationship()


# Summaries -------------------------------------------------------------------
# The sums the public figures and the reports read, kept in step with the
# entries by `summary_tables` in the same transaction (see its docstring).
# No foreign keys: a station, group or procedure that goes keeps its past
# figures under its old id, which the reports show as "no longer listed",
# as they show the entries whose key was set to NULL. 0 stands for none.


class GuidanceDaySummary(db.Model):
    """Sessions, people guided and dossiers filed per day (and per month),
    station and the residential group hosting the station that day."""

    __tablename__ = "guidance_day_summary"
    __table_args__ = {"info": {"page_cache": "guidance"}}

    period: Mapped[str] = mapped_column(String(1), primary_key=True)  # summary_tables.DAY or MONTH
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    station_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    residential_group_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    people_guided: Mapped[int] = mapped_column(Integer, default=0)
    dossiers_filed: Mapped[int] = mapped_column(Integer, default=0)


class GuidanceProcedureSummary(db.Model):
    """How often each procedure was dealt with in sessions, per day (and per month)."""

    __tablename__ = "guidance_procedure_summary"
    __table_args__ = {"info": {"page_cache": "guidance"}}

    period: Mapped[str] = mapped_column(String(1), primary_key=True)  # summary_tables.DAY or MONTH
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    people_guided: Mapped[int] = mapped_column(Integer, default=0)
    dossiers_filed: Mapped[int] = mapped_column(Integer, default=0)


def _read_guidance(connection, ids):
    entry, link = GuidanceSession.__table__.c, GuidanceSessionProcedure.__table__.c
    station, group = func.coalesce(entry.station_id, 0), func.coalesce(entry.residential_group_id, 0)
    sessions = select(entry.day, station, group, func.count(), func.sum(entry.people_guided), func.sum(entry.dossiers_filed))
    links = select(link.day, link.procedure_id, func.count(), func.sum(link.people_guided), func.sum(link.dossiers_filed))
    if ids is not None:
        sessions = sessions.where(entry.id.in_(ids))
        links = links.where(link.session_id.in_(ids))
    day_table, procedure_table = GuidanceDaySummary.__table__, GuidanceProcedureSummary.__table__
    for day, station_id, group_id, *values in connection.execute(sessions.group_by(entry.day, station, group)):
        yield day_table, (day, station_id, group_id), values
    for day, procedure_id, *values in connection.execute(links.group_by(link.day, link.procedure_id)):
        yield procedure_table, (day, procedure_id), values


def _lock_guidance(connection, ids):
    if connection.dialect.name == "postgresql":
        table = GuidanceSession.__table__
        connection.execute(select(table.c.id).where(table.c.id.in_(ids)).with_for_update())


GUIDANCE_SUMMARIES = summary_tables.register(summary_tables.Summariser(
    name="guidance",
    tables=[GuidanceDaySummary.__table__, GuidanceProcedureSummary.__table__],
    keys={"guidance_day_summary": ("period", "day", "station_id", "residential_group_id"),
          "guidance_procedure_summary": ("period", "day", "procedure_id")},
    values={"guidance_day_summary": ("sessions", "people_guided", "dossiers_filed"),
            "guidance_procedure_summary": ("sessions", "people_guided", "dossiers_filed")},
    watched={
        GuidanceSession: lambda entry: entry,
        GuidanceSessionProcedure: lambda link: link.session_id if link.session_id is not None else link.session,
    },
    read=_read_guidance,
    lock=_lock_guidance,
))
