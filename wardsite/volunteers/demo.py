"""Demo data: the counter, two e-stations, thirty volunteers with varied
availability, and four weeks of shifts from this week, filled and published."""

import random
from datetime import time, timedelta

from sqlalchemy import select

from wardsite.accounts.models import User
from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db
from wardsite.timeutil import local_today
from wardsite.volunteers import services
from wardsite.volunteers.models import DAY_PARTS, SKILLS, OpeningHours, ShiftTemplate, Station, StationHost, Volunteer

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Quang", "Thanh"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hiền", "Hùng", "Khoa", "Lan", "Linh", "Long", "Mai", "Nam",
         "Nga", "Phong", "Phúc", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tú", "Tuấn", "Vân", "Việt", "Yến"]
BRANCHES = ["Chi đoàn khu phố 1", "Chi đoàn khu phố 2", "Chi đoàn Trường THPT Hòa Phong", "Chi đoàn cơ quan phường"]


def load(logins: list, make_password) -> None:
    rng = random.Random(2026)
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
        week = services.week_start(local_today())
        station.hosts = [StationHost(week_start=week + timedelta(weeks=2), residential_group=host)]
        stations.append(station)
    db.session.add_all(stations)
    db.session.flush()

    templates = [ShiftTemplate(kind="counter", station=counter, weekday=d, starts=time(7, 30), ends=time(11, 30), seats=1) for d in range(5)]
    for station in stations[1:]:
        for d in (5, 6):
            templates.append(ShiftTemplate(kind="estation", station=station, weekday=d, starts=time(8), ends=time(11), seats=2))
            templates.append(ShiftTemplate(kind="estation", station=station, weekday=d, starts=time(19), ends=time(21), seats=2))
    templates.append(ShiftTemplate(kind="mobile", station=None, weekday=5, starts=time(8), ends=time(11), seats=2))
    db.session.add_all(templates)

    account = db.session.scalar(select(User).where(User.email == "tnv@hoaphong.example"))
    parts = list(DAY_PARTS)
    for number in range(30):
        name = f"{FAMILY[number % len(FAMILY)]} {MIDDLE[number % len(MIDDLE)]} {GIVEN[number]}"
        volunteer = Volunteer(
            name=name, phone=f"09{rng.randint(10000000, 99999999)}", email=f"tnv{number + 1}@hoaphong.example",
            branch=BRANCHES[number % len(BRANCHES)], residential_group=groups[number % len(groups)],
            experienced=number % 3 == 0, max_shifts_per_week=rng.choice([1, 2, 2, 3]),
        )
        volunteer.skills = rng.sample(list(SKILLS), rng.randint(1, 3))
        cells = {(rng.randrange(7), rng.choice(parts)) for _ in range(rng.randint(3, 9))}
        cells |= {(5, "morning")} if number % 2 == 0 else {(6, "evening")}
        volunteer.set_weekly_cells(cells)
        if number == 0 and account is not None:
            volunteer.name, volunteer.email, volunteer.phone = account.name, account.email, account.phone or volunteer.phone
            volunteer.user = account
            volunteer.set_weekly_cells(cells | {(5, "morning"), (6, "morning"), (0, "morning")})
        db.session.add(volunteer)
    db.session.flush()

    start = services.week_start(local_today())
    end = start + timedelta(weeks=4, days=-1)
    services.generate_shifts(start, end)
    services.fill_roster(start, end)
    services.publish(start, end)
