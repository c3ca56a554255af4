"""How much counting a view costs the article page.

    .venv/bin/python benchmarks/news_views.py [--requests 400] [--database URI]

Serves the same published article through the Flask test client, each
request from another address (so each counts), with the page cache off, first
with the view counter switched off, then on (counted in memory:
wardsite/news/views.py), and times writing a batch of 100 counted views (one
transaction). Uses a fresh SQLite file database unless --database gives
another (e.g. PostgreSQL).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from wardsite import create_app  # noqa: E402
from wardsite.extensions import db  # noqa: E402
from wardsite.news import views  # noqa: E402
from wardsite.news.models import PUBLISHED, Article  # noqa: E402
from wardsite.timeutil import utcnow  # noqa: E402

BODY = "\n\n".join(
    ["## Giờ mở cửa", "Thứ Hai – Thứ Sáu: 07:30–11:30 và 13:00–17:00. Mang theo **căn cước** và giấy tờ liên quan."] * 15
)


def timed(function, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(label: str, samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    return f"{label:<34} mean {statistics.mean(samples):6.2f} ms   median {statistics.median(samples):6.2f} ms   p95 {p95:6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--database", default="")
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="news-bench-"))
    uri = options.database or f"sqlite:///{folder / 'bench.db'}"
    # TESTING keeps the one-line-per-request log quiet.
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": uri, "UPLOAD_FOLDER": str(folder / "uploads"),
        "PAGE_CACHE": False, "NEWS_VIEW_FLUSH_SECONDS": 3600, "NEWS_VIEW_FLUSH_COUNT": 10**9,
    })
    app.instance_path = str(folder)
    with app.app_context():
        upgrade()
        for number in range(200):
            article = Article(kind="news", summary="Tóm tắt bài thử.", body=BODY, status=PUBLISHED, published_at=utcnow())
            article.set_title(f"Bài đo thời gian {number}")
            db.session.add(article)
        db.session.commit()
        article = db.session.scalars(db.select(Article).order_by(Article.id.desc())).first()
        url, article_id = f"/tin-tuc/{article.id}-{article.slug}", article.id

    client = app.test_client()
    addresses = iter(f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in range(10**7))

    def get():
        client.environ_base["REMOTE_ADDR"] = next(addresses)
        return client.get(url, buffered=True)

    for _ in range(30):  # warm up templates, the Markdown cache and the connection pool
        assert get().status_code == 200

    # Interleaved, so that other work on the machine weighs on both alike.
    counter = views.counter(app)
    real_view = views.ViewCounter.view
    without, with_count = [], []
    for _ in range(options.requests):
        views.ViewCounter.view = lambda self, article_id, stored=None: stored or 0
        without += timed(get, 1)
        views.ViewCounter.view = real_view
        with_count += timed(get, 1)

    def batch():
        counter.pending[article_id] += 100
        assert counter.flush()

    update_only = timed(batch, max(options.requests // 10, 10))
    with app.app_context():
        stored = db.session.get(Article, article_id).views

    print(f"database: {uri.split(':')[0]}, {options.requests} requests each")
    print(summary("article page, views not counted", without))
    print(summary("article page, views counted", with_count))
    print(summary("writing a batch of 100 views", update_only))
    print(f"extra per page view (median): {statistics.median(with_count) - statistics.median(without):+.2f} ms; views now {stored}")


if __name__ == "__main__":
    main()
