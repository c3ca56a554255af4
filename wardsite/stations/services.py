"""Business rules of the stations area, reachable without HTTP: listing the
stations, saving one with its opening hours, closures and host rotation.

Who is on duty at a station comes from the roster, which builds on this area:
the roster hands its lookup over when it loads (`set_duty_lookup`), so that
this area does not import it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from wardsite.admin.models import ResidentialGroup
from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.stations import holidays
from wardsite.stations.models import Closure, OpeningHours, Station, StationHost, WardDay


def week_start(day: date) -> date:
    """The Monday of `day`'s week: host rotation and the roster count in weeks."""
    return day - timedelta(days=day.weekday())


def residential_groups() -> list[ResidentialGroup]:
    return list(db.session.scalars(select(ResidentialGroup).order_by(ResidentialGroup.position, ResidentialGroup.name)))


def residential_group(value: str | None) -> ResidentialGroup | None:
    """The group a select field chose ("0" or nothing: none)."""
    try:
        return db.session.get(ResidentialGroup, int(value or 0))
    except ValueError:
        return None


def stations(active_only: bool = False, details: bool = False) -> list[Station]:
    """Stations in their order; with `details`, also their hours, closures and
    hosting groups, read for all stations at once."""
    query = select(Station).order_by(Station.position, Station.name)
    if active_only:
        query = query.where(Station.active.is_(True))
    if details:
        query = query.options(
            joinedload(Station.residential_group), selectinload(Station.hours), selectinload(Station.closures),
            selectinload(Station.hosts).joinedload(StationHost.residential_group),
        )
    return list(db.session.scalars(query))


def save_station(station: Station, *, name: str, kind: str, address: str, residential_group: ResidentialGroup | None,
                 equipment: str, active: bool, position: int, hours: list) -> Station:
    """A new station (without an id yet) or changes to one; `hours` is
    (weekday, opens, closes) for each period, and replaces the old hours."""
    new = station.id is None
    station.name = name
    station.kind = kind
    station.address = address
    station.residential_group = residential_group
    station.equipment = equipment
    station.active = active
    station.position = position
    station.hours = [OpeningHours(weekday=day, opens=opens, closes=closes) for day, opens, closes in hours]
    db.session.add(station)
    db.session.flush()
    record_audit("station.created" if new else "station.updated", station, station.name)
    return station


def add_closure(station: Station, start: date, end: date, reason: str) -> None:
    station.closures.append(Closure(start_date=start, end_date=end, reason=reason))
    record_audit("station.closure_added", station, f"{start:%d/%m/%Y}–{end:%d/%m/%Y}")


def remove_closure(station: Station, closure: Closure) -> None:
    station.closures.remove(closure)
    record_audit("station.closure_removed", station, f"{closure.start_date:%d/%m/%Y}")


def set_host(station: Station, day: date, group: ResidentialGroup) -> date:
    """Host rotation: from the week of `day` on, `group` hosts the station.
    Returns that week's Monday."""
    week = week_start(day)
    entry = next((h for h in station.hosts if h.week_start == week), None)
    if entry is None:
        station.hosts.append(StationHost(week_start=week, residential_group=group))
    else:
        entry.residential_group = group
    record_audit("station.host", station, f"{week:%d/%m/%Y}: {group.name}")
    return week


# The ward calendar ------------------------------------------------------------------


def ward_calendar(start: date, end: date) -> dict[date, tuple[str, bool]]:
    """Every day from `start` to `end` that is a usual public holiday or has
    the leader's entry: day → (name or reason, closed)."""
    days: dict[date, tuple[str, bool]] = {}
    for year in range(start.year, end.year + 1):
        for day, name in holidays.default_holidays(year):
            if start <= day <= end:
                days[day] = (name, True)
    for entry in db.session.scalars(select(WardDay).where(WardDay.day >= start, WardDay.day <= end)):
        name = entry.reason or (days[entry.day][0] if entry.day in days else "")
        days[entry.day] = (name, entry.closed)
    return dict(sorted(days.items()))


def ward_closed_days(start: date, end: date) -> dict[date, str]:
    """The days from `start` to `end` the whole ward is closed, with why:
    no shift template generates through them."""
    return {day: name for day, (name, closed) in ward_calendar(start, end).items() if closed}


def _usual_holiday(day: date) -> str | None:
    return next((name for d, name in holidays.default_holidays(day.year) if d == day), None)


def close_ward(start: date, end: date, reason: str) -> None:
    """Close the ward from `start` to `end` (a usual holiday stays closed
    with its own name unless `reason` says otherwise)."""
    entries = {e.day: e for e in db.session.scalars(select(WardDay).where(WardDay.day >= start, WardDay.day <= end))}
    day = start
    while day <= end:
        entry = entries.get(day)
        if entry is not None:
            entry.closed = True
            entry.reason = reason or entry.reason
        elif reason or _usual_holiday(day) is None:
            db.session.add(WardDay(day=day, closed=True, reason=reason))
        day += timedelta(days=1)
    db.session.flush()
    record_audit("station.ward_closed", None, f"{start:%d/%m/%Y}–{end:%d/%m/%Y}" + (f": {reason}" if reason else ""))


def open_ward(day: date) -> None:
    """Take `day` off the closed days: a usual holiday the ward works after
    all (remembered), or the leader's own closure (forgotten)."""
    entry = db.session.scalar(select(WardDay).where(WardDay.day == day))
    if _usual_holiday(day) is not None:
        if entry is None:
            db.session.add(WardDay(day=day, closed=False, reason=""))
        else:
            entry.closed = False
    elif entry is not None:
        db.session.delete(entry)
    db.session.flush()
    record_audit("station.ward_opened", None, f"{day:%d/%m/%Y}")


# Who is on duty -------------------------------------------------------------------

_duty_lookup: Callable[[date], list] = lambda day: []


def set_duty_lookup(lookup: Callable[[date], list]) -> None:
    """The roster's published shifts with volunteers on a day (each with
    `station_id` and `assignments`)."""
    global _duty_lookup
    _duty_lookup = lookup


def staffed_shifts_on(day: date) -> list:
    return _duty_lookup(day)
