"""Demo data: the counter and two e-stations, each e-station moving to
another residential group's cultural house in two weeks (host rotation)."""

from datetime import time, timedelta

from sqlalchemy import select

from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db
from wardsite.stations.models import OpeningHours, Station, StationHost
from wardsite.stations.services import week_start
from wardsite.timeutil import local_today


def load(logins: list, make_password) -> None:
    groups = list(db.session.scalars(select(ResidentialGroup).order_by(ResidentialGroup.position)))
    counter = Station(name="Bộ phận một cửa UBND phường", kind="counter", address="Số 1 đường Hòa Phong", equipment="2 máy tính, máy quét, máy in", position=1)
    counter.hours = [OpeningHours(weekday=d, opens=time(7, 30), closes=time(11, 30)) for d in range(5)] + [
        OpeningHours(weekday=d, opens=time(13, 0), closes=time(17, 0)) for d in range(5)
    ] + [OpeningHours(weekday=5, opens=time(7, 30), closes=time(11, 30))]
    stations = [counter]
    for number, (group, host) in enumerate([(groups[0], groups[1]), (groups[2], groups[3])], start=1):
        station = Station(
            name=f"Tổ dân phố điện tử số {number}", kind="estation", residential_group=group, address=group.cultural_house_address,
            equipment="Máy tính, máy quét, máy in, wifi", position=1 + number,
        )
        station.hours = [OpeningHours(weekday=d, opens=time(8), closes=time(11)) for d in (5, 6)] + [
            OpeningHours(weekday=d, opens=time(19), closes=time(21)) for d in (5, 6)
        ]
        # Residents asked for the e-station to rotate between groups.
        week = week_start(local_today())
        station.hosts = [StationHost(week_start=week + timedelta(weeks=2), residential_group=host)]
        stations.append(station)
    db.session.add_all(stations)
    db.session.flush()
