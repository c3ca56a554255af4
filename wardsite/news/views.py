"""Article views, counted in memory per worker and written in batches, so that
reading an article never needs the database's write lock.

- A view counts once per client and article within NEWS_VIEW_REPEAT_MINUTES:
  the client is a keyed hash of its address and user agent, with a key drawn
  per process and never stored, so nothing personal is kept, not even in memory.
- The counts are added to `article.views` when a request ends (after its
  response is sent: `call_on_close`) once NEWS_VIEW_FLUSH_SECONDS have passed
  or NEWS_VIEW_FLUSH_COUNT views are waiting, and when the process exits.
- A write that fails (the database locked by another writer, or read-only)
  keeps the counts for the next one; the page has already answered. A write
  waits at most FLUSH_BUSY_MS for a lock (SQLite's busy timeout, PostgreSQL's
  lock_timeout), not the usual 10 s.
- The page shows the count in the database when it was read, plus the views
  this worker has not written yet.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import secrets
import threading
import time
import weakref
from collections import Counter, OrderedDict

from flask import Flask, current_app, request
from sqlalchemy import update

from wardsite.extensions import db

log = logging.getLogger(__name__)

FLUSH_BUSY_MS = 200
MAX_CLIENTS = 100_000  # remembered (client, article) pairs per worker, oldest out first

_COUNTERS: weakref.WeakSet[ViewCounter] = weakref.WeakSet()


class ViewCounter:
    clock = staticmethod(time.monotonic)

    def __init__(self, app: Flask):
        self.app = app
        self.flush_seconds = float(app.config.get("NEWS_VIEW_FLUSH_SECONDS", 30))
        self.flush_count = int(app.config.get("NEWS_VIEW_FLUSH_COUNT", 100))
        self.repeat_seconds = 60 * float(app.config.get("NEWS_VIEW_REPEAT_MINUTES", 30))
        self.key = secrets.token_bytes(16)
        self.lock = threading.Lock()
        self.flushing = threading.Lock()
        self.pending: Counter[int] = Counter()  # views not written yet
        self.writing: Counter[int] = Counter()  # views being written now
        self.known: dict[int, int] = {}  # article id -> its views in the database, as last read or written
        self.clients: OrderedDict[bytes, float] = OrderedDict()  # (client, article) -> first view, oldest first
        self.last_flush = self.clock()
        _COUNTERS.add(self)

    def _client(self, article_id: int) -> bytes:
        seen = f"{article_id}\0{request.remote_addr or ''}\0{request.user_agent.string}"
        return hashlib.blake2b(seen.encode(), key=self.key, digest_size=16).digest()

    def view(self, article_id: int, stored: int | None = None) -> int:
        """Count this request's view of the article (once per client within
        the repeat window) and give the count to show. `stored` is the count
        just read from the database, None on a page served from memory."""
        client = self._client(article_id)
        now = self.clock()
        with self.lock:
            clients = self.clients
            while clients and next(iter(clients.values())) <= now - self.repeat_seconds:
                clients.popitem(last=False)
            if client not in clients:
                clients[client] = now
                self.pending[article_id] += 1
                if len(clients) > MAX_CLIENTS:
                    clients.popitem(last=False)
            return self._shown(article_id, stored)

    def shown(self, article_id: int, stored: int) -> int:
        """The count to show without counting a view."""
        with self.lock:
            return self._shown(article_id, stored)

    def _shown(self, article_id: int, stored: int | None) -> int:
        if stored is not None:
            self.known[article_id] = stored
        return self.known.get(article_id, 0) + self.writing[article_id] + self.pending[article_id]

    def due(self) -> bool:
        with self.lock:  # threaded workers: no counting while summing
            waiting = self.pending.total()
        return bool(waiting) and (
            waiting >= self.flush_count or self.clock() - self.last_flush >= self.flush_seconds
        )

    def flush(self) -> bool:
        """Write the waiting views; False (the views kept for the next time)
        when the database refused them or another thread is writing."""
        if not self.flushing.acquire(blocking=False):
            return False
        try:
            with self.lock:
                self.last_flush = self.clock()
                self.writing, self.pending = self.pending, Counter()
            if not self.writing:
                return True
            try:
                written = self._write(dict(self.writing))
            except Exception:  # noqa: BLE001 - whatever the database says, the views wait
                log.warning("article views not written, kept for the next time", exc_info=True)
                with self.lock:
                    self.pending.update(self.writing)
                    self.writing = Counter()
                return False
            with self.lock:
                self.known.update(written)
                self.writing = Counter()
            return True
        finally:
            self.flushing.release()

    def _write(self, counts: dict[int, int]) -> dict[int, int]:
        """One transaction of `UPDATE article SET views = views + n`: no ORM
        flush, so the page cache's content version stays as it is."""
        from wardsite.news.models import Article

        with self.app.app_context():
            engine = db.engine
        written = {}
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                busy = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
                connection.exec_driver_sql(f"PRAGMA busy_timeout={FLUSH_BUSY_MS}")
                connection.commit()  # the PRAGMAs began a transaction
            try:
                with connection.begin():
                    if connection.dialect.name == "postgresql":
                        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {FLUSH_BUSY_MS}")
                    table = Article.__table__
                    for article_id, count in sorted(counts.items()):
                        views = connection.execute(
                            update(table).where(table.c.id == article_id)
                            .values(views=table.c.views + count).returning(table.c.views)
                        ).scalar()
                        if views is not None:
                            written[article_id] = views
            finally:
                if sqlite:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={int(busy)}")
                    connection.commit()
        return written


def counter(app: Flask | None = None) -> ViewCounter:
    return (app or current_app).extensions["news_views"]


def count(article_id: int) -> int:
    """The live value of a kept article page: counts this view, gives the count."""
    return counter().view(article_id)


def flush_views(app: Flask | None = None) -> bool:
    return counter(app).flush()


def _flush_when_due(response):
    views = counter()
    if views.due():
        response.call_on_close(views.flush)  # after the response is sent
    return response


def init_app(app: Flask) -> None:
    app.extensions["news_views"] = ViewCounter(app)
    app.after_request(_flush_when_due)


@atexit.register
def _flush_all() -> None:
    for views in list(_COUNTERS):
        if views.pending:
            views.flush()
