"""Demo figures for the past year, so the reports and charts look real.

- Guidance sessions at the counter and the e-stations: more on Wednesdays
  ("online, no paper") and Thursdays ("no writing, no appointment") at the
  counter, most at the weekend at the e-stations, more in the groups that took
  to it, a quiet week around Tết, and a slow rise over the year. The scale
  follows the seed reports (an e-station: about 35 people and 15 dossiers a month).
- Past duty shifts with attendance (volunteer hours), and home visits on the
  past mobile-team shifts with outcomes and ratings, only before the roster and
  visits the other demos already made; personal details of visits older than
  the retention period are erased, as `flask purge` would have done.

A fixed random seed: the same database every time for the same day.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select

from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db
from wardsite.procedures.models import Procedure
from wardsite.roster.models import Assignment, Shift
from wardsite.stations.models import Station, StationHost
from wardsite.stats.models import GuidanceSession
from wardsite.timeutil import from_local, local_today, utcnow
from wardsite.visits.models import CANCELLED, DONE, NO_SHOW, Visit
from wardsite.volunteers.models import Volunteer

DAYS = 365
# First day of Tết (lunar new year): the counter and e-stations close around it.
TET = {2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26)}
# Sessions a day at the counter, Monday to Sunday.
COUNTER_SESSIONS = [3, 2, 6, 5, 3, 1, 0]
# Sessions a day at an e-station, Monday to Sunday (open mostly at the weekend:
# there five times as many as on all weekdays together, so any year shows it).
ESTATION_SESSIONS = [0.2, 0.2, 0.3, 0.3, 0.2, 3, 3]
# How readily each residential group (by position) took to its e-station.
GROUP_TAKE_UP = [1.35, 1.0, 0.8, 0.6]
# What residents come for, by procedure code, and how often.
POPULAR = {
    "1.001193": 14, "2.000815": 12, "1.004194": 10, "1.002755": 6, "1.004873": 6, "2.000635": 5, "1.004222": 5,
    "1.000656": 3, "2.000884": 4, "1.000894": 2, "1.001612": 2, "1.011607": 2, "1.004859": 1, "1.001699": 1,
}
NOTES = ["Kích hoạt tài khoản VNeID mức 2", "Cổng dịch vụ công chậm, phải thử lại", "Hướng dẫn thanh toán lệ phí trực tuyến",
         "Người cao tuổi, cán bộ nhập giúp", "Không đăng nhập được, hẹn quay lại"]
RESIDENTS = [("Nguyễn Thị Tâm", "Số 4, ngõ 6, đường Hòa Phong"), ("Trần Văn Lộc", "Số 22, đường Trần Phú"),
             ("Lê Thị Xuân", "Số 9, hẻm 14, đường Lê Lợi"), ("Phạm Văn Bảy", "Số 30, đường Nguyễn Du")]


def _closed(day: date) -> bool:
    tet = TET.get(day.year) or TET.get(day.year + 1)
    return tet is not None and tet - timedelta(days=2) <= day <= tet + timedelta(days=4)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return from_local(datetime.combine(day, time(hour, minute)))


def _count(rng: random.Random, mean: float) -> int:
    """A small random count around `mean` (a Poisson draw without numpy)."""
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


def load(logins, make_password) -> None:
    rng = random.Random(7)
    stations = db.session.scalars(select(Station).where(Station.active.is_(True)).order_by(Station.position)).all()
    if not stations:
        return
    groups = db.session.scalars(select(ResidentialGroup).order_by(ResidentialGroup.position)).all()
    take_up = {group.id: GROUP_TAKE_UP[index % len(GROUP_TAKE_UP)] for index, group in enumerate(groups)}
    # In a fixed order: the same draws, so the same figures, on SQLite and PostgreSQL.
    procedures = db.session.scalars(select(Procedure).where(Procedure.published.is_(True)).order_by(Procedure.id)).all()
    weights = [POPULAR.get(procedure.code, 1) for procedure in procedures]
    volunteers = db.session.scalars(select(Volunteer).where(Volunteer.active.is_(True)).order_by(Volunteer.id)).all()

    today = local_today()
    first = today - timedelta(days=DAYS - 1)
    # Past shifts and visits only before what the roster and visit demos made.
    roster_start = db.session.scalar(select(func.min(Shift.starts_at)))
    history_end = today - timedelta(days=today.weekday())
    if roster_start is not None:
        history_end = min(history_end, roster_start.date())

    _past_rotation(stations, groups, today)
    _guidance_sessions(rng, stations, take_up, procedures, weights, volunteers, first, today)
    if volunteers:
        mobile_shifts = _past_shifts(rng, stations, volunteers, first, history_end)
        _past_visits(rng, mobile_shifts, groups, take_up, procedures, weights)


def _past_rotation(stations, groups, today: date) -> None:
    """Residents asked for the e-stations to move between groups: in the demo
    each one spent two months at a neighbouring group's cultural house last year."""
    monday = today - timedelta(days=today.weekday())
    for index, station in enumerate(s for s in stations if s.kind == "estation"):
        if station.residential_group is None or any(h.week_start < monday for h in station.hosts):
            continue
        others = [g for g in groups if g.id != station.residential_group_id]
        if not others:
            continue
        away = monday - timedelta(weeks=30 - 4 * index)
        station.hosts.append(StationHost(week_start=away, residential_group=others[-index]))
        station.hosts.append(StationHost(week_start=away + timedelta(weeks=9), residential_group=station.residential_group))
    db.session.flush()
    for station in stations:
        db.session.expire(station, ["hosts"])  # read back in week order


def _guidance_sessions(rng, stations, take_up, procedures, weights, volunteers, first: date, today: date) -> None:
    now = utcnow()
    on_duty = [v for v in volunteers if v.user_id] or volunteers
    day = first
    while day <= today:
        growth = 0.75 + 0.6 * (day - first).days / DAYS  # more residents hear of it as the year goes on
        for station in stations:
            if _closed(day):
                continue
            if station.kind == "counter":
                mean = COUNTER_SESSIONS[day.weekday()] * growth
                hours = [(7, 30, 240), (13, 0, 240)] if day.weekday() < 5 else [(7, 30, 240)]
            else:
                host = station.host_on(day)
                mean = ESTATION_SESSIONS[day.weekday()] * growth * take_up.get(host.id if host else None, 1.0)
                hours = [(8, 0, 180), (19, 0, 120)]
            for _ in range(_count(rng, mean)):
                hour, minute, span = rng.choice(hours)
                moment = _at(day, hour, minute) + timedelta(minutes=rng.randrange(span))
                if moment > now:
                    continue
                people = rng.choices([1, 2, 3, 4], weights=[62, 25, 9, 4])[0]
                # Wednesday is the "online, no paper" day at the counter.
                filing = 0.6 if station.kind == "counter" and day.weekday() == 2 else 0.42
                volunteer = rng.choice(on_duty) if on_duty else None
                entry = GuidanceSession(
                    station=station,
                    logged_at=moment,
                    volunteer=volunteer,
                    logged_by_id=volunteer.user_id if volunteer else None,
                    people_guided=people,
                    dossiers_filed=sum(rng.random() < filing for _ in range(people)),
                    note=rng.choice(NOTES) if rng.random() < 0.08 else "",
                )
                if procedures:
                    entry.set_procedures(rng.choices(procedures, weights=weights, k=rng.choice([1, 1, 1, 2])))
                db.session.add(entry)
        day += timedelta(days=1)
    db.session.flush()


def _past_shifts(rng, stations, volunteers, first: date, history_end: date) -> list[Shift]:
    """Duty shifts before the demo roster, attended or not; returns the mobile ones."""
    counter = next((s for s in stations if s.kind == "counter"), None)
    estations = [s for s in stations if s.kind == "estation"]
    experienced = [v for v in volunteers if v.experienced] or volunteers
    mobile = []
    day = first
    while day < history_end:
        plan = []
        if not _closed(day):
            if counter is not None and day.weekday() < 5:
                plan.append(("counter", counter, (7, 30), (11, 30), 1))
            if day.weekday() >= 5:
                plan += [("estation", station, (8, 0), (11, 0), 2) for station in estations]
                plan += [("estation", station, (19, 0), (21, 0), 2) for station in estations]
            if day.weekday() == 5:
                plan.append(("mobile", None, (8, 0), (11, 0), 2))
        for kind, station, (h1, m1), (h2, m2), seats in plan:
            shift = Shift(kind=kind, station=station, starts_at=_at(day, h1, m1), ends_at=_at(day, h2, m2), seats=seats,
                          published_at=_at(day, 8) - timedelta(days=10))
            team = [rng.choice(experienced)]
            if seats > 1:
                team += rng.sample([v for v in volunteers if v is not team[0]], k=min(seats - 1, len(volunteers) - 1))
            for volunteer in team:
                shift.assignments.append(Assignment(volunteer=volunteer, attendance="present" if rng.random() < 0.9 else "absent"))
            db.session.add(shift)
            if kind == "mobile":
                mobile.append(shift)
        day += timedelta(days=1)
    db.session.flush()
    return mobile


def _past_visits(rng, shifts, groups, take_up, procedures, weights) -> None:
    now = utcnow()
    retention = timedelta(days=int(current_app.config.get("VISIT_RETENTION_DAYS", 90)))
    slot = timedelta(minutes=int(current_app.config.get("VISIT_SLOT_MINUTES", 60)))
    group_weights = [take_up.get(group.id, 1.0) for group in groups]
    for shift in shifts:
        moment = shift.starts_at
        while moment + slot <= shift.ends_at:
            if groups and rng.random() < 0.7:
                status = rng.choices([DONE, NO_SHOW, CANCELLED], weights=[80, 10, 10])[0]
                name, address = rng.choice(RESIDENTS)
                visit = Visit(
                    shift_id=shift.id, slot_start=moment, slot_end=moment + slot, status=status,
                    full_name=name, phone=f"09{rng.randrange(10**7, 10**8)}", address=address,
                    residential_group_id=rng.choices(groups, weights=group_weights)[0].id,
                    consent_at=moment - timedelta(days=3), created_at=moment - timedelta(days=3),
                    confirmed_at=moment - timedelta(days=2),
                )
                if status == DONE:
                    people = rng.choices([1, 2, 3], weights=[55, 35, 10])[0]
                    done = list({p.id: p for p in rng.choices(procedures, weights=weights, k=rng.choice([1, 1, 2]))}.values()) if procedures else []
                    visit.record_outcome(people, sum(rng.random() < 0.55 for _ in range(people)), "", "", done)
                    visit.procedures = list(done)
                    visit.closed_at = moment + slot
                    if rng.random() < 0.6:
                        visit.rating = rng.choices([3, 4, 5], weights=[10, 35, 55])[0]
                        visit.rated_at = moment + timedelta(days=1)
                elif status == NO_SHOW:
                    visit.mark_no_show()
                    visit.closed_at = moment + slot
                else:
                    visit.cancel(by_resident=True)
                    visit.closed_at = moment - timedelta(days=1)
                if moment + slot + retention < now:
                    visit.erase_personal_data()
                db.session.add(visit)
            moment += slot
    db.session.flush()
