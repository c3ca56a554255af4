"""Load benchmark: the site's public pages against a bare Flask app, both under
gunicorn on loopback (workers = cores), driven by wrk in the same run; plus
the weight of a first visit to the home page.

    .venv/bin/python benchmarks/load.py [--seconds 8] [--connections 16] [--database URI]

Without --database it builds a fresh SQLite database with the demo data and
the scaled-up data set of benchmarks/scaled_data.py. Every page is measured
twice: as deployed (anonymous pages kept by the page cache, wardsite/page_cache/)
and rendered on every request (the same site with WARDSITE_PAGE_CACHE=false),
which is the work a changed page or a cache miss costs. wrk asks for
compressed responses as a browser does (Accept-Encoding: gzip, deflate, br,
zstd) and sends no cookies and no If-None-Match, so every response is a whole
page, as on a first visit. The search partial is requested with the headers
the htmx search box sends. It prints a Markdown table and writes it into
benchmarks/README.md between the "load-table" markers. Only 127.0.0.1 is ever
contacted.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
README = ROOT / "benchmarks" / "README.md"
SITE_PORT, UNCACHED_PORT, BARE_PORT = 8141, 8143, 8142
# What Chrome and Firefox send today.
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
# What htmx sends when the search box (hx-target="#procedure-results") asks for results.
SEARCH_HEADERS = {"HX-Request": "true", "HX-Target": "procedure-results", "HX-Current-URL": "http://127.0.0.1/thu-tuc/"}


def run(*args, env=None, **kwargs):
    return subprocess.run(args, check=True, env=env, cwd=ROOT, **kwargs)


def prepare_database(env: dict) -> None:
    run(str(BIN / "flask"), "--app", "wardsite", "db", "upgrade", env=env, capture_output=True)
    run(str(BIN / "flask"), "--app", "wardsite", "demo", env=env, capture_output=True)
    scaled = ROOT / "benchmarks" / "scaled_data.py"
    if scaled.exists():
        run(str(BIN / "python"), str(scaled), env=env)


def start_gunicorn(target: str, port: int, env: dict, workers: int, log: Path) -> subprocess.Popen:
    # The site logs every request (wardsite/request_log.py): to a file, not the table's terminal.
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning", target],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
    raise SystemExit(f"gunicorn on port {port} did not start")


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def fetch(url: str, headers: dict | None = None) -> tuple[int, str, bytes]:
    """Status, Content-Encoding and body as sent (still compressed)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers.get("Content-Encoding", ""), response.read()


def decompress(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        import brotli

        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    return body


def wrk(url: str, seconds: int, connections: int, headers: dict | None = None) -> dict:
    headers = {"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})}
    arguments = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    for name, value in headers.items():
        arguments += ["-H", f"{name}: {value}"]
    output = subprocess.run(arguments + [url], check=True, capture_output=True, text=True, timeout=seconds + 30).stdout

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": (int(errors.group(1)) if errors else 0) + (sum(map(int, sockets.groups())) if sockets else 0),
    }


def first_visit_weight(base: str) -> tuple[int, list[tuple[str, int]]]:
    """Compressed bytes of the home page and the CSS, JS and fonts it loads
    (linked from the page, or from its stylesheets); images apart."""
    _, encoding, body = fetch(base + "/")
    parts = [("/", len(body))]
    html = decompress(body, encoding).decode()
    queue = re.findall(r'(?:href|src)="(/static/[^"]+?\.(?:css|js|woff2?|ttf|otf)(?:\?[^"]*)?)"', html)
    seen = set()
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        _, encoding, body = fetch(base + path)
        parts.append((path.split("?")[0], len(body)))
        if path.split("?")[0].endswith(".css"):
            css = decompress(body, encoding).decode()
            folder = path.split("?")[0].rsplit("/", 1)[0]
            for target in re.findall(r"(?:url\(\s*['\"]?|@import\s+['\"])([^'\")]+\.(?:css|woff2?|ttf|otf)(?:\?[^'\")]*)?)", css):
                queue.append(target if target.startswith("/") else f"{folder}/{target}")
    return sum(size for _, size in parts), parts


def pages(base_env: dict) -> list[tuple[str, str, dict]]:
    """The public pages to measure: (label, path, extra headers), the records
    chosen in the scaled data."""
    sys.path.insert(0, str(ROOT))
    os.environ.update(base_env)
    from sqlalchemy import select

    from wardsite import create_app
    from wardsite.news.models import COMMENT_APPROVED, Article, Comment

    app = create_app()
    logging.getLogger("wardsite.request").setLevel(logging.WARNING)  # these few requests need no log
    client = app.test_client()
    with app.app_context():
        from wardsite.extensions import db

        # An article residents have commented on: its page shows the comments too.
        article = db.session.execute(
            select(Article.id, Article.slug).where(Article.visible(), Article.id.in_(
                select(Comment.article_id).where(Comment.status == COMMENT_APPROVED)
            )).order_by(Article.published_at.desc()).limit(1)
        ).first()
    search = "/thu-tuc/?q=khai+sinh"
    results = client.get(search, headers=SEARCH_HEADERS).get_data(as_text=True)
    procedure = re.search(r'href="(/thu-tuc/\d\.[^"/?]+)"', results)
    found = [
        ("home", "/", {}),
        ("news list", "/tin-tuc/", {}),
        ("an article", f"/tin-tuc/{article.id}-{article.slug}" if article else None, {}),
        ("procedure list", "/thu-tuc/", {}),
        ("search partial (htmx)", search, SEARCH_HEADERS),
        ("a procedure", procedure.group(1) if procedure else None, {}),
        ("booking form", "/dat-lich/", {}),
        ("public statistics", "/thong-ke/", {}),
    ]
    for label, path, headers in found:
        status = client.get(path, headers=headers).status_code if path else None
        if status != 200:
            raise SystemExit(f"{label}: {path} answered {status}")
    if "<html" in results or "procedure-search" in results:
        raise SystemExit("the search request got the whole page, not the results partial")
    return found


def warm(base: str, measured, workers: int) -> None:
    """A few requests per page and worker: templates compiled, caches filled,
    as on a server that has been running a while."""
    for _ in range(4 * workers):
        for _, path, headers in measured:
            fetch(base + path, headers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database", default="")
    parser.add_argument("--no-readme", action="store_true")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: install the Debian package 'wrk'")
    workers = os.cpu_count() or 2
    folder = Path(tempfile.mkdtemp(prefix="wardsite-bench-"))
    env = dict(os.environ)
    env["WARDSITE_SQLALCHEMY_DATABASE_URI"] = options.database or f"sqlite:///{folder / 'bench.db'}"
    env["WARDSITE_SECRET_KEY"] = "benchmark-only"
    env["WARDSITE_UPLOAD_FOLDER"] = str(folder / "uploads")
    env["WARDSITE_RATELIMIT_ENABLED"] = "false"
    env["WARDSITE_CANONICAL_URL"] = "http://127.0.0.1"  # required under gunicorn; the links are not followed
    if not options.database:
        prepare_database(env)
    measured = pages(env)
    uncached_env = dict(env, WARDSITE_PAGE_CACHE="false")
    log = folder / "gunicorn.log"
    site = start_gunicorn("wardsite:create_app()", SITE_PORT, env, workers, log)
    uncached = start_gunicorn("wardsite:create_app()", UNCACHED_PORT, uncached_env, workers, log)
    bare = start_gunicorn("benchmarks.bare_app:app", BARE_PORT, env, workers, log)
    load_before = os.getloadavg()[0]
    try:
        base, uncached_base = f"http://127.0.0.1:{SITE_PORT}", f"http://127.0.0.1:{UNCACHED_PORT}"
        warm(base, measured, workers)
        warm(uncached_base, measured, workers)
        sizes = {}
        for label, path, headers in measured:
            _, encoding, body = fetch(base + path, headers)
            sizes[label] = (encoding or "none", len(body))
        rows = []
        for label, path, headers in measured:
            # The bare app just before each page: the machine's load changes
            # during a run, and the ratio should compare like with like.
            bare_result = wrk(f"http://127.0.0.1:{BARE_PORT}/", options.seconds, options.connections)
            cached = wrk(base + path, options.seconds, options.connections, headers)
            rendered = wrk(uncached_base + path, options.seconds, options.connections, headers)
            rows.append((label, path, bare_result, cached, rendered))
        weight, parts = first_visit_weight(base)
    finally:
        stop(site)
        stop(uncached)
        stop(bare)
        shutil.rmtree(folder, ignore_errors=True)
    load_after = os.getloadavg()[0]
    lines = [
        f"Measured {date.today():%d/%m/%Y} on this 2-core machine (load average {load_before:.1f} at the start, "
        f"{load_after:.1f} at the end): gunicorn with {workers} sync workers per app, "
        f"wrk -t2 -c{options.connections} -d{options.seconds}s on the same cores, Accept-Encoding: {ACCEPT_ENCODING}; "
        "demo data plus the scaled data set. Bare Flask (`bare_app.py`, a fixed small page) is measured just before "
        "each page. \"Cached\": as deployed, anonymous pages served by the page cache; \"rendered\": the same site "
        "with WARDSITE_PAGE_CACHE=false, every request rendered. \"Sent\": the page's body as a browser gets it.",
        "",
        "| page | path | sent | bare req/s | cached: req/s | p50 ms | p99 ms | vs bare | rendered: req/s | p50 ms | p99 ms | vs bare | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, path, bare_result, cached, rendered in rows:
        encoding, size = sizes[label]
        bare_rps = bare_result["rps"]
        lines.append(
            f"| {label} | `{path}` | {size / 1024:.1f} KB {encoding} | {bare_rps:.0f} "
            f"| {cached['rps']:.0f} | {cached['p50']:.1f} | {cached['p99']:.1f} | **{cached['rps'] / bare_rps:.2f}** "
            f"| {rendered['rps']:.0f} | {rendered['p50']:.1f} | {rendered['p99']:.1f} | {rendered['rps'] / bare_rps:.2f} "
            f"| {bare_result['errors'] + cached['errors'] + rendered['errors']} |"
        )
    lines += ["", f"First visit to `/` (HTML, CSS, JS and fonts, compressed as sent; images apart): **{weight / 1024:.1f} KB** "
              "(target 60 KB): " + ", ".join(f"`{p}` {s / 1024:.1f} KB" for p, s in parts) + "."]
    table = "\n".join(lines)
    print(table)
    if not options.no_readme:
        text = README.read_text()
        block = f"<!-- load-table -->\n{table}\n<!-- /load-table -->"
        if "<!-- load-table -->" in text:
            text = re.sub(r"<!-- load-table -->.*<!-- /load-table -->", lambda _: block, text, flags=re.S)
        else:
            text += f"\n## Load: public pages against bare Flask (`load.py`, `make bench`)\n\n{block}\n"
        README.write_text(text)


if __name__ == "__main__":
    main()
