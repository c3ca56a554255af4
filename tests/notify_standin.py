"""A stand-in eSMS on loopback for the worker's tests and benchmark: it
answers SendMultipleMessage_V4_post_json as eSMS documents, keeps the
RequestIds it accepted (a repeated one is answered 124, "duplicate request",
as eSMS does) and writes each accepted one to a log file, one line each, so
that a test can count what was really sent even across worker crashes.

`kill_after`: after accepting this many messages, SIGKILL the process `pid`
before answering, the worst moment for a worker to die (the provider has
sent, the worker has not recorded it).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SMS_PATH = "/SendMultipleMessage_V4_post_json/"


class EsmsStandIn:
    def __init__(self, log_path: Path, delay: float = 0.0):
        self.log_path = Path(log_path)
        self.accepted: dict[str, float] = {}
        self.requests = 0
        self.duplicates = 0
        self.delay = delay
        self.kill_after: int | None = None
        self.kill_pid: int | None = None
        self.lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if stand_in.delay:
                    time.sleep(stand_in.delay)
                with stand_in.lock:
                    stand_in.requests += 1
                    request_id = body.get("RequestId", "")
                    if request_id in stand_in.accepted:
                        stand_in.duplicates += 1
                        reply = {"CodeResult": "124", "ErrorMessage": "Request exist", "SMSID": request_id}
                    else:
                        stand_in.accepted[request_id] = time.time()
                        with open(stand_in.log_path, "a", encoding="utf-8") as log:
                            log.write(f"{request_id}\t{body.get('Phone')}\t{body.get('Content')}\n")
                        reply = {"CodeResult": "100", "SMSID": f"sms-{len(stand_in.accepted)}"}
                        if stand_in.kill_after and len(stand_in.accepted) == stand_in.kill_after and stand_in.kill_pid:
                            os.kill(stand_in.kill_pid, signal.SIGKILL)
                            stand_in.kill_after = None
                            return  # no answer: the worker died waiting for it
                data = json.dumps(reply).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def logged(self) -> list[str]:
        if not self.log_path.exists():
            return []
        return [line.split("\t", 1)[0] for line in self.log_path.read_text(encoding="utf-8").splitlines()]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def worker_env(database_uri: str, stand_in_url: str, **settings) -> dict:
    """The environment of a worker process sending SMS to the stand-in."""
    env = dict(os.environ)
    values = {"SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "test-secret-key",
              "CANONICAL_URL": "http://localhost", "ESMS_API_KEY": "api-key", "ESMS_SECRET_KEY": "secret",
              "ESMS_BRANDNAME": "PHUONG-NH", "ESMS_URL": stand_in_url, "NOTIFY_QUIET_HOURS": "",
              "NOTIFY_WORKER_POLL_SECONDS": 0.05, "NOTIFY_CLAIM_SECONDS": 2, "NOTIFY_TIMEOUT_SECONDS": 5,
              "RATELIMIT_STORAGE_URI": "memory://"}
    values.update(settings)
    for key, value in values.items():
        env[f"WARDSITE_{key}"] = value if isinstance(value, str) else json.dumps(value)
    return env
