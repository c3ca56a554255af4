"""Time one render of the home page and /thong-ke/ with the page cache off (issue 16).

    WARDSITE_SQLALCHEMY_DATABASE_URI=sqlite:////tmp/scaled.db .venv/bin/python benchmarks/render_time.py [--runs 15]
    ... render_time.py --pages '[["home", "/", {}], ...]' --json    # load.py --history: every public page

Run on a database built as `load.py` builds it (`flask db upgrade`, `flask
demo`, `scaled_data.py`). In process, through Flask's test client: the
figure is the median wall time of one request after two warm-up requests,
and the number of SQL statements the request ran.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ["WARDSITE_PAGE_CACHE"] = "false"

from sqlalchemy import event  # noqa: E402

from wardsite import create_app  # noqa: E402
from wardsite.extensions import db  # noqa: E402

PAGES = ["/", "/thong-ke/"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--pages", default="", help="JSON: [[label, path, headers], ...]")
    parser.add_argument("--json", action="store_true", help="one JSON line: label -> cpu_ms, wall_ms, statements")
    args = parser.parse_args()
    pages = json.loads(args.pages) if args.pages else [[page, page, {}] for page in PAGES]
    found = {}
    app = create_app()
    client = app.test_client()
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.append(1))
    for label, page, headers in pages:
        for _ in range(2):
            assert client.get(page, headers=headers).status_code == 200
        times, cpu, counts = [], [], []
        for _ in range(args.runs):
            statements.clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(page, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            counts.append(len(statements))
            assert response.status_code == 200
        found[label] = {"cpu_ms": statistics.median(cpu), "wall_ms": statistics.median(times),
                        "statements": int(statistics.median(counts))}
        if args.json:
            continue
        print(f"{page}: wall median {statistics.median(times):.1f} ms, min {min(times):.1f} ms, "
              f"CPU median {statistics.median(cpu):.1f} ms, "
              f"{statistics.median(counts):.0f} statements ({args.runs} runs)")

    if args.json:
        print(json.dumps(found))


if __name__ == "__main__":
    main()
