"""The ward's figures at their source: the guidance log (what volunteers log
at the counter and the e-stations), the day's tallies and the date ranges the
reports cover. The report itself is built in `wardsite.stats.reports`, with
volunteer hours from `wardsite.roster.hours`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.procedures.models import Procedure, Sector
from wardsite.stats.models import GuidanceSession
from wardsite.timeutil import from_local, local_now
from wardsite.roster.models import Assignment, Shift
from wardsite.stations.models import Station
from wardsite.volunteers.models import Volunteer


# Date ranges -----------------------------------------------------------------


def month_range(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def year_range(day: date) -> tuple[date, date]:
    return date(day.year, 1, 1), date(day.year, 12, 31)


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The instants from the ward's midnight on `start` to its midnight after `end`."""
    return from_local(datetime.combine(start, time())), from_local(datetime.combine(end + timedelta(days=1), time()))


# Guidance log ----------------------------------------------------------------


def station_choices() -> list[Station]:
    return db.session.scalars(
        select(Station).where(Station.active.is_(True)).order_by(Station.position, Station.name)
    ).all()


def procedure_choices() -> list[Procedure]:
    """Published procedures, grouped by sector as residents know them."""
    return db.session.scalars(
        select(Procedure)
        .outerjoin(Sector, Sector.id == Procedure.sector_id)
        .where(Procedure.published.is_(True))
        .order_by(Sector.name, Procedure.name)
    ).all()


def procedures_by_ids(ids) -> list[Procedure]:
    if not ids:
        return []
    return db.session.scalars(select(Procedure).where(Procedure.id.in_(list(ids)))).all()


def volunteer_for(user) -> Volunteer | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Volunteer).where(Volunteer.user_id == user.id))


def current_station_for(user, moment: datetime | None = None) -> Station | None:
    """The station of the user's shift now (or one starting within the hour, or
    that ended within the hour: people log just after they finish)."""
    volunteer = volunteer_for(user)
    if volunteer is None:
        return None
    moment = moment or local_now()
    margin = timedelta(hours=1)
    # The station alone: loading the shift would bring its seats, their
    # volunteers and their availability along.
    query = (
        select(Station)
        .join(Shift, Shift.station_id == Station.id)
        .join(Assignment, Assignment.shift_id == Shift.id)
        .where(
            Assignment.volunteer_id == volunteer.id,
            Shift.cancelled.is_(False),
            Shift.station_id.is_not(None),
            Shift.starts_at <= moment + margin,
            Shift.ends_at >= moment - margin,
        )
        .order_by(Shift.starts_at)
    )
    return db.session.scalars(query.limit(1)).first()


class FormAlreadyUsed(Exception):
    """The form's token is on an entry someone else logged."""


def log_session(*, station: Station, user, people_guided: int, dossiers_filed: int, procedures=(), note: str = "",
                at: datetime | None = None, form_token: str | None = None) -> GuidanceSession:
    """Add a guidance session to the database session (the caller commits with its audit entry)."""
    entry = GuidanceSession(
        station=station,
        logged_by=user if getattr(user, "is_authenticated", False) else None,
        volunteer=volunteer_for(user),
        people_guided=people_guided,
        dossiers_filed=dossiers_filed,
        note=note.strip(),
        procedures=procedures,
        form_token=form_token or None,
        **({"logged_at": at} if at else {}),
    )
    db.session.add(entry)
    return entry


def entry_for_token(token: str | None, user) -> GuidanceSession | None:
    """The entry this user logged with this form, if the form was sent before."""
    if not token:
        return None
    return db.session.scalar(
        select(GuidanceSession).where(GuidanceSession.form_token == token, GuidanceSession.logged_by_id == user.id)
    )


def log_session_once(*, form_token: str | None, station: Station, user, **details) -> tuple[GuidanceSession, bool]:
    """Log the session and commit it with its audit line: (entry, True); or
    (the entry stored before, False) when this form was already sent, even by
    a request running at the same moment: the unique token decides.

    Raises FormAlreadyUsed if the token is on another person's entry.
    """
    entry = log_session(station=station, user=user, form_token=form_token, **details)
    try:
        db.session.flush()
        record_audit("guidance_session.logged", entry,
                     f"{station.name}: {entry.people_guided} người, {entry.dossiers_filed} hồ sơ", user=user)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        earlier = entry_for_token(form_token, user)
        if earlier is not None:
            return earlier, False
        if form_token and db.session.scalar(select(GuidanceSession.id).where(GuidanceSession.form_token == form_token)):
            raise FormAlreadyUsed from None
        raise
    return entry, True


@dataclass
class Tally:
    sessions: int = 0
    people_guided: int = 0
    dossiers_filed: int = 0


def day_tally(day: date, *, station_id: int | None = None, logged_by_id: int | None = None) -> Tally:
    query = select(
        func.count(GuidanceSession.id),
        func.coalesce(func.sum(GuidanceSession.people_guided), 0),
        func.coalesce(func.sum(GuidanceSession.dossiers_filed), 0),
    ).where(GuidanceSession.day == day)
    if station_id is not None:
        query = query.where(GuidanceSession.station_id == station_id)
    if logged_by_id is not None:
        query = query.where(GuidanceSession.logged_by_id == logged_by_id)
    sessions, people, dossiers = db.session.execute(query).one()
    return Tally(int(sessions), int(people), int(dossiers))


def recent_sessions(user, day: date, limit: int = 5) -> list[GuidanceSession]:
    return db.session.scalars(
        select(GuidanceSession)
        .options(selectinload(GuidanceSession.station), selectinload(GuidanceSession.procedures))
        .where(GuidanceSession.logged_by_id == user.id, GuidanceSession.day == day)
        .order_by(GuidanceSession.logged_at.desc(), GuidanceSession.id.desc())
        .limit(limit)
    ).all()
