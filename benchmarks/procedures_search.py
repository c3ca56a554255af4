"""Searching a catalogue of 2,000 procedures, as the htmx search box does.

    .venv/bin/python benchmarks/procedures_search.py [--procedures 2000] [--requests 600] [--database URI]

Generates procedures with Vietnamese names, 4–8 steps and 3–6 papers each
(about 1.5 KB of folded body text, like the demo records), in a fresh SQLite
file unless --database gives another. Then sends a mix of searches through the
Flask test client with the htmx headers of the search box (name words with and
without accents, body-only words, codes and code prefixes, filters, words
found nowhere) and times each request end to end in the server: routing, the
query with its count, and rendering the results partial. Prints median and p95
per kind of search and overall (wall time, and the process's CPU time, which
on a busy shared machine leaves out the waiting for a core), and the size of
the partial.
"""

from __future__ import annotations

import argparse
import gzip
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from wardsite import create_app  # noqa: E402
from wardsite.extensions import db  # noqa: E402
from wardsite.procedures.models import Procedure  # noqa: E402
from wardsite.procedures.services import ChannelData, DocumentData, ProcedureData, save  # noqa: E402

SECTORS = ["Hộ tịch", "Chứng thực", "Cư trú", "Kinh tế", "Bảo trợ xã hội", "Đất đai", "Xây dựng", "Giáo dục", "Y tế", "Văn hóa"]
VERBS = ["Đăng ký", "Cấp", "Cấp lại", "Đổi", "Xác nhận", "Chứng thực", "Gia hạn", "Thay đổi", "Điều chỉnh", "Công nhận", "Hủy", "Thông báo"]
OBJECTS = [
    "khai sinh", "kết hôn", "khai tử", "giám hộ", "thường trú", "tạm trú", "hộ kinh doanh", "giấy xác nhận khuyết tật",
    "hộ nghèo", "bản sao từ bản chính", "chữ ký", "hợp đồng", "di chúc", "tình trạng hôn nhân", "trích lục hộ tịch",
    "giấy phép xây dựng", "quyền sử dụng đất", "trợ cấp xã hội", "học bổng", "bảo hiểm y tế", "lễ hội", "câu lạc bộ",
    "nhận cha, mẹ, con", "thông tin hộ tịch", "nơi cư trú", "sổ hộ nghèo", "nhà ở", "biển hiệu", "vệ sinh an toàn thực phẩm",
]
QUALIFIERS = ["", "", "cho người nước ngoài", "có yếu tố nước ngoài", "lưu động", "trực tuyến", "cho trẻ em", "cho người cao tuổi"]
STEP_WORDS = (
    "chuẩn bị tờ khai nộp hồ sơ tại bộ phận một cửa cán bộ kiểm tra đối chiếu giấy tờ bổ sung "
    "nhận kết quả qua bưu điện cổng dịch vụ công quốc gia tài khoản định danh điện tử ký nhận lệ phí"
).split()
PAPERS = ["Tờ khai theo mẫu", "Căn cước công dân", "Giấy chứng sinh", "Giấy tờ chứng minh chỗ ở hợp pháp", "Sổ hộ khẩu cũ",
          "Giấy xác nhận của tổ dân phố", "Bản sao giấy khai sinh", "Giấy ủy quyền", "Hợp đồng thuê nhà", "Đơn đề nghị"]


def generate(rng: random.Random, count: int) -> None:
    names = set()
    for number in range(count):
        while True:
            name = " ".join(part for part in [rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(QUALIFIERS)] if part)
            name = f"{name} ({number})" if name in names else name
            if name not in names:
                names.add(name)
                break
        steps = [
            f"Bước {n}: " + " ".join(rng.choice(STEP_WORDS) for _ in range(rng.randint(12, 30))) + "."
            for n in range(1, rng.randint(4, 8) + 1)
        ]
        papers = [DocumentData(name=paper, originals=1) for paper in rng.sample(PAPERS, rng.randint(3, 6))]
        data = ProcedureData(
            code=f"{rng.choice('12')}.{number + 1:06d}",
            name=name[:300],
            sector=rng.choice(SECTORS),
            online=rng.choice(["full", "partial", "none"]),
            same_day=rng.random() < 0.3,
            published=rng.random() < 0.95,
            applicants="Công dân Việt Nam cư trú tại phường; người đại diện theo ủy quyền.",
            authority="Ủy ban nhân dân phường",
            result="Giấy tờ theo yêu cầu hoặc thông báo từ chối có nêu rõ lý do.",
            steps=steps,
            documents=papers,
            channels=[ChannelData("in_person", "3 ngày làm việc", "Miễn phí"), ChannelData("online", "3 ngày làm việc", "Miễn phí")],
        )
        procedure = Procedure()
        save(procedure, data)
        db.session.add(procedure)
        if number % 200 == 199:
            db.session.commit()
    db.session.commit()


SEARCHES = {
    "name, no accents": ["dang ky khai sinh", "khai sinh", "ket hon", "tam tru", "ho kinh doanh", "cap lai", "giay xac nhan"],
    "name, with accents": ["Đăng ký khai sinh", "chứng thực bản sao", "Thường trú", "HỘ NGHÈO", "giấy phép xây dựng"],
    "body only": ["buu dien", "dinh danh dien tu", "hop dong thue nha", "so ho khau"],
    "code / prefix": ["1.000193", "2.001500", "1.0010", "1.00"],
    "with filters": ["khai sinh&truc-tuyen=toan-trinh", "&linh-vuc=ho-tich", "cap&linh-vuc=cu-tru&truc-tuyen=mot-phan"],
    "nothing found": ["giay phep lai tau vu tru", "zzzz"],
    "page 3": ["dang ky&trang=3"],
}


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(round(len(ordered) * fraction)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procedures", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--database", default="")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="procedures-bench-"))
    uri = options.database or f"sqlite:///{folder / 'bench.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": uri, "UPLOAD_FOLDER": str(folder / "uploads")})
    app.instance_path = str(folder)
    rng = random.Random(options.seed)
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        generate(rng, options.procedures)
        print(f"generated {options.procedures} procedures in {time.perf_counter() - began:.1f} s ({uri.split(':')[0]})")

    client = app.test_client()
    headers = {"HX-Request": "true", "HX-Target": "procedure-results", "HX-Trigger": "procedure-search"}
    jobs = [(kind, query) for kind, queries in SEARCHES.items() for query in queries]
    for kind, query in jobs * 2:  # warm up templates, statement caches and the connection pool
        assert client.get(f"/thu-tuc/?q={query}", headers=headers).status_code == 200

    samples: dict[str, list[float]] = {kind: [] for kind in SEARCHES}
    cpu: list[float] = []
    sizes: list[int] = []
    for _ in range(options.requests):
        kind, query = rng.choice(jobs)
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(f"/thu-tuc/?q={query}", headers=headers)
        body = response.get_data()
        samples[kind].append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200 and b"<html" not in body, query
        sizes.append(len(body))

    everything = [value for values in samples.values() for value in values]
    print(f"{'search':<20} {'n':>5} {'median':>9} {'p95':>9}")
    for kind, values in samples.items():
        if values:
            print(f"{kind:<20} {len(values):>5} {statistics.median(values):>7.2f}ms {percentile(values, 0.95):>7.2f}ms")
    print(f"{'all':<20} {len(everything):>5} {statistics.median(everything):>7.2f}ms {percentile(everything, 0.95):>7.2f}ms")
    # On a shared machine wall time includes waiting for the CPU; the process's
    # own CPU time does not (with SQLite it includes the query, which runs in-process).
    print(f"{'all, CPU time':<20} {len(cpu):>5} {statistics.median(cpu):>7.2f}ms {percentile(cpu, 0.95):>7.2f}ms")
    full = client.get("/thu-tuc/?q=dang ky", headers=headers)
    print(f"results partial, a full page of 20 results: {len(full.get_data())} bytes uncompressed, "
          f"{len(gzip.compress(full.get_data()))} gzipped; largest seen {max(sizes)} bytes; median {int(statistics.median(sizes))} bytes")


if __name__ == "__main__":
    main()
