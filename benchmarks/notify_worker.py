"""The notify worker: messages per second to a stand-in provider, and the delay
from the commit that queues a message to the provider receiving it.

    .venv/bin/python benchmarks/notify_worker.py [--messages 2000] [--workers 1] [--trickle 200] [--rate 20] [--database URI]

Serves a stand-in eSMS on 127.0.0.1 (tests/notify_standin.py: answers as eSMS
documents, drops a repeated RequestId) and runs `--workers` worker processes
(`flask --app wardsite notify worker`) against a fresh SQLite file, or the
database `--database` names (e.g. the PostgreSQL test server; its tables are
emptied first).

1. Throughput: `--messages` SMS messages are queued in one commit, then the
   workers start; messages per second from the first to the last one the
   stand-in received (the workers' start-up is not counted).
2. Delay: with the workers idle, `--trickle` messages are queued one per
   commit at `--rate` a second; the delay of each is the stand-in's arrival
   time minus the time its commit returned (p50, p95, max).

Each run also checks that every message reached the stand-in exactly once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from tests.notify_standin import EsmsStandIn, worker_env  # noqa: E402
from wardsite import create_app, mail  # noqa: E402
from wardsite.extensions import db  # noqa: E402
from wardsite.mail import OutboxMessage  # noqa: E402

PARAMS = {"code": "K7M2QX", "time": "09:00", "date": "14/03/2026", "link": "https://phuong.example.vn/dat-lich/tra-cuu"}


def sent(app) -> int:
    with app.app_context():
        db.session.remove()
        return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent"))


def wait_for(app, total: int, timeout: float = 600) -> None:
    end = time.monotonic() + timeout
    while sent(app) < total:
        if time.monotonic() > end:
            raise SystemExit(f"only {sent(app)} of {total} sent in {timeout} s")
        time.sleep(0.05)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--trickle", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--poll", type=float, default=1.0, help="NOTIFY_WORKER_POLL_SECONDS (default: the setting's default)")
    parser.add_argument("--database", default="")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    uri = args.database or f"sqlite:///{folder / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "CANONICAL_URL": "http://localhost",
                      "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        if uri.startswith("postgresql"):
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
    stand_in = EsmsStandIn(folder / "provider.log")
    env = worker_env(uri, stand_in.url, NOTIFY_WORKER_POLL_SECONDS=args.poll, NOTIFY_CLAIM_SECONDS=120)
    workers = []
    try:
        # 1. Throughput.
        with app.app_context():
            for index in range(args.messages):
                mail.queue_notice("visit_confirmed", "0912345678", PARAMS, f"bulk:{index}", channel="sms")
            db.session.commit()
        for _ in range(args.workers):
            with open(folder / "worker.log", "ab") as log:
                workers.append(subprocess.Popen([sys.executable, "-m", "flask", "--app", "wardsite", "notify", "worker"],
                                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        wait_for(app, args.messages)
        arrivals = sorted(stand_in.accepted.values())
        spread = arrivals[-1] - arrivals[0]
        rate = (len(arrivals) - 1) / spread if spread else float("inf")
        # 2. Commit-to-send delay, the workers idle between messages.
        committed: dict[str, float] = {}
        with app.app_context():
            for index in range(args.trickle):
                key = f"trickle:{index}"
                mail.queue_notice("visit_confirmed", "0912345678", PARAMS, key, channel="sms")
                db.session.commit()
                committed[key] = time.time()
                time.sleep(1 / args.rate)
        wait_for(app, args.messages + args.trickle)
        delays = [(stand_in.accepted[key] - at) * 1000 for key, at in committed.items()]
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        stand_in.close()
    logged = stand_in.logged()
    assert len(logged) == len(set(logged)) == args.messages + args.trickle, "a message was sent twice or lost"
    database = "PostgreSQL" if uri.startswith("postgresql") else "SQLite"
    print(f"{database}, {args.workers} worker(s), batch 20, poll {args.poll} s, stand-in on loopback")
    print(f"throughput: {args.messages} messages in {spread:.2f} s = {rate:.0f} messages/s")
    print(f"commit-to-send delay over {args.trickle} messages at {args.rate}/s: p50 {statistics.median(delays):.0f} ms, "
          f"p95 {percentile(delays, 0.95):.0f} ms, max {max(delays):.0f} ms")
    print(f"requests to the stand-in: {stand_in.requests}, duplicates: {stand_in.duplicates}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    main()
