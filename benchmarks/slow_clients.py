"""Slow clients (issue 14, finding 5): the loads of tests/test_slow_clients.py
against gunicorn alone (2 sync workers on loopback, as README starts it) and
behind nginx with docs/nginx/wardsite.conf; how many ordinary requests are
answered, each within --timeout seconds.

    .venv/bin/python benchmarks/slow_clients.py [--timeout 5]

Needs nginx (Debian package nginx-light). Builds a fresh SQLite database in a
temporary folder; only 127.0.0.1 is ever contacted. Against gunicorn alone it
takes a few minutes (every unanswered request waits the whole timeout).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_crash_safety import Server  # noqa: E402
from tests.test_slow_clients import LOADS, Nginx, gunicorn_settings, probe, probes_under_load  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=5, help="seconds each ordinary request may take")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        database_uri = f"sqlite:///{folder / 'wardsite.db'}"
        environment = {**os.environ, "WARDSITE_SQLALCHEMY_DATABASE_URI": database_uri}
        subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wardsite", "db", "upgrade"],
                       check=True, cwd=ROOT, env=environment, capture_output=True)
        gunicorn = Server(database_uri, folder)
        gunicorn.env.update(gunicorn_settings())
        gunicorn.start()
        (folder / "nginx").mkdir()
        nginx = Nginx(folder / "nginx", gunicorn.port)
        nginx.start()
        print("| load | ordinary requests | gunicorn alone: answered | slowest | behind nginx: answered | slowest |")
        print("|---|---|---|---|---|---|")
        try:
            for load in LOADS:
                row = [load.name, str(load.probes)]
                for port, tls in ((gunicorn.port, False), (nginx.https_port, True)):
                    # Wait for the site to be free again after the previous load.
                    probe(port, tls, timeout=60)
                    answers, _ = probes_under_load(port, tls, load, options.timeout)
                    answered = [answer for answer in answers if answer.status == 200]
                    row += [f"{len(answered)} of {len(answers)}",
                            f"{max(answer.seconds for answer in answers):.2f} s"]
                print("| " + " | ".join(row) + " |", flush=True)
        finally:
            nginx.stop()
            gunicorn.kill()


if __name__ == "__main__":
    main()
