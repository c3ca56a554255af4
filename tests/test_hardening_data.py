"""Hardening found by an attack on the running site (issue 14), the parts
about data: the page cache's markers cannot be forged by content (finding 1),
reading an article never needs the write lock (finding 12), and the purge
leaves no erased value on disk (finding 15)."""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from tests.conftest import on_postgres
from tests.factories import article_url, make_article, text_of
from wardsite.extensions import db
from wardsite.news.models import COMMENT_APPROVED, Article, Comment
from wardsite.news.views import ViewCounter, counter, flush_views

FORGED = "\ue0003\ue001"


# Finding 1: markers content cannot forge --------------------------------------------


@pytest.mark.parametrize("language", [None, "en"])
def test_an_approved_comment_looking_like_a_marker_keeps_the_article_up(app, language):
    article_id = make_article(app)
    with app.app_context():
        db.session.add(Comment(article_id=article_id, author_name="Khách", body=f"Cảm ơn{FORGED}",
                               status=COMMENT_APPROVED))
        db.session.commit()
    url = article_url(app, article_id)
    for _ in range(5):
        visitor = app.test_client()
        if language:
            visitor.set_cookie("lang", language)
        response = visitor.get(url)
        assert response.status_code == 200
        assert "Cảm ơn" in text_of(response)


def test_a_search_for_a_marker_answers_every_time(app, make_procedure):
    make_procedure("1.001193", "Đăng ký khai sinh")
    for _ in range(5):
        response = app.test_client().get("/thu-tuc/?q=%EE%80%809%EE%80%81")
        assert response.status_code == 200
        assert "\ue000" not in text_of(response)


def test_input_loses_private_use_characters(app):
    with app.test_request_context("/thu-tuc/?q=khai%EE%80%80sinh%EF%A3%BF"):
        from flask import request

        assert request.args["q"] == "khaisinh"


def test_a_comment_loses_private_use_characters(app, client):
    article_id = make_article(app)
    client.post(f"/tin-tuc/{article_id}/binh-luan", data={"author_name": "Khách", "body": f"Cảm ơn phường{FORGED}"})
    with app.app_context():
        assert db.session.scalars(db.select(Comment.body)).all() == ["Cảm ơn phường3"]


# Finding 12: reading an article never needs the write lock ------------------------------


@contextmanager
def write_lock_held(app):
    """Another connection holding the lock every write needs: SQLite's write
    lock (BEGIN IMMEDIATE), or on PostgreSQL an EXCLUSIVE lock on the article table."""
    if on_postgres():
        with app.app_context():
            connection = db.engine.connect()
        transaction = connection.begin()
        connection.exec_driver_sql("LOCK TABLE article IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            transaction.rollback()
            connection.close()
        return
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        connection.rollback()
        connection.close()


def stored_views(app, article_id) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Article.views).where(Article.id == article_id))


def read(app, url, address, agent="Firefox"):
    """A reader's visit, the response closed as a server closes it once sent."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    return client.get(url, buffered=True)


def test_the_article_answers_while_another_connection_holds_the_write_lock(make_app):
    app = make_app(NEWS_VIEW_FLUSH_COUNT=1)  # every request's end tries to write
    article_id = make_article(app)
    url = article_url(app, article_id)
    with write_lock_held(app):
        for number in range(3):
            started = time.monotonic()
            response = read(app, url, f"10.0.0.{number}")
            assert response.status_code == 200
            assert f"{number + 1} lượt đọc" in text_of(response)
            assert time.monotonic() - started < 2  # was 10 s, then 500
    assert stored_views(app, article_id) == 0
    assert read(app, url, "10.0.0.9").status_code == 200  # its end writes all four
    assert stored_views(app, article_id) == 4


def test_the_article_answers_when_writing_the_views_fails(make_app, monkeypatch):
    app = make_app(NEWS_VIEW_FLUSH_COUNT=1)
    article_id = make_article(app)
    url = article_url(app, article_id)

    def refused(self, counts):
        raise OperationalError("UPDATE article", {}, Exception("attempt to write a readonly database"))

    with monkeypatch.context() as patched:
        patched.setattr(ViewCounter, "_write", refused)
        for number in range(3):
            response = read(app, url, f"10.0.0.{number}")
            assert response.status_code == 200 and f"{number + 1} lượt đọc" in text_of(response)
        assert flush_views(app) is False
    assert stored_views(app, article_id) == 0
    assert flush_views(app)
    assert stored_views(app, article_id) == 3
    assert "4 lượt đọc" in text_of(read(app, url, "10.0.0.8"))


def test_one_clients_repeated_views_count_once_within_the_window(app, monkeypatch):
    article_id = make_article(app)
    url = article_url(app, article_id)
    other_id = make_article(app, "Lịch trực Tết")
    now = [1000.0]
    monkeypatch.setattr(ViewCounter, "clock", staticmethod(lambda: now[0]))
    for _ in range(5):
        assert "1 lượt đọc" in text_of(read(app, url, "10.0.0.1"))
    assert "2 lượt đọc" in text_of(read(app, url, "10.0.0.1", agent="Chrome"))  # another browser
    assert "3 lượt đọc" in text_of(read(app, url, "10.0.0.2"))
    assert "1 lượt đọc" in text_of(read(app, article_url(app, other_id), "10.0.0.1"))
    now[0] += 29 * 60
    assert "3 lượt đọc" in text_of(read(app, url, "10.0.0.1"))
    now[0] += 2 * 60  # past 30 minutes since the first view
    assert "4 lượt đọc" in text_of(read(app, url, "10.0.0.1"))
    assert flush_views(app)
    assert stored_views(app, article_id) == 4 and stored_views(app, other_id) == 1
    # Nothing that identifies a reader is kept, only keyed hashes.
    remembered = b"".join(counter(app).clients)
    assert b"10.0.0.1" not in remembered and b"Firefox" not in remembered


def test_views_are_written_once_enough_time_has_passed(app, monkeypatch):
    article_id = make_article(app)
    url = article_url(app, article_id)
    now = [1000.0]
    monkeypatch.setattr(ViewCounter, "clock", staticmethod(lambda: now[0]))
    counter(app).last_flush = now[0]
    read(app, url, "10.0.0.1")
    assert stored_views(app, article_id) == 0
    now[0] += app.config["NEWS_VIEW_FLUSH_SECONDS"]
    read(app, url, "10.0.0.2")
    assert stored_views(app, article_id) == 2


# Finding 15: the purge leaves no erased value on disk -----------------------------------


ERASED = {
    "full_name": "Bà Lưu Thị Xoáhết", "phone": "0977135791", "address": "Số 88 ngõ Xoáhết",
    "help_needed": "Cần giúp khaixoahet", "dossier_codes": "H17-XOAHET", "rating_comment": "Rất tốt xoahet",
}
WAITING = {"full_name": "Ông Chờ Xoáhết", "phone": "0966246802"}


@pytest.mark.skipif(on_postgres(), reason="SQLite's files; PostgreSQL needs VACUUM (README)")
def test_the_purge_leaves_no_erased_value_in_the_database_files(app, runner):
    from datetime import datetime, timedelta
    from datetime import time as day_time

    from tests.factories import arrange_roster
    from wardsite.timeutil import from_local, local_today, utcnow
    from wardsite.visits.models import Visit, WaitingEntry

    roster = arrange_roster(app)
    start = from_local(datetime.combine(local_today() - timedelta(days=100), day_time(8)))
    with app.app_context():
        for number in range(3):
            db.session.add(Visit(slot_start=start, slot_end=start + timedelta(hours=1), status="done", seat=None,
                                 residential_group_id=roster.group_id, **ERASED))
            db.session.commit()  # one transaction each, several copies of the page in the WAL
        # The old entry between recent ones: its row is deleted from a page that stays.
        db.session.add(WaitingEntry(created_at=utcnow(), full_name="Bà Mới Một", phone="0912000001"))
        db.session.add(WaitingEntry(created_at=utcnow() - timedelta(days=60), **WAITING))
        db.session.add(WaitingEntry(created_at=utcnow(), full_name="Bà Mới Hai", phone="0912000002"))
        db.session.commit()
    database = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    files = [Path(database), Path(database + "-wal")]
    before = b"".join(path.read_bytes() for path in files)
    assert ERASED["phone"].encode() in before  # the test data did reach the files

    with app.app_context():  # Debian's SQLite has it on by default, other builds do not
        assert db.session.execute(db.text("PRAGMA secure_delete")).scalar() == 1
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "3 visit" in result.output and "1 old waiting" in result.output

    # Read while the site's connections are still open (closing the last one
    # would checkpoint the WAL by itself).
    after = b"".join(path.read_bytes() for path in files)
    for value in (*ERASED.values(), *WAITING.values()):
        assert value.encode() not in after, value


def test_views_counted_by_threads_while_writing_are_all_written_once(app):
    import threading

    article_id = make_article(app)
    views = counter(app)

    def reader_thread(number):
        for view in range(50):
            with app.test_request_context(environ_base={"REMOTE_ADDR": f"10.1.{number}.{view}"}):
                views.view(article_id)
            if view % 10 == 0:
                views.flush()

    threads = [threading.Thread(target=reader_thread, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert flush_views(app)
    assert stored_views(app, article_id) == 400
    assert views.shown(article_id, 400) == 400
