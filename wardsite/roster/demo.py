"""Demo data: the weekly shifts of the counter, the e-stations and a mobile
team, and four weeks of shifts from this week, filled and published."""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from wardsite.extensions import db
from wardsite.roster import services
from wardsite.roster.models import ShiftTemplate
from wardsite.stations.models import Station
from wardsite.timeutil import from_local, local_today


def load(logins: list, make_password) -> None:
    stations = list(db.session.scalars(select(Station).order_by(Station.position, Station.id)))
    counter = next(station for station in stations if station.kind == "counter")
    templates = [ShiftTemplate(kind="counter", station=counter, weekday=d, starts=time(7, 30), ends=time(11, 30), seats=1) for d in range(5)]
    for station in (s for s in stations if s.kind == "estation"):
        for d in (5, 6):
            templates.append(ShiftTemplate(kind="estation", station=station, weekday=d, starts=time(8), ends=time(11), seats=2))
            templates.append(ShiftTemplate(kind="estation", station=station, weekday=d, starts=time(19), ends=time(21), seats=2))
    templates.append(ShiftTemplate(kind="mobile", station=None, weekday=5, starts=time(8), ends=time(11), seats=2))
    db.session.add_all(templates)
    db.session.flush()

    start = services.week_start(local_today())
    end = start + timedelta(weeks=4, days=-1)
    services.generate_shifts(start, end)
    # Filled as on Monday morning: this week's first days are history by now.
    services.fill_roster(start, end, now=from_local(datetime.combine(start, time())))
    services.publish(start, end)
