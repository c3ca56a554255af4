"""Load benchmark: the site's public pages against a bare Flask app, both under
gunicorn on loopback (workers = cores), driven by wrk in the same run; plus
the weight of a first visit to the home page.

    .venv/bin/python benchmarks/load.py [--seconds 8] [--connections 16] [--database URI]

Without --database it builds a fresh SQLite database with the demo data (and
the scaled-up data set when benchmarks/scaled_data.py is there). It prints a
Markdown table and writes it into benchmarks/README.md between the
"load-table" markers. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import gzip
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
SITE_PORT, BARE_PORT = 8141, 8142


def run(*args, env=None, **kwargs):
    return subprocess.run(args, check=True, env=env, cwd=ROOT, **kwargs)


def prepare_database(env: dict) -> None:
    run(str(BIN / "flask"), "--app", "wardsite", "db", "upgrade", env=env, capture_output=True)
    run(str(BIN / "flask"), "--app", "wardsite", "demo", env=env, capture_output=True)
    scaled = ROOT / "benchmarks" / "scaled_data.py"
    if scaled.exists():
        run(str(BIN / "python"), str(scaled), env=env)


def start_gunicorn(target: str, port: int, env: dict, workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning", target],
        cwd=ROOT,
        env=env,
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
    raise SystemExit(f"gunicorn on port {port} did not start")


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def wrk(url: str, seconds: int, connections: int) -> dict:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", "Accept-Encoding: gzip", url],
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    ).stdout

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", output, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def first_visit_weight(base: str) -> tuple[int, list[tuple[str, int]]]:
    """Compressed bytes of the home page and the CSS/JS/fonts it links."""

    def fetch(path: str) -> bytes:
        request = urllib.request.Request(base + path, headers={"Accept-Encoding": "br, gzip"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()

    html = fetch("/")
    parts = [("/", len(html))]
    text = gzip.decompress(html).decode() if html[:2] == b"\x1f\x8b" else None
    if text is None:
        import brotli

        text = brotli.decompress(html).decode()
    for path in re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js|woff2?)(?:\?[^"]*)?)"', text):
        parts.append((path.split("?")[0], len(fetch(path))))
    return sum(size for _, size in parts), parts


def pages(base_env: dict) -> list[tuple[str, str]]:
    """The public pages to measure: (label, path); paths found on the demo site."""
    sys.path.insert(0, str(ROOT))
    os.environ.update(base_env)
    from wardsite import create_app

    app = create_app()
    client = app.test_client()
    found = [("home", "/")]

    def first_link(listing: str, pattern: str) -> str | None:
        page = client.get(listing).get_data(as_text=True)
        match = re.search(pattern, page)
        return match.group(1) if match else None

    candidates = [
        ("news list", "/tin-tuc/", None),
        ("an article", "/tin-tuc/", r'href="(/tin-tuc/\d+-[^"?]+)"'),
        ("procedure list", "/thu-tuc/", None),
        ("search partial", "/thu-tuc/?q=khai+sinh", None),
        ("a procedure", "/thu-tuc/", r'href="(/thu-tuc/\d\.[^"/?]+)"'),
        ("booking form", "/dat-lich/", None),
        ("public statistics", "/thong-ke/", None),
    ]
    for label, path, pattern in candidates:
        if pattern:
            path = first_link(path, pattern)
        if path and client.get(path).status_code == 200:
            found.append((label, path))
    return found


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
    if not options.database:
        prepare_database(env)
    measured = pages(env)
    site = start_gunicorn("wardsite:create_app()", SITE_PORT, env, workers)
    bare = start_gunicorn("benchmarks.bare_app:app", BARE_PORT, env, workers)
    try:
        rows = []
        bare_result = wrk(f"http://127.0.0.1:{BARE_PORT}/", options.seconds, options.connections)
        for label, path in measured:
            result = wrk(f"http://127.0.0.1:{SITE_PORT}{path}", options.seconds, options.connections)
            rows.append((label, path, result))
        weight, parts = first_visit_weight(f"http://127.0.0.1:{SITE_PORT}")
    finally:
        stop(site)
        stop(bare)
        shutil.rmtree(folder, ignore_errors=True)
    lines = [
        f"Measured {date.today():%d/%m/%Y}, gunicorn with {workers} sync workers, wrk -t2 -c{options.connections} -d{options.seconds}s, on this 2-core machine.",
        "",
        "| page | path | requests/s | p50 ms | p99 ms | vs bare Flask | errors |",
        "|---|---|---|---|---|---|---|",
        f"| bare Flask | / | {bare_result['rps']:.0f} | {bare_result['p50']:.2f} | {bare_result['p99']:.2f} | 1.00 | {bare_result['errors']} |",
    ]
    for label, path, result in rows:
        ratio = result["rps"] / bare_result["rps"]
        lines.append(f"| {label} | `{path}` | {result['rps']:.0f} | {result['p50']:.2f} | {result['p99']:.2f} | {ratio:.2f} | {result['errors']} |")
    lines += ["", f"First visit to `/` (compressed, images apart): **{weight / 1024:.1f} KB** — " + ", ".join(f"`{p}` {s / 1024:.1f} KB" for p, s in parts)]
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
