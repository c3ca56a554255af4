"""100,000 guidance sessions over the past year, each with one or two procedures."""

from __future__ import annotations

import bisect
import itertools
import random
from datetime import date, timedelta

from sqlalchemy import select

from benchmarks.scaled.common import Day, bulk
from wardsite.accounts.models import User, UserRole
from wardsite.extensions import db
from wardsite.stations.models import Station
from wardsite.stats.models import GuidanceSession, GuidanceSessionProcedure
from wardsite.timeutil import local_today, utcnow

SESSIONS = 100_000

def add_guidance_sessions(rng: random.Random, stations: list[Station], volunteers: list[dict],
                          procedures: tuple[list[int], list[float]], day: Day) -> None:
    """100,000 sessions over the past year: busy Wednesdays and Thursdays at the
    counter, weekends at the e-stations, a slow rise over the year."""
    leader = db.session.scalar(select(User.id).join(UserRole).where(UserRole.role == "leader").order_by(User.id))
    today, now = local_today(), utcnow()
    first = today - timedelta(days=364)
    counter_weights, estation_weights = [3, 2, 6, 5, 3, 1, 0.2], [0.3, 0.3, 0.5, 0.5, 0.3, 3, 3]
    days = [first + timedelta(days=n) for n in range(365)]
    cells, weights = [], []
    for current in days:
        growth = 0.75 + 0.6 * (current - first).days / 365
        for station in stations:
            pattern = counter_weights if station.kind == "counter" else estation_weights
            cells.append((current, station))
            weights.append(pattern[current.weekday()] * growth * (2.5 if station.kind == "counter" else 1))
    cumulative = list(itertools.accumulate(weights))
    hosts: dict[tuple[int, date], int | None] = {}
    procedure_ids, procedure_cumulative = procedures[0], list(itertools.accumulate(procedures[1]))
    volunteer_ids = [v["id"] for v in volunteers]
    rows, links = [], []
    while len(rows) < SESSIONS:
        current, station = cells[bisect.bisect_left(cumulative, rng.random() * cumulative[-1])]
        hour, minute = rng.choice([(7, 30), (8, 0), (9, 15), (10, 30), (13, 0), (14, 30), (15, 45), (19, 0), (20, 0)])
        logged_at = day.at(current, hour, minute) + timedelta(minutes=rng.randrange(40))
        if logged_at > now:
            continue
        key = (station.id, current - timedelta(days=current.weekday()))
        if key not in hosts:
            host = station.host_on(current)
            hosts[key] = host.id if host else None
        people = rng.choices([1, 2, 3, 4], weights=[62, 25, 9, 4])[0]
        filed = sum(rng.random() < 0.45 for _ in range(people))
        rows.append(dict(station_id=station.id, residential_group_id=hosts[key], volunteer_id=rng.choice(volunteer_ids),
                         logged_by_id=leader, logged_at=logged_at, day=current, people_guided=people, dossiers_filed=filed,
                         note="Kích hoạt tài khoản VNeID mức 2" if rng.random() < 0.05 else ""))
        mine = {procedure_ids[bisect.bisect_left(procedure_cumulative, rng.random() * procedure_cumulative[-1])]
                for _ in range(rng.choice([1, 1, 1, 2]))}
        links.append(sorted(mine))
    session_ids = bulk(GuidanceSession, rows, ids=True)
    bulk(GuidanceSessionProcedure, [
        {"session_id": session_id, "procedure_id": procedure_id, "day": row["day"], "people_guided": row["people_guided"],
         "dossiers_filed": row["dossiers_filed"]}
        for session_id, row, mine in zip(session_ids, rows, links) for procedure_id in mine
    ])
