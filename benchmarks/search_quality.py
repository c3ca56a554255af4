"""How well the procedure search answers residents, over the real ward catalogue.

    .venv/bin/python benchmarks/search_quality.py [--records /work/shared/data/tthc/records] [--scale 2642] [--database URI]

Loads the portal's ward-level records (name, code, sector and the text of
steps, papers, applicants, results and requirements) into a fresh SQLite file
unless --database gives another, with a minimal loader of its own (the full
importer is not needed to measure search). Then runs every query of
`search_queries.tsv` through the real search (`services.search`, as the
procedures page does, SearchPage included) and prints hit@1, hit@3, the misses,
and the p95 latency. With --scale N, copies of the records under new codes
and slightly varied names are added until the catalogue holds N, and the
latency is measured again.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import text  # noqa: E402

from wardsite import create_app  # noqa: E402
from wardsite.extensions import db  # noqa: E402
from wardsite.procedures import services  # noqa: E402
from wardsite.procedures.models import Document, Procedure, Step  # noqa: E402

HERE = Path(__file__).resolve().parent
RECORDS = Path("/work/shared/data/tthc/records")
EMPTY = "Không có thông tin"


def _field(record: dict, key: str) -> str:
    value = (record.get(key) or "").strip()
    return "" if value == EMPTY else value


def load_records(folder: Path) -> list[dict]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.rglob("*.json"))]


def add_procedure(record: dict, code: str, name: str) -> None:
    procedure = Procedure(
        code=code,
        name=name,
        published=True,
        applicants=_field(record, "doi_tuong_thuc_hien"),
        authority=_field(record, "co_quan_thuc_hien"),
        result=_field(record, "ket_qua_xu_ly"),
        requirements=_field(record, "yeu_cau_dieu_kien"),
    )
    procedure.sector = services.find_or_create_sector(_field(record, "linh_vuc"))
    procedure.steps = [Step(position=0, text=_field(record, "trinh_tu_thuc_hien") or "-")]
    procedure.documents = [Document(position=0, name=_field(record, "thanh_phan_ho_so") or "-")]
    procedure.refresh_search_text()
    db.session.add(procedure)


def load(records: list[dict], scale: int = 0) -> None:
    seen = set()
    for record in records:
        code = record["ma_thu_tuc"].strip()
        if code in seen:
            continue
        seen.add(code)
        add_procedure(record, code, " ".join(record["ten_thu_tuc"].split()))
    db.session.commit()
    copy = 0
    while len(seen) < scale:
        record = records[copy % len(records)]
        copy += 1
        code = f"9.{copy:06d}"
        seen.add(code)
        # Same shape, a different place: like the province-level records of the same portal.
        add_procedure(record, code, f"{' '.join(record['ten_thu_tuc'].split())} (cấp tỉnh, bản {copy})")
        if copy % 500 == 0:
            db.session.commit()
    db.session.commit()


def read_queries(path: Path) -> list[tuple[str, set[str]]]:
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        query, codes = line.split("\t")[:2]
        queries.append((query, {code.strip() for code in codes.split(",")}))
    return queries


def run(queries, show_misses: bool) -> tuple[float, float, float, float]:
    hit1 = hit3 = 0
    timings = []
    for query, wanted in queries:
        started = time.perf_counter()
        page = services.SearchPage(services.search(query), page=1, per_page=20)
        codes = [procedure.code for procedure in page.items]
        timings.append((time.perf_counter() - started) * 1000)
        hit1 += bool(codes[:1] and codes[0] in wanted)
        hit3 += bool(wanted & set(codes[:3]))
        if show_misses and not (codes[:1] and codes[0] in wanted):
            print(f"  miss@1 {query!r}: wanted {sorted(wanted)}, got {codes[:3]} of {page.total}")
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    return hit1 / len(queries), hit3 / len(queries), statistics.median(timings), p95


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=Path, default=RECORDS)
    parser.add_argument("--queries", type=Path, default=HERE / "search_queries.tsv")
    parser.add_argument("--scale", type=int, default=2642)
    parser.add_argument("--database", default="")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    uri = args.database or f"sqlite:///{tempfile.mkdtemp()}/search.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "benchmark", "RATELIMIT_STORAGE_URI": "memory://"})
    records = load_records(args.records)
    queries = read_queries(args.queries)
    with app.app_context():
        if args.database.startswith("postgresql"):
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        load(records)
        total = db.session.query(Procedure).count()
        services.search("khai sinh")  # build the index once, as the first visitor would
        services.SearchPage(services.search("khai sinh"), page=1, per_page=20)
        print(f"{db.engine.dialect.name}: {len(queries)} queries over {total} records")
        h1, h3, median, p95 = run(queries, not args.quiet)
        print(f"  hit@1 {h1:.3f}  hit@3 {h3:.3f}  median {median:.2f} ms  p95 {p95:.2f} ms")
        if args.scale > total:
            load(records, args.scale)
            total = db.session.query(Procedure).count()
            services.SearchPage(services.search("khai sinh"), page=1, per_page=20)
            h1, h3, median, p95 = run(queries, False)
            print(f"{total} records: hit@1 {h1:.3f}  hit@3 {h3:.3f}  median {median:.2f} ms  p95 {p95:.2f} ms")


if __name__ == "__main__":
    main()
