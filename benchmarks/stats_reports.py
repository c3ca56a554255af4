"""How long the ward's reports take over a large history.

    .venv/bin/python benchmarks/stats_reports.py [--sessions 100000] [--visits 20000] [--runs 10] [--database URI]

Fills a fresh database (a temporary SQLite file unless --database says
otherwise) with guidance sessions spread over two years at the counter and
four e-stations (each with one or two procedures), home visits in every state
with outcomes and ratings, and a year of attended shifts; then, signed in as a
leader, times the report page for a whole year (every total and breakdown, the
charts) and the Excel workbook of the same year, through the Flask test client.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from wardsite import create_app  # noqa: E402
from wardsite.accounts.models import User  # noqa: E402
from wardsite.admin.models import ResidentialGroup  # noqa: E402
from wardsite.extensions import db  # noqa: E402
from wardsite.stats import summary_tables  # noqa: E402
from wardsite.procedures.models import Procedure, Sector  # noqa: E402
from wardsite.roster.models import Assignment, Shift  # noqa: E402
from wardsite.stations.models import Station  # noqa: E402
from wardsite.stats.models import GuidanceSession, GuidanceSessionProcedure  # noqa: E402
from wardsite.timeutil import from_local, local_today  # noqa: E402
from wardsite.visits.models import Visit, visit_procedure_done  # noqa: E402
from wardsite.volunteers.models import Volunteer  # noqa: E402

PASSWORD = "mật khẩu đo hiệu năng"


def fill(sessions: int, visits: int) -> None:
    rng = random.Random(1)
    groups = [ResidentialGroup(name=f"Tổ dân phố {n}", position=n) for n in range(1, 13)]
    stations = [Station(name="Bộ phận một cửa", kind="counter")] + [
        Station(name=f"Tổ dân phố điện tử số {n}", kind="estation", residential_group=groups[n - 1]) for n in range(1, 5)
    ]
    sectors = [Sector(name=f"Lĩnh vực {n}", slug=f"linh-vuc-{n}") for n in range(1, 9)]
    procedures = [Procedure(code=f"1.{n:06d}", name=f"Thủ tục số {n}", sector=sectors[n % 8], published=True) for n in range(60)]
    volunteers = [Volunteer(name=f"Tình nguyện viên {n}") for n in range(60)]
    leader = User(email="leader@example.org", name="Trưởng", password_hash="")
    leader.roles = ["leader"]
    leader.set_password(PASSWORD)
    db.session.add_all([*groups, *stations, *procedures, *volunteers, leader])
    db.session.flush()

    today = local_today()
    first = today - timedelta(days=730)
    rows, links = [], []
    for number in range(1, sessions + 1):
        day = first + timedelta(days=rng.randrange(731))
        station = rng.choice(stations)
        moment = from_local(datetime.combine(day, datetime.min.time())) + timedelta(hours=rng.uniform(7.5, 20))
        people = rng.randint(1, 4)
        rows.append({
            "id": number, "station_id": station.id, "residential_group_id": station.residential_group_id,
            "volunteer_id": rng.choice(volunteers).id, "logged_by_id": leader.id, "logged_at": moment, "day": day,
            "people_guided": people, "dossiers_filed": rng.randint(0, people), "note": "",
        })
        for procedure in rng.sample(procedures, rng.choice([1, 1, 2])):
            links.append({"session_id": number, "procedure_id": procedure.id, "day": day, "people_guided": people,
                          "dossiers_filed": rows[-1]["dossiers_filed"]})
    db.session.execute(insert(GuidanceSession), rows)
    db.session.execute(insert(GuidanceSessionProcedure), links)

    rows, links = [], []
    for number in range(1, visits + 1):
        day = first + timedelta(days=rng.randrange(731))
        start = from_local(datetime.combine(day, datetime.min.time())) + timedelta(hours=rng.choice([8, 9, 10, 14, 15]))
        status = rng.choices(["done", "no_show", "cancelled", "confirmed"], weights=[75, 10, 10, 5])[0]
        people = rng.randint(1, 3) if status == "done" else None
        rows.append({
            "id": number, "code": f"B{number:05d}", "status": status, "slot_start": start, "slot_end": start + timedelta(hours=1),
            "seat": None, "full_name": "", "address": "", "help_needed": "", "residential_group_id": rng.choice(groups).id,
            "created_at": start, "people_guided": people, "dossiers_filed": rng.randint(0, people) if people else None,
            "rating": rng.choice([None, 3, 4, 5]) if status == "done" else None, "dossier_codes": "", "outcome_note": "",
            "rating_comment": "", "cancelled_by_resident": False,
        })
        if status == "done":
            links.append({"visit_id": number, "procedure_id": rng.choice(procedures).id})
    db.session.execute(insert(Visit), rows)
    db.session.execute(insert(visit_procedure_done), links)

    # A year of shifts, two seats each, mostly attended.
    shift_rows, assignment_rows, shift_id = [], [], 0
    for offset in range(365):
        day = today - timedelta(days=offset)
        for hour in (7, 13, 19):
            shift_id += 1
            start = from_local(datetime.combine(day, datetime.min.time())) + timedelta(hours=hour)
            shift_rows.append({"id": shift_id, "kind": "counter", "station_id": stations[0].id, "starts_at": start,
                               "ends_at": start + timedelta(hours=4), "seats": 2, "cancelled": False, "note": ""})
            for volunteer in rng.sample(volunteers, 2):
                assignment_rows.append({"shift_id": shift_id, "volunteer_id": volunteer.id, "pinned": False,
                                        "attendance": rng.choice(["present", "present", "absent", None]), "created_at": start})
    db.session.execute(insert(Shift), shift_rows)
    db.session.execute(insert(Assignment), assignment_rows)
    # Bulk INSERTs go around the ORM that keeps the figures' summaries in step.
    summary_tables.rebuild(db.session.connection())
    db.session.commit()
    # Planner statistics, as a database that has lived a while has them (autovacuum on PostgreSQL).
    with db.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()


def timed(client, url: str, runs: int) -> tuple[list[float], list[float], int]:
    """Wall-clock and CPU milliseconds per request (the machine may be shared:
    CPU time is what the request itself cost, in this process and SQLite's)."""
    wall, cpu, size = [], [], 0
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, response.status_code
        size = len(response.data)
    return wall, cpu, size


def describe(label: str, wall: list[float], cpu: list[float], size: int) -> str:
    return (f"{label:<24} wall median {statistics.median(wall):7.1f} ms (max {max(wall):7.1f})   "
            f"CPU median {statistics.median(cpu):7.1f} ms   {size / 1024:.0f} KB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--visits", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database", default="")
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="stats-bench-"))
    uri = options.database or f"sqlite:///{folder / 'bench.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": uri, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_STORAGE_URI": "memory://", "UPLOAD_FOLDER": str(folder / "uploads")})
    app.instance_path = str(folder)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        fill(options.sessions, options.visits)
        print(f"filled {options.sessions:,} sessions and {options.visits:,} visits in {time.perf_counter() - started:.1f} s ({uri.split(':')[0]})")

    client = app.test_client()
    response = client.post("/dang-nhap", data={"login": "leader@example.org", "password": PASSWORD})
    assert response.status_code == 303, response.status_code
    year = local_today().year
    span = f"tu=01/01/{year - 1}&den=31/12/{year - 1}"
    client.get(f"/quan-tri/bao-cao/?{span}")  # warm the caches once, as a running server has them
    print(describe(f"report page, {year - 1}", *timed(client, f"/quan-tri/bao-cao/?{span}", options.runs)))
    print(describe(f"Excel workbook, {year - 1}", *timed(client, f"/quan-tri/bao-cao/bao-cao.xlsx?{span}", options.runs)))
    print(describe(f"CSV by month, {year - 1}", *timed(client, f"/quan-tri/bao-cao/thang.csv?{span}", options.runs)))
    both = f"tu=01/01/{year - 1}&den=31/12/{year}"
    print(describe("report page, 2 years", *timed(client, f"/quan-tri/bao-cao/?{both}", options.runs)))
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
