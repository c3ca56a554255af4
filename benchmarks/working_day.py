"""The writers of a working day, for `load.py`'s working-day table (issue 16).

    WARDSITE_SQLALCHEMY_DATABASE_URI=... .venv/bin/python benchmarks/working_day.py --rate 1 --seconds 60

While anonymous readers load the public pages, this process writes what a
ward's day writes, through the same service functions the staff's and
residents' forms call (so the same ORM flushes, audit lines, summaries and
page-cache invalidation):

- an e-station entry (a guidance session logged by a volunteer on duty at an
  e-station) every 10 s;
- a booking of a home visit by a resident every 30 s (a free slot of the
  booking horizon, a new phone number each time);
- a comment approved by an editor every minute (on the article the readers
  read; the comments were left waiting before the run);

each `--rate` times as often. The first of each kind comes half an interval
after the start. It prints "ready" once set up, and at the end one JSON line:
how many writes of each kind it made and their median and highest duration.
It writes to the database the site's gunicorn workers read: run it only on a
benchmark database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from wardsite import create_app  # noqa: E402
from wardsite.accounts.models import User, UserRole  # noqa: E402
from wardsite.extensions import db  # noqa: E402
from wardsite.news import services as news  # noqa: E402
from wardsite.news.models import COMMENT_WAITING, Comment  # noqa: E402
from wardsite.procedures.models import Procedure  # noqa: E402
from wardsite.stations.models import Station  # noqa: E402
from wardsite.stats import services as stats  # noqa: E402
from wardsite.visits import services as visits  # noqa: E402
from wardsite.visits import slots  # noqa: E402
from wardsite.volunteers.models import Volunteer  # noqa: E402

# Seconds between two writes of each kind at rate 1.
INTERVALS = {"e-station entry": 10.0, "booking": 30.0, "comment approved": 60.0}
WAITING_MARK = "(benchmark) "


def leave_comments(article_id: int, count: int) -> None:
    """Comments waiting for moderation on the article, for a later run to approve."""
    app = create_app()
    with app.app_context():
        db.session.add_all(Comment(article_id=article_id, author_name=f"{WAITING_MARK}Bạn đọc {n}",
                                   body="Cảm ơn phường đã thông tin kịp thời.", status=COMMENT_WAITING)
                           for n in range(count))
        db.session.commit()
        db.engine.dispose()


class Writers:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.station = db.session.scalar(select(Station).where(Station.kind == "estation").order_by(Station.id))
        self.volunteer_user = db.session.scalar(select(User).join(Volunteer, Volunteer.user_id == User.id).order_by(User.id))
        self.editor = db.session.scalar(select(User).join(UserRole).where(UserRole.role == "editor").order_by(User.id))
        self.procedure_ids = list(db.session.scalars(select(Procedure.id).where(Procedure.published.is_(True))
                                                     .order_by(Procedure.id).limit(40)))
        self.group_id = self.station.residential_group_id
        self.phones = iter(range(10_000_000))

    def entry(self) -> None:
        procedure = db.session.get(Procedure, self.rng.choice(self.procedure_ids))
        stats.log_session_once(form_token=secrets.token_urlsafe(16), station=self.station, user=self.volunteer_user,
                               people_guided=self.rng.choice([1, 1, 2, 3]), dossiers_filed=self.rng.choice([0, 1]),
                               procedures=[procedure])

    def booking(self) -> None:
        free = slots.free_slots()
        if not free:
            raise RuntimeError("no free slot to book")
        slot = self.rng.choice(free[:200])
        details = visits.BookingDetails(
            full_name="Nguyễn Văn Đọc", phone=f"039{os.getpid() % 100:02d}{next(self.phones):05d}",
            address="Số 12 đường Hòa Phong", residential_group_id=self.group_id, help_needed="Kích hoạt VNeID",
            procedure_ids=[self.rng.choice(self.procedure_ids)],
        )
        visits.book(details, slot.start, secrets.token_urlsafe(16), held=True)

    def comment_approved(self) -> None:
        comment = db.session.scalar(select(Comment).where(Comment.status == COMMENT_WAITING,
                                                          Comment.author_name.startswith(WAITING_MARK))
                                    .order_by(Comment.id))
        if comment is None:
            raise RuntimeError("no waiting comment left to approve")
        news.moderate(comment, True, self.editor)
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    options = parser.parse_args()
    app = create_app()
    with app.test_request_context("/"):
        writers = Writers(random.Random(16))
        actions = {"e-station entry": writers.entry, "booking": writers.booking, "comment approved": writers.comment_approved}
        intervals = {kind: seconds / options.rate for kind, seconds in INTERVALS.items()}
        print("ready", flush=True)
        started = time.monotonic()
        due = {kind: started + interval / 2 for kind, interval in intervals.items()}
        took: dict[str, list[float]] = {kind: [] for kind in actions}
        failures: dict[str, str] = {}
        while True:
            kind = min(due, key=due.get)
            if due[kind] > started + options.seconds:
                break
            time.sleep(max(0.0, due[kind] - time.monotonic()))
            began = time.perf_counter()
            try:
                actions[kind]()
            except Exception as error:  # noqa: BLE001 - reported, and the run goes on
                db.session.rollback()
                failures[kind] = f"{type(error).__name__}: {error}"
            else:
                took[kind].append((time.perf_counter() - began) * 1000)
            due[kind] += intervals[kind]
        print(json.dumps({
            kind: {"writes": len(times), "median_ms": round(statistics.median(times), 1) if times else None,
                   "max_ms": round(max(times), 1) if times else None, "failed": failures.get(kind)}
            for kind, times in took.items()
        }), flush=True)
        db.engine.dispose()


if __name__ == "__main__":
    main()
