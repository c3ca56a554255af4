"""A `limits` storage in one SQLite file, shared by every worker on a machine.

Flask-Limiter's `memory://` storage lives inside one worker: with two gunicorn
workers every limit is doubled. This storage keeps the counters in a small
SQLite file (the site's default is instance/limits.db), which every worker and
thread on the machine opens, so they count together. Several machines need a
storage they share over the network: RATELIMIT_STORAGE_URI=redis://...

It is registered with `limits` under the scheme `sqlite` (importing this
module is enough): `sqlite:////absolute/path/limits.db`, or
`sqlite:///relative/path.db`, as SQLAlchemy writes them. It supports the
fixed-window strategy, Flask-Limiter's default, which the site uses.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from limits.storage import Storage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counter (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL,
    expires_at REAL NOT NULL
)
"""


class SQLiteStorage(Storage):
    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, timeout: float = 5.0, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = uri.split("://", 1)[1]
        if path.startswith("/"):
            path = path[1:]  # sqlite:///relative, sqlite:////absolute
        if not path:
            raise ValueError("sqlite:// limit storage needs a file: sqlite:////path/to/limits.db")
        self.path = str(Path(path))
        self.timeout = float(timeout)
        self._local = threading.local()
        self._last_sweep = 0.0

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread and process: a forked worker opens its own.
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            self._prepare(connection)
            self._local.connection = connection
            self._local.pid = os.getpid()
        return connection

    def _prepare(self, connection: sqlite3.Connection) -> None:
        # Workers starting together race to create the file and switch it to
        # WAL; SQLite answers "database is locked" at once to the losers
        # instead of waiting out the busy timeout, so they try again.
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                if connection.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.execute(_SCHEMA)
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute("DELETE FROM counter WHERE key = ? AND expires_at <= ?", (key, now))
            connection.execute(
                "INSERT INTO counter (key, value, expires_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = value + excluded.value",
                (key, amount, now + expiry),
            )
            (value,) = connection.execute("SELECT value FROM counter WHERE key = ?", (key,)).fetchone()
            if now - self._last_sweep > 60:
                self._last_sweep = now
                connection.execute("DELETE FROM counter WHERE expires_at <= ?", (now,))
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return int(value)

    def get(self, key: str) -> int:
        row = self._connection().execute(
            "SELECT value FROM counter WHERE key = ? AND expires_at > ?", (key, time.time())
        ).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._connection().execute(
            "SELECT expires_at FROM counter WHERE key = ? AND expires_at > ?", (key, time.time())
        ).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        connection = self._connection()
        count = connection.execute("SELECT count(*) FROM counter").fetchone()[0]
        connection.execute("DELETE FROM counter")
        return int(count)

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counter WHERE key = ?", (key,))
