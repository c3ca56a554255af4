"""Booking home visits under contention: no overbooking, and how long it takes.

    .venv/bin/python benchmarks/visits_booking.py [--requests 300] [--threads 30] [--database URI]

Rosters 20 mobile-team shifts of three one-hour slots (60 seats) over the next
two weeks, serves the site on 127.0.0.1 with a threaded werkzeug server, and
lets `--threads` residents send `--requests` bookings in all, each for a
random slot among the 60: far more requests than seats, so most of them race
for seats already taken. Reports the time of a booking that wins and of one
that is told "just taken", the time of the booking form (which computes the
free slots), and checks the result: every seat held at most once, as many
bookings as 303 answers, no 500. Uses a fresh SQLite file database unless
--database gives another (e.g. the PostgreSQL test server).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from wardsite import create_app  # noqa: E402
from wardsite.admin.models import ResidentialGroup  # noqa: E402
from wardsite.extensions import db  # noqa: E402
from wardsite.roster.models import Assignment, Shift  # noqa: E402
from wardsite.timeutil import from_local, local_today, utcnow  # noqa: E402
from wardsite.visits.models import Visit  # noqa: E402
from wardsite.volunteers.models import Volunteer  # noqa: E402


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def summary(label: str, samples: list[float]) -> str:
    if not samples:
        return f"{label:<34} (none)"
    samples = sorted(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    return f"{label:<34} n={len(samples):<4} median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms   max {samples[-1]:7.2f} ms"


def arrange(app) -> tuple[int, list[str]]:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        group = ResidentialGroup(name="Tổ dân phố 1")
        db.session.add(group)
        slots = []
        for number in range(20):
            day = local_today() + timedelta(days=1 + number % 14)
            hour = 8 if number < 14 else 14
            volunteer = Volunteer(name=f"Tình nguyện viên {number}", experienced=True)
            shift = Shift(
                kind="mobile",
                starts_at=from_local(datetime.combine(day, clock(hour))),
                ends_at=from_local(datetime.combine(day, clock(hour + 3))),
                seats=1,
                published_at=utcnow(),
            )
            shift.assignments = [Assignment(volunteer=volunteer)]
            db.session.add_all([volunteer, shift])
            slots += [f"{day.isoformat()}T{hour + k:02d}:00" for k in range(3)]
        db.session.commit()
        return group.id, sorted(set(slots))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--threads", type=int, default=30)
    parser.add_argument("--database", default="")
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="visits-bench-"))
    uri = options.database or f"sqlite:///{folder / 'bench.db'}"
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": uri, "WTF_CSRF_ENABLED": False,
        "UPLOAD_FOLDER": str(folder / "uploads"), "VISIT_BOOKING_RATE_LIMIT": "100000 per minute",
        "VISIT_MAX_ACTIVE_PER_PHONE": 100000,
    })
    app.instance_path = str(folder)
    group_id, slots = arrange(app)
    seats = 60
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    opener = urllib.request.build_opener(NoRedirect)

    form_times = []
    for _ in range(30):
        start = time.perf_counter()
        with opener.open(f"{base}/dat-lich/") as response:
            response.read()
        form_times.append((time.perf_counter() - start) * 1000)

    rng = random.Random(6)
    jobs = [(index, rng.choice(slots)) for index in range(options.requests)]
    lock = threading.Lock()
    results: list[tuple[int, float, str]] = []

    def worker(my_jobs) -> None:
        for index, slot in my_jobs:
            body = urllib.parse.urlencode({
                "full_name": f"Người dân {index}", "phone": f"09{index:08d}", "address": "Số 1, đường Hòa Phong",
                "residential_group": group_id, "slot": slot, "notify_by": "none", "consent": "y", "form_token": f"bench-{index}",
            }).encode()
            start = time.perf_counter()
            try:
                with opener.open(urllib.request.Request(f"{base}/dat-lich/", data=body), timeout=120) as response:
                    status, page = response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                status, page = error.code, error.read().decode()
            elapsed = (time.perf_counter() - start) * 1000
            kind = "booked" if status == 303 else ("taken" if "vừa có người đặt" in page else f"other {status}")
            with lock:
                results.append((status, elapsed, kind))

    threads = [threading.Thread(target=worker, args=(jobs[n::options.threads],)) for n in range(options.threads)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    server.shutdown()

    with app.app_context():
        held = db.session.execute(
            select(Visit.shift_id, Visit.slot_start, func.count()).where(Visit.seat.is_not(None))
            .group_by(Visit.shift_id, Visit.slot_start)
        ).all()
        total = db.session.scalar(select(func.count()).select_from(Visit))
        db.engine.dispose()
    kinds = Counter(kind for _status, _elapsed, kind in results)
    print(f"database: {uri.split(':')[0]}; {options.requests} requests from {options.threads} threads for {seats} seats; wall {wall:.2f} s ({options.requests / wall:.0f} req/s)")
    print(f"answers: {dict(kinds)}")
    print(summary("booking form (free slots)", form_times))
    print(summary("booking that won a seat", [e for _s, e, k in results if k == "booked"]))
    print(summary("booking told 'just taken'", [e for _s, e, k in results if k == "taken"]))
    overbooked = [row for row in held if row[2] > 1]
    print(f"seats held: {len(held)} of {seats}; bookings stored: {total}; overbooked seats: {len(overbooked)}")
    ok = not overbooked and kinds["booked"] == total == len(held) and all(k in ("booked", "taken") for k in kinds)
    print("OK" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
