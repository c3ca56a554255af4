"""Automatic rostering through the database, as the leader's button runs it:
300 volunteers, 4 weeks, 60 shifts a week, on a fresh SQLite file.

    .venv/bin/python benchmarks/roster_fill_db.py [--database URI]

Times `services.fill_roster` (loading, eligibility, the solver, writing the
assignments) and a rerun, which must change nothing.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time as clock
from datetime import datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from wardsite import create_app  # noqa: E402
from wardsite.extensions import db  # noqa: E402
from wardsite.roster import services  # noqa: E402
from wardsite.roster.models import Shift  # noqa: E402
from wardsite.stations.models import Station  # noqa: E402
from wardsite.timeutil import from_local, local_today  # noqa: E402
from wardsite.volunteers.models import DAY_PARTS, Volunteer  # noqa: E402

SLOTS = [(time(7, 30), time(11, 30)), (time(8), time(11)), (time(13), time(17)), (time(14), time(16)), (time(19), time(21))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    uri = args.database or f"sqlite:///{folder}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "TESTING": True})
    rng = random.Random(1)
    with app.app_context():
        upgrade()
        stations = [Station(name=f"Điểm {n}", kind="counter" if n == 0 else "estation") for n in range(3)]
        db.session.add_all(stations)
        parts = list(DAY_PARTS)
        for n in range(300):
            v = Volunteer(name=f"TNV {n}", experienced=rng.random() < 0.35, max_shifts_per_week=rng.choice([1, 1, 2, 2, 3]))
            v.set_weekly_cells({(rng.randrange(7), rng.choice(parts)) for _ in range(rng.randint(2, 6))})
            db.session.add(v)
        start = services.week_start(local_today()) + timedelta(weeks=1)
        for week in range(4):
            for n in range(60):
                day = start + timedelta(weeks=week, days=n % 7)
                begins, ends = SLOTS[n % len(SLOTS)]
                kind = rng.choice(["counter", "estation", "mobile"])
                db.session.add(Shift(
                    kind=kind, station=None if kind == "mobile" else stations[n % 3], seats=rng.randint(2, 4),
                    starts_at=from_local(datetime.combine(day, begins)), ends_at=from_local(datetime.combine(day, ends)),
                ))
        db.session.commit()
        end = start + timedelta(weeks=4, days=-1)
        with app.test_request_context():
            began = clock.perf_counter()
            report = services.fill_roster(start, end)
            db.session.commit()
            first = clock.perf_counter() - began
            began = clock.perf_counter()
            again = services.fill_roster(start, end)
            db.session.commit()
            second = clock.perf_counter() - began
    print(f"filled {report.filled} of {report.seats} seats; {len(report.empty)} shifts with empty seats")
    print(f"fill {first:.2f} s; rerun {second:.2f} s ({again.added} added, {again.removed} removed)")


if __name__ == "__main__":
    main()
