"""Wrong passwords checked against one account, across spellings and workers.

    .venv/bin/python benchmarks/login_limits.py [--workers 2] [--storage URI]

Creates a fresh SQLite database with one leader whose phone is 0987000009,
then starts `--workers` processes (each its own app, as gunicorn workers are)
at the same time. Each tries 30 spellings of the number ("0 987 000 009",
"+84.987.000.009", ...) 5 times with a wrong password, once with one network
address per spelling and once with one address for all, and counts the tries
whose password was checked (any answer but 429). The default limit storage
is the shared file the site uses by default; `--storage memory://` shows what
per-worker counting gives.
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

PHONE = "0987000009"


def spellings() -> list[str]:
    from tests.test_login_hardening import spellings_of

    return spellings_of(PHONE)


def make_app(folder: str, storage: str):
    from wardsite import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "benchmark", "WTF_CSRF_ENABLED": False,
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/wardsite.db",
                       "RATELIMIT_STORAGE_URI": storage or f"sqlite:///{folder}/limits.db"})


def setup(folder: str) -> None:
    from flask_migrate import upgrade

    from wardsite.accounts.models import User
    from wardsite.extensions import db

    app = make_app(folder, "memory://")
    with app.app_context():
        upgrade()
        user = User(email="doan@example.org", name="Bí thư", phone=PHONE)
        user.roles = ["leader"]
        user.set_password("mật khẩu đúng rất dài")
        db.session.add(user)
        db.session.commit()


def attack(folder: str, storage: str, worker: int, mode: str) -> int:
    client = make_app(folder, storage).test_client()
    tried = 0
    for number, spelling in enumerate(spellings()):
        address = f"10.{worker}.0.{number + 1}" if mode == "many" else "10.9.9.9"
        for _ in range(5):
            response = client.post("/dang-nhap", data={"login": spelling, "password": "sai rồi"},
                                   environ_base={"REMOTE_ADDR": address})
            tried += response.status_code != 429
    return tried


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--storage", default="")
    parser.add_argument("--worker", nargs=3)  # internal: FOLDER WORKER MODE
    args = parser.parse_args()
    if args.worker:
        folder, worker, mode = args.worker
        print(attack(folder, args.storage, int(worker), mode))
        return
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for mode, label in (("many", "one address per spelling"), ("one", "one address")):
        with tempfile.TemporaryDirectory() as folder:
            setup(folder)
            runs = [subprocess.Popen([sys.executable, __file__, "--storage", args.storage, "--worker", folder, str(n), mode],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
                    for n in range(1, args.workers + 1)]
            counts = [int(run.communicate()[0].strip()) for run in runs]
        print(f"{label}: {sum(counts)} wrong passwords checked ({' + '.join(map(str, counts))} by {args.workers} workers)")


if __name__ == "__main__":
    main()
