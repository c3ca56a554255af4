"""Scale the demo database up to the size of the load benchmark (issue 8).

    WARDSITE_SQLALCHEMY_DATABASE_URI=... .venv/bin/python benchmarks/scaled_data.py

Run after `flask db upgrade` and `flask demo` on the database of the
environment; `benchmarks/load.py` does it. Adds, beside the demo records (each
area's part in its module of `benchmarks/scaled/`):

- 2,000 procedures in 12 sectors, with steps, papers and channels, their
  folded search text made by the model's own `refresh_search_text()`;
- 5,000 articles over five years (a few scheduled, a few drafts, three more
  pinned) with Markdown bodies, and a few hundred comments;
- 8 more residential groups and 4 more e-stations;
- 300 volunteers with weekly availability;
- a year of mobile-team shifts and two weeks ahead (six teams in each of three
  daily periods on weekdays, ten at weekends, two volunteers each, one of them
  experienced, chosen among those available), and on them 20,000 home visits:
  past ones done, nobody at home, cancelled or left confirmed, the older ones
  with personal data erased; upcoming ones requested or confirmed within the
  booking horizon. One visit per slot and team, so no seat is held twice;
- 100,000 guidance sessions over the past year at the counter and the
  e-stations, each with one or two procedures.

Rows go in with bulk INSERTs (executemany) in one transaction, so it takes
seconds on SQLite; records that others point to get the next free ids, and on
PostgreSQL the sequences are moved past them at the end. A fixed seed gives
the same records for the same day. Ends with ANALYZE, as a database that has
lived a while has planner statistics.

With `--history 10` it then makes the history ten times as long
(`benchmarks/scaled/history.py`: about 1,000,000 guidance sessions, 200,000
visits, 50,000 articles) with bulk SQL, refills the summaries with `flask
stats rebuild-summaries`, and runs ANALYZE again; `--history 10
--only-history` does that to a database that already has the scaled data set
(`make bench-history`).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402

from benchmarks.scaled import history, news, procedures, stats, visits, volunteers  # noqa: E402
from benchmarks.scaled.common import Day, reset_sequences  # noqa: E402
from wardsite import create_app  # noqa: E402
from wardsite.extensions import db  # noqa: E402
from wardsite.stats import summary_tables  # noqa: E402
from wardsite.news.models import Article  # noqa: E402
from wardsite.procedures.models import Procedure  # noqa: E402
from wardsite.stats.models import GuidanceSession  # noqa: E402
from wardsite.timeutil import local_today  # noqa: E402
from wardsite.visits.models import Visit  # noqa: E402
from wardsite.volunteers.models import Volunteer  # noqa: E402

SEED = 8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--history", type=int, default=1, help="make the history this many times as long")
    parser.add_argument("--only-history", action="store_true", help="the scaled data set is there already")
    options = parser.parse_args()
    if not options.only_history:
        scale()
    if options.history > 1:
        lengthen(options.history)


def lengthen(factor: int) -> None:
    started = time.perf_counter()
    app = create_app()
    with app.app_context():
        with db.engine.begin() as connection:
            counts = history.multiply(connection, factor)
        copied = time.perf_counter() - started
        db.engine.dispose()
    # The rows went in around the site, as after a restore: the repair command.
    subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wardsite", "stats", "rebuild-summaries"],
                   check=True, capture_output=True, cwd=Path(__file__).resolve().parent.parent)
    with app.app_context():
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
        db.engine.dispose()
    print(f"history x{factor}:", ", ".join(f"{count:,} {name}" for name, count in counts.items()),
          f"(bulk SQL {copied:.1f} s, summaries rebuilt and ANALYZE: {time.perf_counter() - started:.1f} s in all)")


def scale() -> None:
    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        rng = random.Random(SEED)
        day = Day()
        today = local_today()
        groups, stations = volunteers.add_places(rng)
        procedure_weights = procedures.add_procedures(rng)
        news.add_articles(rng)
        people = volunteers.add_volunteers(rng, groups)
        shifts = volunteers.add_mobile_shifts(rng, people, today - timedelta(days=365),
                                              today + timedelta(days=int(app.config["VISIT_HORIZON_DAYS"])), day)
        visits.add_visits(rng, shifts, groups, procedure_weights, day)
        stats.add_guidance_sessions(rng, stations, people, procedure_weights, day)
        reset_sequences()
        # The rows went in with bulk INSERTs, around the ORM that keeps the
        # figures' summaries in step: fill them, as `flask stats rebuild-summaries` does.
        summary_tables.rebuild(db.session.connection())
        db.session.commit()
        # Planner statistics, as a database that has lived a while has them (autovacuum on PostgreSQL).
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
        counts = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                  for model in (Procedure, Article, Volunteer, Visit, GuidanceSession)}
        print("scaled data:", ", ".join(f"{count:,} {name}" for name, count in counts.items()),
              f"in {time.perf_counter() - started:.1f} s ({db.engine.dialect.name})")
        db.engine.dispose()


if __name__ == "__main__":
    main()
