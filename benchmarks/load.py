"""Load benchmark: the site's public pages against a bare Flask app, both under
gunicorn on loopback (workers = cores), driven by wrk in the same run; plus
the weight of a first visit to the home page.

    .venv/bin/python benchmarks/load.py [--seconds 8] [--connections 16] [--day-seconds 60] [--database URI]
    .venv/bin/python benchmarks/load.py --history 10      # make bench-history

Without --database it builds a fresh SQLite database with the demo data and
the scaled-up data set of benchmarks/scaled_data.py. Every page is measured
twice: as deployed (anonymous pages kept by the page cache, wardsite/page_cache/)
and rendered on every request (the same site with WARDSITE_PAGE_CACHE=false),
which is the work a changed page or a cache miss costs. wrk asks for
compressed responses as a browser does (Accept-Encoding: gzip, deflate, br,
zstd) and sends no cookies and no If-None-Match, so every response is a whole
page, as on a first visit. The search partial is requested with the headers
the htmx search box sends.

Three tables, printed and written into benchmarks/README.md between their
markers: "load-table" (cached pages against bare Flask), "render-table" (the
same pages rendered) and "day-table", a working day: wrk's readers ask for
the public pages in turn while `working_day.py` writes an e-station entry
every 10 s, a booking every 30 s and a comment approved every minute, then
ten times as often (and, for reference, no writer at all). The readers'
throughput, p50 and p99 are wrk's; the cache's hit rate is read from the
site's request log (wardsite/request_log.py: `"cached": true` for a page
answered from the page cache, by the fast path or inside Flask), which also
gives each page's own hit rate and slowest answers.

With `--history 10` (`make bench-history`) it measures the cached and
rendered pages on the scaled data set, then makes its history ten times as
long (`scaled_data.py --history 10 --only-history`: bulk SQL, then `flask
stats rebuild-summaries`) and measures them again, with each page's render
in process (CPU time and statements, `render_time.py`) on both: the
"history-table". Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
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


def lengthen_history(env: dict, factor: int) -> str:
    output = run(str(BIN / "python"), str(ROOT / "benchmarks" / "scaled_data.py"), "--history", str(factor), "--only-history",
                 env=env, capture_output=True, text=True).stdout
    return output.strip()


def start_gunicorn(target: str, port: int, env: dict, workers: int, log: Path) -> subprocess.Popen:
    # Another run's server on the port would answer for this one.
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is taken (another benchmark running?)")
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


def wrk(url: str, seconds: int, connections: int, headers: dict | None = None, script: Path | None = None) -> dict:
    headers = {"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})}
    arguments = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    for name, value in headers.items():
        arguments += ["-H", f"{name}: {value}"]
    if script is not None:
        arguments += ["-s", str(script)]
    output = subprocess.run(arguments + [url], check=True, capture_output=True, text=True, timeout=seconds + 30).stdout

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
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


def readers_script(folder: Path, measured, port: int) -> Path:
    """A wrk script asking for the measured pages in turn, each with its own headers."""
    entries = []
    for _, path, headers in measured:
        every = {"Host": f"127.0.0.1:{port}", "Accept-Encoding": ACCEPT_ENCODING, **headers}
        fields = ", ".join(f'["{name}"] = "{value}"' for name, value in every.items())
        entries.append(f'  {{ "{path}", {{ {fields} }} }}')
    script = folder / "readers.lua"
    script.write_text(
        "local pages = {\n" + ",\n".join(entries) + "\n}\n"
        "local turn = 0\n"
        "request = function()\n"
        "  turn = turn + 1\n"
        "  local page = pages[(turn % #pages) + 1]\n"
        '  return wrk.format("GET", page[1], page[2])\n'
        "end\n"
    )
    return script


def request_lines(log: Path, start: int) -> list[dict]:
    """The site's request log lines written since byte `start`."""
    lines = []
    with log.open("rb") as handle:
        handle.seek(start)
        for raw in handle:
            if raw.startswith(b'{"event": "request"'):
                try:
                    lines.append(json.loads(raw))
                except ValueError:
                    pass
    return lines


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def working_day(env: dict, base: str, port: int, measured, article_id: int | None, folder: Path, log: Path,
                rate: float, seconds: int, connections: int) -> dict:
    """Readers on every measured page in turn while the writers write at `rate` (0: none)."""
    script = readers_script(folder, measured, port)
    writer = None
    if rate:
        if article_id is not None:
            comments = int(seconds / 60 * rate) + 2
            run(str(BIN / "python"), "-c", f"from benchmarks.working_day import leave_comments; leave_comments({article_id}, {comments})",
                env=env)
        writer = subprocess.Popen(
            [str(BIN / "python"), str(ROOT / "benchmarks" / "working_day.py"), "--rate", str(rate), "--seconds", str(seconds)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True,
        )
        if writer.stdout.readline().strip() != "ready":
            stop(writer)
            raise SystemExit("the working day's writers did not start")
    warm(base, measured, 1)  # the comments left waiting changed the content
    start = log.stat().st_size
    try:
        readers = wrk(base + "/", seconds, connections, script=script)
        writes = json.loads(writer.stdout.readline() or "{}") if writer else {}
    finally:
        if writer is not None:
            try:
                writer.wait(timeout=30)
            except subprocess.TimeoutExpired:
                stop(writer)
    time.sleep(0.5)  # the last log lines
    lines = [line for line in request_lines(log, start) if line.get("method") == "GET"]
    by_path = defaultdict(list)
    for line in lines:
        by_path[line["path"]].append(line)
    pages = {}
    for label, path, _ in measured:
        mine = by_path.get(path.split("?")[0], [])
        if "?" in path:  # the search partial: the search page's own lines
            mine = [line for line in mine if line.get("htmx")]
        elif path == "/thu-tuc/":
            mine = [line for line in mine if not line.get("htmx")]
        hits = sum(1 for line in mine if line.get("cached"))
        pages[label] = {
            "requests": len(mine), "hits": hits,
            "misses": len(mine) - hits,
            "miss_p99": percentile([line["ms"] for line in mine if not line.get("cached")], 0.99),
            "miss_max": max([line["ms"] for line in mine if not line.get("cached")], default=0.0),
        }
    hits = sum(1 for line in lines if line.get("cached"))
    return {"rate": rate, "readers": readers, "writes": writes, "hit_rate": hits / len(lines) if lines else 0.0,
            "logged": len(lines), "pages": pages}


def measure_pages(measured, bare_port: int, base: str, uncached_base: str, seconds: int, connections: int) -> list:
    rows = []
    for label, path, headers in measured:
        # The bare app just before each page: the machine's load changes
        # during a run, and the ratio should compare like with like.
        bare_result = wrk(f"http://127.0.0.1:{bare_port}/", seconds, connections)
        cached = wrk(base + path, seconds, connections, headers)
        rendered = wrk(uncached_base + path, seconds, connections, headers)
        rows.append((label, path, bare_result, cached, rendered))
    return rows


def render_costs(env: dict, measured) -> dict:
    """Each page's render in process: CPU ms and statements (render_time.py)."""
    pages = json.dumps([[label, path, headers] for label, path, headers in measured])
    output = run(str(BIN / "python"), str(ROOT / "benchmarks" / "render_time.py"), "--json", "--pages", pages, "--runs", "25",
                 env=env, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


class Servers:
    """The site as deployed, the site rendering every page, and bare Flask, under gunicorn."""

    def __init__(self, env: dict, workers: int, folder: Path):
        self.env, self.workers, self.folder = env, workers, folder
        self.site_log = folder / "site.log"
        self.processes = []

    def __enter__(self):
        log = self.folder / "gunicorn.log"
        self.processes = [
            start_gunicorn("wardsite:create_app()", SITE_PORT, self.env, self.workers, self.site_log),
            start_gunicorn("wardsite:create_app()", UNCACHED_PORT, dict(self.env, WARDSITE_PAGE_CACHE="false"), self.workers, log),
            start_gunicorn("benchmarks.bare_app:app", BARE_PORT, self.env, self.workers, log),
        ]
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            stop(process)


SITE, RENDERED = f"http://127.0.0.1:{SITE_PORT}", f"http://127.0.0.1:{UNCACHED_PORT}"


def load_tables(rows, sizes, header: str) -> tuple[str, str]:
    cached_lines = [
        header + ' "Cached": as deployed, anonymous pages served by the page cache. "Sent": the page\'s body as a browser gets it.',
        "",
        "| page | path | sent | bare req/s | cached req/s | p50 ms | p99 ms | vs bare | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    rendered_lines = [
        header + " \"Rendered\": the same site with WARDSITE_PAGE_CACHE=false, every request rendered (what a changed "
        "page or a cache miss costs), measured right after the cached page and the same bare run.",
        "",
        "| page | bare req/s | rendered req/s | p50 ms | p99 ms | vs bare | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, path, bare_result, cached, rendered in rows:
        encoding, size = sizes[label]
        bare_rps = bare_result["rps"]
        cached_lines.append(
            f"| {label} | `{path}` | {size / 1024:.1f} KB {encoding} | {bare_rps:.0f} "
            f"| {cached['rps']:.0f} | {cached['p50']:.1f} | {cached['p99']:.1f} | **{cached['rps'] / bare_rps:.2f}** "
            f"| {bare_result['errors'] + cached['errors']} |"
        )
        rendered_lines.append(
            f"| {label} | {bare_rps:.0f} | {rendered['rps']:.0f} | {rendered['p50']:.1f} | {rendered['p99']:.1f} "
            f"| **{rendered['rps'] / bare_rps:.2f}** | {rendered['errors']} |"
        )
    return "\n".join(cached_lines), "\n".join(rendered_lines)


def day_table(days: list[dict], header: str, seconds: int, connections: int) -> str:
    lines = [
        header + f" Readers: wrk -t2 -c{connections} -d{seconds}s asking for the pages above in turn (the search partial "
        "with its htmx headers), on the site as deployed; writers: `working_day.py` in a process of its own, through the "
        "service functions the forms call (rate 1: an e-station entry every 10 s, a booking every 30 s, a comment "
        "approved every minute). Hit rate: the share of the readers' requests answered from the page cache, from the "
        "site's request log (`\"cached\": true`). \"Misses\" lists each page's requests rendered during the run and "
        "the slowest of them (server time from the log).",
        "",
        "| writers | writes done (median ms) | readers req/s | p50 ms | p99 ms | hit rate | errors | misses per page: rendered / requests, slowest ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for day in days:
        readers = day["readers"]
        if day["rate"]:
            writes = ", ".join(f"{kind} {value['writes']} ({value['median_ms']})"
                               + (f" **failed: {value['failed']}**" if value.get("failed") else "")
                               for kind, value in day["writes"].items())
            label = f"{day['rate']:g}× the rate"
        else:
            writes, label = "none", "none (reference)"
        misses = "; ".join(f"{page} {value['misses']}/{value['requests']}, {value['miss_max']:.0f} ms"
                           for page, value in day["pages"].items() if value["misses"])
        lines.append(
            f"| {label} | {writes} | {readers['rps']:.0f} | {readers['p50']:.1f} | {readers['p99']:.1f} "
            f"| **{day['hit_rate'] * 100:.1f} %** | {readers['errors']} | {misses or 'none'} |"
        )
    return "\n".join(lines)


def history_table(before: dict, after: dict, header: str, counts: str) -> str:
    lines = [
        header + f" Scaled data set, then its history made ten times as long ({counts}). Each page's ratio "
        "to bare Flask on both, and the change (aim: within 10 %); CPU ms and statements of one render in process "
        "(median of 25, `render_time.py`), less noisy than wrk on a shared machine.",
        "",
        "| page | cached vs bare: 1× | 10× | change | rendered vs bare: 1× | 10× | change | render CPU ms: 1× | 10× | statements: 1× | 10× |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (label, _path, bare1, cached1, rendered1), (_, _, bare10, cached10, rendered10) in zip(before["rows"], after["rows"]):
        c1, c10 = cached1["rps"] / bare1["rps"], cached10["rps"] / bare10["rps"]
        r1, r10 = rendered1["rps"] / bare1["rps"], rendered10["rps"] / bare10["rps"]
        cost1, cost10 = before["costs"][label], after["costs"][label]
        lines.append(
            f"| {label} | {c1:.2f} | {c10:.2f} | {(c10 / c1 - 1) * 100:+.0f} % | {r1:.3f} | {r10:.3f} | "
            f"**{(r10 / r1 - 1) * 100:+.0f} %** | {cost1['cpu_ms']:.1f} | {cost10['cpu_ms']:.1f} | {cost1['statements']} | "
            f"{cost10['statements']} |"
        )
    return "\n".join(lines)


def write_readme(blocks: dict[str, tuple[str, str]]) -> None:
    text = README.read_text()
    for marker, (title, table) in blocks.items():
        block = f"<!-- {marker} -->\n{table}\n<!-- /{marker} -->"
        if f"<!-- {marker} -->" in text:
            text = re.sub(rf"<!-- {marker} -->.*<!-- /{marker} -->", lambda _: block, text, flags=re.S)
        else:
            text += f"\n### {title}\n\n{block}\n"
    README.write_text(text)


def article_id_of(measured) -> int | None:
    for label, path, _ in measured:
        if label == "an article" and path:
            return int(path.rsplit("/", 1)[1].split("-", 1)[0])
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--day-seconds", type=int, default=60, help="each working-day run (the reference: half)")
    parser.add_argument("--history", type=int, default=0, help="compare with the history this many times as long")
    parser.add_argument("--database", default="")
    parser.add_argument("--no-readme", action="store_true")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: install the Debian package 'wrk'")
    began = time.monotonic()
    workers = os.cpu_count() or 2
    folder = Path(tempfile.mkdtemp(prefix="wardsite-bench-"))
    env = dict(os.environ)
    env["WARDSITE_SQLALCHEMY_DATABASE_URI"] = options.database or f"sqlite:///{folder / 'bench.db'}"
    env["WARDSITE_SECRET_KEY"] = "benchmark-only"
    env["WARDSITE_UPLOAD_FOLDER"] = str(folder / "uploads")
    env["WARDSITE_RATELIMIT_ENABLED"] = "false"
    env["WARDSITE_CANONICAL_URL"] = "http://127.0.0.1"  # required under gunicorn; the links are not followed
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    if not options.database:
        prepare_database(env)
    measured = pages(env)
    load_before = os.getloadavg()[0]
    blocks = {}
    try:
        if options.history:
            before = {"costs": render_costs(env, measured)}
            with Servers(env, workers, folder):
                warm(SITE, measured, workers)
                warm(RENDERED, measured, workers)
                before["rows"] = measure_pages(measured, BARE_PORT, SITE, RENDERED, options.seconds, options.connections)
            counts = lengthen_history(env, options.history)
            print(counts)
            after = {"costs": render_costs(env, measured)}
            with Servers(env, workers, folder):
                warm(SITE, measured, workers)
                warm(RENDERED, measured, workers)
                after["rows"] = measure_pages(measured, BARE_PORT, SITE, RENDERED, options.seconds, options.connections)
        else:
            with Servers(env, workers, folder) as servers:
                warm(SITE, measured, workers)
                warm(RENDERED, measured, workers)
                sizes = {}
                for label, path, headers in measured:
                    _, encoding, body = fetch(SITE + path, headers)
                    sizes[label] = (encoding or "none", len(body))
                rows = measure_pages(measured, BARE_PORT, SITE, RENDERED, options.seconds, options.connections)
                weight, parts = first_visit_weight(SITE)
                article_id = article_id_of(measured)
                days = [
                    working_day(env, SITE, SITE_PORT, measured, article_id, folder, servers.site_log, rate,
                                options.day_seconds // 2 if rate == 0 else options.day_seconds, options.connections)
                    for rate in (0, 1, 10)
                ]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    load_after = os.getloadavg()[0]
    header = (
        f"Measured {date.today():%d/%m/%Y} on this 2-core machine, shared with other engineers' work (load average "
        f"{load_before:.1f} at the start, {load_after:.1f} at the end): gunicorn with {workers} sync workers per app, "
        f"wrk -t2 -c{options.connections} -d{options.seconds}s on the same cores, Accept-Encoding: {ACCEPT_ENCODING}; "
        "demo data plus the scaled data set. Bare Flask (`bare_app.py`, a fixed small page) is measured just before "
        "each page."
    )
    took = f"This run took {(time.monotonic() - began) / 60:.1f} min in all."
    if options.history:
        table = history_table(before, after, f"{header} {took}", counts.split(":", 1)[-1].split("(")[0].strip())
        print(table)
        blocks["history-table"] = ("Ten times the history (`make bench-history`)", table)
    else:
        cached_table, rendered_table = load_tables(rows, sizes, header)
        cached_table += ("\n\nFirst visit to `/` (HTML, CSS, JS and fonts, compressed as sent; images apart): "
                         f"**{weight / 1024:.1f} KB** (target 60 KB): "
                         + ", ".join(f"`{p}` {s / 1024:.1f} KB" for p, s in parts) + ".")
        day_header = (f"Measured {date.today():%d/%m/%Y} in the same run as the tables above, gunicorn with "
                      f"{workers} sync workers, demo data plus the scaled data set. {took}")
        working = day_table(days, day_header, options.day_seconds, options.connections)
        print(cached_table, rendered_table, working, sep="\n\n")
        blocks["load-table"] = ("Cached pages", cached_table)
        blocks["render-table"] = ("Rendered pages (WARDSITE_PAGE_CACHE=false)", rendered_table)
        blocks["day-table"] = ("A working day: readers while staff and residents write", working)
    if not options.no_readme:
        write_readme(blocks)


if __name__ == "__main__":
    main()
