"""How well the procedure search answers residents, over the real ward catalogue.

    .venv/bin/python benchmarks/procedures_search_quality.py [--records ../shared/data/tthc/records]
        [--scale 2642] [--database URI] [--keep FILE.db] [--quiet]

Imports the portal's 588 ward-level records with the real importer (as
`flask procedures import RECORDS --publish` does) into a fresh SQLite file,
or the database given (PostgreSQL: its public schema is emptied first), or
reuses FILE.db with --keep when it already holds them. Then runs every query
of `procedures_search_queries.tsv` through the search as the procedures page
does (`services.search` and `SearchPage`, the first page of 20) and prints
hit@1 and hit@3 for the tuning queries, the held-out ones and all, the misses,
and the latency (median, p95) of each search repeated five times. The sealed sets
(held-out-wide) are left out unless --unseal is given. With
--scale N, copies of the records under new codes and with a place added to the
name (as the province-level records of the same portal are) are imported until
the catalogue holds N, and the latency is measured again, over the requests of
the procedures page itself (the htmx results partial) too.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from wardsite import create_app  # noqa: E402
from wardsite.extensions import db  # noqa: E402
from wardsite.procedures import open_data, portal, services  # noqa: E402
from wardsite.procedures.models import Procedure  # noqa: E402

HERE = Path(__file__).resolve().parent
RECORDS = HERE.parent.parent / "shared" / "data" / "tthc" / "records"
PLACES = ["cấp tỉnh", "cấp huyện", "tại Ban quản lý khu kinh tế", "cấp bộ"]


def read_queries(path: Path) -> list[tuple[str, set[str], str]]:
    """(query, codes that answer it, "tune", "held-out" or "held-out-2")."""
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.split("\t")
        split = columns[3].strip() if len(columns) > 3 else "tune"
        queries.append((columns[0], {code.strip() for code in columns[1].split(",")}, split))
    return queries


def search_codes(query: str) -> tuple[list[str], int]:
    page = services.SearchPage(services.search(query), page=1, per_page=20)
    return [procedure.code for procedure in page.items], page.total


SEALED = ("held-out-wide",)  # run, but neither rates nor misses printed until --unseal


def quality(queries, show_misses: bool, sealed=()) -> dict[str, tuple[int, float, float]]:
    tallies: dict[str, list[int]] = {}
    for query, wanted, split in queries:
        if split in sealed:
            continue
        codes, total = search_codes(query)
        hit1 = bool(codes[:1] and codes[0] in wanted)
        hit3 = bool(wanted & set(codes[:3]))
        for group in (split, "all"):
            tally = tallies.setdefault(group, [0, 0, 0])
            tally[0] += 1
            tally[1] += hit1
            tally[2] += hit3
        if show_misses and not hit1:
            print(f"  {'miss@3' if not hit3 else 'miss@1'} [{split}] {query!r}: wanted {sorted(wanted)}, got {codes[:3]} of {total}")
    return {group: (n, h1 / n, h3 / n) for group, (n, h1, h3) in tallies.items()}


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(round(len(ordered) * fraction)) - 1)]


def latency(queries, repeat: int = 5) -> tuple[float, float, float, float]:
    """Median and p95 of each search, in wall time and in this process's CPU time
    (on the shared 2-core machine wall time includes waiting for a core; with
    PostgreSQL the CPU time leaves out the server's own work)."""
    timings, cpu = [], []
    for _ in range(repeat):
        for query, _wanted, _split in queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            search_codes(query)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(timings), percentile(timings, 0.95), statistics.median(cpu), percentile(cpu, 0.95)


def request_latency(app, queries, repeat: int = 3) -> tuple[float, float, float, float]:
    client = app.test_client()
    headers = {"HX-Request": "true", "HX-Target": "procedure-results", "HX-Trigger": "procedure-search"}
    timings, cpu = [], []
    for _ in range(repeat):
        for query, _wanted, _split in queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get("/thu-tuc/", query_string={"q": query}, headers=headers)
            response.get_data()
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200
    return statistics.median(timings), percentile(timings, 0.95), statistics.median(cpu), percentile(cpu, 0.95)


def print_latency(title: str, figures) -> None:
    median, p95, cpu_median, cpu_p95 = figures
    print(f"  {title}: median {median:.2f} ms  p95 {p95:.2f} ms  (CPU time: median {cpu_median:.2f} ms  p95 {cpu_p95:.2f} ms)")


def scaled_records(records: list[dict], total: int, present: int) -> list[dict]:
    extra = []
    number = 0
    while present + len(extra) < total:
        record = copy.deepcopy(records[number % len(records)])
        number += 1
        record["code"] = f"9.{number:06d}"
        record["name"] = f"{record['name']} ({PLACES[number % len(PLACES)]}, bản {number})"
        extra.append(record)
    return extra


def print_quality(title: str, results: dict) -> None:
    print(title)
    for group in ("tune", "held-out", "held-out-2", "held-out-wide", "held-out-3", "all"):
        if group in results:
            n, h1, h3 = results[group]
            print(f"  {group:<9} {n:>3} queries  hit@1 {h1:.3f}  hit@3 {h3:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=Path, default=RECORDS)
    parser.add_argument("--queries", type=Path, default=HERE / "procedures_search_queries.tsv")
    parser.add_argument("--scale", type=int, default=2642)
    parser.add_argument("--database", default="")
    parser.add_argument("--keep", default="", help="a SQLite file to reuse (imported once)")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--unseal", action="store_true", help=f"also score the sealed sets {SEALED} (run them once, at the end)")
    args = parser.parse_args()
    uri = args.database or f"sqlite:///{args.keep or Path(tempfile.mkdtemp()) / 'search.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "benchmark", "RATELIMIT_STORAGE_URI": "memory://", "PAGE_CACHE": False,
                      "TESTING": True})
    queries = read_queries(args.queries)
    records = portal.read_path(args.records)
    with app.app_context():
        present = 0
        if args.keep and not args.database:
            upgrade()
            present = db.session.scalar(select(func.count(Procedure.id)))
        if not present:
            if args.database.startswith("postgresql"):
                with db.engine.begin() as connection:
                    connection.execute(text("DROP SCHEMA public CASCADE"))
                    connection.execute(text("CREATE SCHEMA public"))
            upgrade()
            started = time.perf_counter()
            report = open_data.import_records(records, publish=True)
            print(f"imported {len(report.created)} of {len(records)} records in {time.perf_counter() - started:.1f} s "
                  f"({len(report.rejected)} rejected)")
        codes = set(db.session.scalars(select(Procedure.code)))
        unknown = sorted({code for _q, wanted, _s in queries for code in wanted} - codes)
        if unknown:
            raise SystemExit(f"queries name codes not in the catalogue: {unknown}")
        total = len(codes)
        started = time.perf_counter()
        search_codes("khai sinh")  # builds the index once, as the first visitor does
        print(f"{db.engine.dialect.name}: {len(queries)} queries over {total} records "
              f"(index built in {(time.perf_counter() - started) * 1000:.0f} ms)")
        sealed = () if args.unseal else SEALED
        print_quality("quality:", quality(queries, not args.quiet, sealed))
        print_latency("search", latency(queries))
        if args.scale > total and not args.keep:
            extra = scaled_records([r for r in records if r["code"] in codes], args.scale, total)
            open_data.import_records(extra, publish=True)
            total = db.session.scalar(select(func.count(Procedure.id)))
            started = time.perf_counter()
            search_codes("khai sinh")
            print(f"load average {os.getloadavg()[0]:.1f}; {total} records (index built in {(time.perf_counter() - started) * 1000:.0f} ms):")
            print_quality("quality at scale:", quality(queries, False, sealed))
            print_latency("search", latency(queries))
            print_latency("request (htmx results partial)", request_latency(app, queries))


if __name__ == "__main__":
    main()
