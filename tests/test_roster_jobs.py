"""Fills and re-plans as background jobs (wardsite/roster/jobs.py): the
leader's button queues a job and shows its page, which asks again until the
worker has run it; the worker claims a job once; a job of a killed worker is
taken over; a re-plan job saves nothing until the leader confirms it."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import on_postgres
from tests.test_roster_workflow import (
    MONDAY, SATURDAY, arrange_published_week_with_a_visit, confirm_url, html, make_shift, make_volunteer, outbox, team,
)
from wardsite.extensions import db
from wardsite.notify.channels import LogChannel
from wardsite.notify.worker import Worker
from wardsite.roster import jobs
from wardsite.roster.models import Assignment, FillJob
from wardsite.timeutil import utcnow


@pytest.fixture
def background(app):
    """The site as in production: a button only queues the job."""
    app.config["ROSTER_FILL_INLINE"] = False
    return app


def one_saturday_seat(app) -> int:
    with app.app_context():
        make_volunteer("Phạm Thu Hà")
        shift_id = make_shift(SATURDAY, kind="mobile").id
        db.session.commit()
        return shift_id


def test_a_fill_is_queued_runs_in_the_worker_and_its_page_shows_the_result(background, client, login):
    app = background
    shift_id = one_saturday_seat(app)
    login("leader")
    response = client.post("/quan-tri/lich-truc/xep", data={"tuan": MONDAY.isoformat()})
    assert response.status_code == 303
    job_page = response.headers["Location"]
    assert re.fullmatch(r"/quan-tri/lich-truc/viec/\d+", job_page)
    with app.app_context():
        assert team(shift_id) == []  # the request only queued the job
    waiting = html(client.get(job_page))
    assert "Đang chờ đến lượt" in waiting
    assert 'http-equiv="refresh"' in waiting  # without JavaScript, the page reloads itself
    assert f'hx-get="{job_page}"' in waiting and 'hx-trigger="every 2s"' in waiting
    fragment = html(client.get(job_page, headers={"HX-Request": "true", "HX-Target": "fill-job"}))
    assert fragment.lstrip().startswith('<div id="fill-job"') and "<html" not in fragment
    week = html(client.get(f"/quan-tri/lich-truc/?tuan={MONDAY.isoformat()}"))
    assert "Lịch trực tuần này đang được tính." in week and f'href="{job_page}"' in week
    # Pressing again while it waits queues nothing more.
    assert client.post("/quan-tri/lich-truc/xep", data={"tuan": MONDAY.isoformat()}).headers["Location"] == job_page
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(FillJob)) == 1
        # The worker's round: the outbox, then the job.
        assert Worker(app.config, {"log": LogChannel()}).run_once() == 1
        assert team(shift_id) == ["Phạm Thu Hà"]
    done = html(client.get(job_page))
    assert "Đã xếp lịch: 1 trên 1 chỗ; thêm 1, bỏ 0." in done
    assert f"Đã thêm: Phạm Thu Hà (Tổ lưu động {SATURDAY:%d/%m/%Y} 08:00–11:00)." in done
    assert 'http-equiv="refresh"' not in done and "hx-trigger" not in done  # finished: no more asking
    assert "chưa chứng minh được là tốt nhất" not in done
    assert "đang được tính" not in html(client.get(f"/quan-tri/lich-truc/?tuan={MONDAY.isoformat()}"))


def test_a_roster_stopped_at_the_time_limit_says_best_found_not_proven_best(app, client, login, monkeypatch):
    one_saturday_seat(app)
    real = jobs.plan_fill

    def stopped_at_the_limit(*args, **kwargs):
        plan = real(*args, **kwargs)
        plan.proven = False
        return plan

    monkeypatch.setattr(jobs, "plan_fill", stopped_at_the_limit)
    login("leader")
    page = html(client.post("/quan-tri/lich-truc/xep", data={"tuan": MONDAY.isoformat()}, follow_redirects=True))
    assert "Đã xếp lịch: 1 trên 1 chỗ" in page
    assert "Đây là lịch trực tốt nhất tìm được trong thời gian cho phép, chưa chứng minh được là tốt nhất." in page


def test_a_failed_job_says_so_and_changes_nothing(app, client, login, monkeypatch):
    shift_id = one_saturday_seat(app)

    def broken(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(jobs, "plan_fill", broken)
    login("leader")
    page = html(client.post("/quan-tri/lich-truc/xep", data={"tuan": MONDAY.isoformat()}, follow_redirects=True))
    assert "Không tính được lịch trực; chưa có gì thay đổi." in page
    with app.app_context():
        assert team(shift_id) == []
        assert db.session.scalar(select(FillJob.status)) == "failed"


def test_two_workers_claim_a_job_once(background, make_app):
    app = background
    one_saturday_seat(app)
    other = make_app()  # a second worker process on the same database
    with app.app_context():
        jobs.queue("fill", MONDAY, MONDAY + timedelta(days=6))
        db.session.commit()
        first = jobs.claim()
        assert first is not None and first.status == "running"
    with other.app_context():
        assert jobs.claim() is None
        assert jobs.run_due() == 0
    with app.app_context():
        assert jobs.run(db.session.get(FillJob, first.id))
        assert db.session.scalar(select(db.func.count()).select_from(Assignment)) == 1


def test_a_job_left_by_a_killed_worker_is_taken_over_after_its_lease_and_saved_once(background, make_app):
    app = background
    shift_id = one_saturday_seat(app)
    with app.app_context():
        job_id = jobs.queue("fill", MONDAY, MONDAY + timedelta(days=6)).id
        db.session.commit()
        killed = jobs.claim()  # this worker dies before finishing
        old_token = killed.claim_token
        assert jobs.requeue_stale() == 0  # still within its lease
        db.session.get(FillJob, job_id).claimed_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    with make_app().app_context():
        assert jobs.run_due() == 1  # queued again, claimed and run by the other worker
    with app.app_context():
        job = db.session.get(FillJob, job_id)
        assert job.status == "done" and job.attempts == 2
        assert team(shift_id) == ["Phạm Thu Hà"]
        # The killed worker comes back to life with its old claim: nothing is saved twice.
        job.claim_token = old_token
        assert jobs.run(job) is False
        db.session.expire_all()
        assert db.session.get(FillJob, job_id).status == "done"
        assert team(shift_id) == ["Phạm Thu Hà"]


def test_a_job_whose_worker_keeps_dying_fails_after_three_attempts(background):
    app = background
    with app.app_context():
        job = jobs.queue("fill", MONDAY, MONDAY + timedelta(days=6))
        job.status, job.attempts, job.claimed_until = "running", 3, utcnow() - timedelta(seconds=1)
        db.session.commit()
        jobs.requeue_stale()
        assert db.session.get(FillJob, job.id).status == "failed"


def test_a_replan_job_shows_its_changes_and_saves_nothing_until_confirmed(app, client, login):
    login("leader")
    ids = arrange_published_week_with_a_visit(app, client)  # filled (inline) and published
    app.config["ROSTER_FILL_INLINE"] = False
    response = client.post("/quan-tri/lich-truc/lap-lai", data={"tuan": MONDAY.isoformat()})
    job_page = response.headers["Location"]
    assert "Đang chờ đến lượt" in html(client.get(job_page))
    with app.app_context():
        assert jobs.run_due() == 1
    page = html(client.get(job_page))
    assert "Bùi Thị Phúc" in page and "EZU72A" in page
    assert "Phạm Thu Hà, Đặng Minh Tuấn" in page  # the visit's team now
    with app.app_context():
        assert team(ids["saturday"]) == ["Phạm Thu Hà", "Đặng Minh Tuấn"]  # the job saved nothing
        assert outbox() == []
    response = client.post(confirm_url(page))
    assert response.status_code == 303
    week = html(client.get(response.headers["Location"]))
    assert "Đã xếp lịch: 3 trên 4 chỗ; thêm 2, bỏ 1." in week
    with app.app_context():
        saturday = team(ids["saturday"])
        assert "Bùi Thị Phúc" in saturday and len(saturday) == 2
        assert outbox()  # the volunteer taken off and the visit's leaders are told
        told = len(outbox())
    # A second confirmation (a double click, the back button) saves nothing more.
    again = client.post(confirm_url(page), follow_redirects=True)
    assert "Bản sắp xếp lại này đã được lưu rồi." in html(again)
    with app.app_context():
        assert len(outbox()) == told


@pytest.mark.skipif(not on_postgres(), reason="concurrent claims need a database with row locks: PostgreSQL")
def test_two_workers_claiming_at_the_same_moment_take_a_job_once(background, make_app):
    app = background
    with app.app_context():
        for n in range(3):  # three weeks' jobs, eight workers asking at once
            jobs.queue("fill", MONDAY + timedelta(weeks=n), MONDAY + timedelta(weeks=n, days=6))
        db.session.commit()
    workers = [make_app() for _ in range(8)]
    start = threading.Barrier(len(workers))
    claimed: list[int | None] = []

    def worker(site):
        with site.app_context():
            start.wait()
            job = jobs.claim()
            claimed.append(job.id if job else None)
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(site,)) for site in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    taken = [job_id for job_id in claimed if job_id is not None]
    assert len(claimed) == 8 and len(taken) == 3 and len(set(taken)) == 3
