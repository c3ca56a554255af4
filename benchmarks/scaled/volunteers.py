"""The places and the roster: more residential groups and e-stations, 300
volunteers with weekly availability, and a year of mobile-team shifts with
their teams."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from datetime import time as clock

from sqlalchemy import select

from benchmarks.scaled.common import FAMILY, GIVEN, MIDDLE, STREETS, Day, bulk, unique_code
from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db
from wardsite.roster.models import Assignment, Shift
from wardsite.stations.models import OpeningHours, Station
from wardsite.timeutil import utcnow
from wardsite.volunteers.models import Availability, Volunteer

VOLUNTEERS = 300

BRANCHES = [f"Chi đoàn khu phố {n}" for n in range(1, 7)] + ["Chi đoàn Trường THPT Hòa Phong", "Chi đoàn cơ quan phường",
                                                              "Chi đoàn Công an phường", "Chi đoàn Quân sự phường"]
SKILLS = ["vneid", "ho_tich", "chung_thuc", "dat_dai", "cu_tru"]

# Home visits: mobile teams per daily period, weekdays and weekends.
PERIODS = [((8, 0), (11, 0), "morning"), ((14, 0), (17, 0), "afternoon"), ((18, 0), (21, 0), "evening")]
TEAMS = {"weekday": 6, "weekend": 10}
CARD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def add_places(rng: random.Random) -> tuple[list[ResidentialGroup], list[Station]]:
    """Eight more residential groups (12 in all) and an e-station in four of them."""
    groups = list(db.session.scalars(select(ResidentialGroup).order_by(ResidentialGroup.position)))
    names = {group.name for group in groups}
    position = max((group.position for group in groups), default=0)
    for number in range(1, 13):
        name = f"Tổ dân phố {number}"
        if name in names:
            continue
        position += 1
        group = ResidentialGroup(name=name, position=position,
                                 cultural_house_address=f"Nhà văn hóa TDP {number}, số {rng.randint(2, 90)} {rng.choice(STREETS)}")
        db.session.add(group)
        groups.append(group)
    db.session.flush()
    stations = list(db.session.scalars(select(Station).where(Station.active.is_(True)).order_by(Station.position)))
    position = max((station.position for station in stations), default=0)
    estations = sum(station.kind == "estation" for station in stations)
    for group in groups[-4:]:
        estations += 1
        position += 1
        station = Station(name=f"Tổ dân phố điện tử số {estations}", kind="estation", residential_group=group,
                          address=group.cultural_house_address, equipment="Máy tính, máy quét, máy in, wifi", position=position)
        station.hours = [OpeningHours(weekday=d, opens=clock(8), closes=clock(11)) for d in (5, 6)] + [
            OpeningHours(weekday=d, opens=clock(19), closes=clock(21)) for d in (2, 5, 6)
        ]
        db.session.add(station)
        stations.append(station)
    db.session.flush()
    return groups, stations


def add_volunteers(rng: random.Random, groups: list[ResidentialGroup]) -> list[dict]:
    """300 volunteers, about a third experienced, each free in 4–9 cells of the week."""
    cards = set(db.session.scalars(select(Volunteer.card_code)))
    now = utcnow()
    rows, cells = [], []
    for number in range(VOLUNTEERS):
        experienced = rng.random() < 0.35
        rows.append(dict(
            name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}", phone=f"0{rng.choice('3789')}{rng.randrange(10**8):08d}",
            email=f"tnv.{number + 1}@hoaphong.example", branch=rng.choice(BRANCHES), residential_group_id=rng.choice(groups).id,
            skills_text=",".join(sorted(rng.sample(SKILLS, rng.randint(1, 3)), key=SKILLS.index)), experienced=experienced,
            active=rng.random() > 0.03, max_shifts_per_week=rng.choice([2, 3]) if experienced else rng.choice([1, 2, 2, 3]),
            card_code=unique_code(rng, CARD_ALPHABET, 10, cards), calendar_token=f"scaled-{number}-{rng.getrandbits(96):024x}",
            created_at=now - timedelta(days=rng.randint(400, 1500)),
        ))
        cells.append({(rng.randrange(7), rng.choice(PERIODS)[2]) for _ in range(rng.randint(4, 9))})
    ids = bulk(Volunteer, rows, ids=True)
    bulk(Availability, [{"volunteer_id": volunteer_id, "weekday": weekday, "part": part}
                        for volunteer_id, mine in zip(ids, cells) for weekday, part in sorted(mine)])
    return [dict(row, id=volunteer_id, cells=mine) for volunteer_id, row, mine in zip(ids, rows, cells)]


def add_mobile_shifts(rng: random.Random, volunteers: list[dict], first: date, last: date, day: Day) -> list[dict]:
    """Published mobile-team shifts from `first` to `last`, two volunteers each,
    one experienced, taken among those available that period and within their
    weekly limit; nobody twice on the same day."""
    active = [v for v in volunteers if v["active"]]
    by_cell = defaultdict(list)
    for volunteer in active:
        for cell in volunteer["cells"]:
            by_cell[cell].append(volunteer)
    now = utcnow()
    plans, teams = [], []
    week_load: dict[tuple[date, int], int] = defaultdict(int)
    current = first
    while current <= last:
        monday = current - timedelta(days=current.weekday())
        busy: set[int] = set()
        count = TEAMS["weekend" if current.weekday() >= 5 else "weekday"]
        for (h1, m1), (h2, m2), part in PERIODS:
            # Those available in this period first, in a random order; then anyone.
            willing = rng.sample(by_cell[current.weekday(), part], len(by_cell[current.weekday(), part]))
            candidates = willing + rng.sample(active, len(active))
            for _ in range(count):
                team = []
                for experienced in (True, False):
                    chosen = next((v for v in candidates if v["id"] not in busy and (v["experienced"] or not experienced)
                                   and week_load[monday, v["id"]] < v["max_shifts_per_week"]), None)
                    if chosen is not None:
                        busy.add(chosen["id"])
                        week_load[monday, chosen["id"]] += 1
                        team.append(chosen)
                if not team:
                    continue
                starts = day.at(current, h1, m1)
                plans.append(dict(kind="mobile", station_id=None, starts_at=starts, ends_at=day.at(current, h2, m2), seats=2,
                                  cancelled=False, published_at=starts - timedelta(days=10), note=""))
                teams.append(team)
        current += timedelta(days=1)
    ids = bulk(Shift, plans, ids=True)
    assignments = []
    for shift_id, plan, team in zip(ids, plans, teams):
        for member in team:
            past = plan["ends_at"] < now
            assignments.append(dict(shift_id=shift_id, volunteer_id=member["id"], pinned=False,
                                    attendance=("present" if rng.random() < 0.92 else "absent") if past else None,
                                    created_at=plan["published_at"]))
    bulk(Assignment, assignments)
    return [dict(plan, id=shift_id) for shift_id, plan in zip(ids, plans)]
