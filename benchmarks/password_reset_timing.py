"""Does the time of the "forgotten password" answer tell whether an account exists?

    .venv/bin/python benchmarks/password_reset_timing.py [--rounds 200] [--smtp-ms 150]

Creates a fresh SQLite database with one account, points MAIL_SERVER at a
stand-in SMTP server that takes --smtp-ms to accept a message, then sends the
form alternately for the account and for a made-up address, each from its own
network address (so no limit applies), and prints the median and 90th
percentile time until the answer is ready (the message goes after it, when
the server closes the response, as gunicorn does) and the time with the
message sent, for both.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_app(folder: str, smtp_ms: int):
    import wardsite.mail
    from flask_migrate import upgrade

    from wardsite import create_app
    from wardsite.accounts.models import User
    from wardsite.extensions import db

    class SlowSMTP:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def login(self, *args):
            pass

        def send_message(self, message):
            time.sleep(smtp_ms / 1000)

    wardsite.mail.smtplib.SMTP = SlowSMTP
    app = create_app({"TESTING": True, "SECRET_KEY": "benchmark", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/wardsite.db",
                      "RATELIMIT_STORAGE_URI": f"sqlite:///{folder}/limits.db",
                      "CANONICAL_URL": "http://localhost", "MAIL_SERVER": "mail.example.org",
                      "PAGE_CACHE": False, "PASSWORD_RESET_LIMIT_PER_ACCOUNT": "100000 per hour"})
    with app.app_context():
        upgrade()
        user = User(email="doan@example.org", name="Bí thư", phone="0987000009")
        user.roles = ["leader"]
        user.set_password("mật khẩu đúng rất dài")
        db.session.add(user)
        db.session.commit()
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--smtp-ms", type=int, default=150)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(folder, args.smtp_ms)
        client = app.test_client()
        answer = {"known": [], "unknown": []}
        total = {"known": [], "unknown": []}
        for number in range(args.rounds * 2 + 20):
            kind = "known" if number % 2 else "unknown"
            login = "doan@example.org" if kind == "known" else f"khong-co-{number}@example.org"
            started = time.perf_counter()
            response = client.post("/dang-nhap/quen-mat-khau", data={"login": login},
                                   environ_base={"REMOTE_ADDR": f"10.{number // 250}.{number % 250}.1"})
            ready = time.perf_counter()
            response.close()  # what the WSGI server does once the answer is sent
            done = time.perf_counter()
            assert response.status_code == 303
            if number >= 20:  # warm-up
                answer[kind].append((ready - started) * 1000)
                total[kind].append((done - started) * 1000)
        for kind in ("known", "unknown"):
            ms = sorted(answer[kind])
            print(f"{kind:8} answer ready: median {statistics.median(ms):.2f} ms, p90 {ms[int(len(ms) * 0.9)]:.2f} ms;"
                  f" with the message sent: median {statistics.median(total[kind]):.2f} ms")


if __name__ == "__main__":
    main()
