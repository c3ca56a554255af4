"""How many A4 pages each procedure's notice-board sheet (/thu-tuc/<code>/in)
prints to, over the real ward catalogue, measured with headless Chromium's
PDF output (the print dialog's own layout: A4, the sheet's @page margins).

    .venv/bin/python benchmarks/print_sheets.py [--records ../shared/data/tthc/records] [--limit N]

Imports the portal's records with the real importer into a fresh SQLite file,
serves the site on loopback in a thread, prints every published procedure's
sheet to PDF and counts its pages. Prints the distribution of page counts and
the codes of the sheets over one page, longest first.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from wardsite import create_app  # noqa: E402
from wardsite.extensions import db  # noqa: E402
from wardsite.procedures import open_data, portal  # noqa: E402
from wardsite.procedures.models import Procedure  # noqa: E402

PAGE = re.compile(rb"/Type\s*/Page(?![s\w])")


def page_count(pdf: bytes) -> int:
    return len(PAGE.findall(pdf))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", default=str(ROOT.parent / "shared" / "data" / "tthc" / "records"))
    parser.add_argument("--limit", type=int, default=0, help="print only the first N sheets")
    parser.add_argument("--codes", nargs="*", help="print only these procedures' sheets")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="wardsite-print-"))
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'print.db'}",
        "SECRET_KEY": "benchmark", "WTF_CSRF_ENABLED": False, "PAGE_CACHE": False,
    })
    app.instance_path = str(folder)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        report = open_data.import_records(portal.read_path(args.records), publish=True)
        print(f"imported {len(report.created)} records in {time.perf_counter() - started:.1f} s, "
              f"{len(report.rejected)} rejected")
        codes = [code for (code,) in db.session.query(Procedure.code).order_by(Procedure.code)]
    if args.codes:
        codes = [code for code in codes if code in args.codes]
    if args.limit:
        codes = codes[: args.limit]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    counts: dict[str, int] = {}
    started = time.perf_counter()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="vi-VN")
        for code in codes:
            response = page.goto(f"{base}/thu-tuc/{code}/in")
            if response is None or response.status != 200:
                raise SystemExit(f"{code}: the sheet answered {response and response.status}")
            page.emulate_media(media="print")
            counts[code] = page_count(page.pdf(prefer_css_page_size=True, print_background=False))
        browser.close()
    server.shutdown()
    histogram = collections.Counter(counts.values())
    total = len(counts)
    print(f"{total} sheets printed in {time.perf_counter() - started:.0f} s")
    for pages in sorted(histogram):
        print(f"  {pages} page(s): {histogram[pages]} ({histogram[pages] / total:.1%})")
    over = sorted((n, code) for code, n in counts.items() if n > 1)
    if over:
        print("over one page:", ", ".join(f"{code} ({n})" for n, code in reversed(over[-20:])))


if __name__ == "__main__":
    main()
