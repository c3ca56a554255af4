"""The worker that sends the outbox: claims, retries with backoff, the
fallback from Zalo to SMS, quiet hours, the daily cost cap, resends, several
workers at once, and a worker killed with SIGKILL mid-batch (on SQLite, and on
PostgreSQL when WARDSITE_TEST_DATABASE_URI is set)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.notify_standin import EsmsStandIn, worker_env
from wardsite import mail
from wardsite.extensions import db
from wardsite.mail import OutboxMessage
from wardsite.notify.channels import LogChannel
from wardsite.notify.result import SendResult
from wardsite.notify.worker import Worker, backoff, in_quiet_hours, parse_quiet_hours
from wardsite.timeutil import utcnow

ROOT = Path(__file__).resolve().parent.parent
PARAMS = {"code": "K7M2QX", "time": "09:00", "date": "14/03/2026", "link": "http://localhost/dat-lich/tra-cuu"}


class Scripted:
    """A channel that answers from a list, and records what it was asked."""

    def __init__(self, name, *answers):
        self.name, self.answers, self.asked = name, list(answers), []

    def send(self, notice):
        self.asked.append(notice)
        outcome = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return outcome(self.name)


def ok(name):
    return SendResult.sent(name, "p-1")


def later(name):
    return SendResult.retry(name, 503, "HTTP 503")


def no_zalo(name):
    return SendResult.failed(name, -118, "Zalo account not existed", no_zalo=True)


def refused(name):
    return SendResult.failed(name, -131, "template not approved")


def queue(n=1, channel="zalo", same_day=False, prefix="m"):
    messages = [mail.queue_notice("visit_confirmed", "0912345678", PARAMS, f"{prefix}:{i}", channel=channel,
                                  same_day=same_day) for i in range(n)]
    db.session.commit()
    return messages


def test_a_queued_message_waits_for_the_worker_and_goes_to_the_log(app, caplog):
    with app.app_context():
        queue(1)
        message = db.session.scalar(select(OutboxMessage))
        assert (message.status, message.attempts, message.sent_at) == ("queued", 0, None)
        log = LogChannel()
        worker = Worker(app.config, {"log": log})
        worker.log_only = True
        assert worker.run_once() == 1
        db.session.refresh(message)
        assert (message.status, message.attempts) == ("sent", 1) and message.sent_at is not None
        assert log.sent[0][0].key == "m:0" and "K7M2QX" in log.sent[0][1]
        assert worker.run_once() == 0


def test_without_its_channel_configured_a_message_waits_in_the_outbox(app):
    with app.app_context():
        queue(1)
        assert Worker(app.config, {"log": LogChannel()}).run_once() == 0
        assert db.session.scalar(select(OutboxMessage.status)) == "queued"


def test_a_temporary_failure_is_retried_with_exponential_backoff_then_fails(app):
    app.config.update(NOTIFY_MAX_ATTEMPTS=3, NOTIFY_RETRY_SECONDS=10)
    with app.app_context():
        queue(1)
        zalo = Scripted("zalo", later)
        worker = Worker(app.config, {"log": LogChannel(), "zalo": zalo})
        delays = []
        for attempt in range(1, 4):
            before = utcnow()
            assert worker.run_once() == 1
            message = db.session.scalar(select(OutboxMessage).execution_options(populate_existing=True))
            assert message.attempts == attempt
            if attempt < 3:
                assert message.status == "queued" and message.error == "zalo: 503 HTTP 503"
                delays.append((message.next_attempt_at - before).total_seconds())
                assert worker.run_once() == 0  # not due yet
                message.next_attempt_at = utcnow()
                db.session.commit()
        assert (message.status, message.error) == ("failed", "zalo: 503 HTTP 503")
        assert 8 <= delays[0] <= 12.5 and 16 <= delays[1] <= 24.5
        assert [n.key for n in zalo.asked] == ["m:0"] * 3  # the same idempotency key every time


def test_backoff_doubles_up_to_six_hours():
    assert 24 <= backoff(1, 30) <= 36 and 48 <= backoff(2, 30) <= 72
    assert backoff(30, 30) <= 6 * 3600 * 1.2


def test_a_provider_error_a_retry_cannot_fix_fails_at_once_with_its_text(app):
    with app.app_context():
        queue(1)
        Worker(app.config, {"log": LogChannel(), "zalo": Scripted("zalo", refused)}).run_once()
        message = db.session.scalar(select(OutboxMessage))
        assert (message.status, message.attempts, message.error) == ("failed", 1, "zalo: -131 template not approved")


def test_a_number_without_zalo_gets_an_sms_instead(app):
    with app.app_context():
        queue(1)
        zalo, sms = Scripted("zalo", no_zalo), Scripted("sms", ok)
        worker = Worker(app.config, {"log": LogChannel(), "zalo": zalo, "sms": sms})
        assert worker.run_once() == 1 and worker.run_once() == 1
        message = db.session.scalar(select(OutboxMessage))
        assert (message.status, message.channel) == ("sent", "sms")
        assert "Zalo account not existed; by SMS instead" in message.error or message.error == ""
        assert len(zalo.asked) == 1 and sms.asked[0].key == "m:0"


def test_quiet_hours_hold_phone_messages_except_a_same_day_change(app):
    quiet = parse_quiet_hours("21:00-07:00")
    assert in_quiet_hours(quiet, datetime(2026, 3, 14, 15, 0, tzinfo=timezone.utc))  # 22:00 in the ward
    assert in_quiet_hours(quiet, datetime(2026, 3, 14, 23, 30, tzinfo=timezone.utc))  # 06:30
    assert not in_quiet_hours(quiet, datetime(2026, 3, 14, 1, 0, tzinfo=timezone.utc))  # 08:00
    assert not in_quiet_hours(parse_quiet_hours(""), datetime(2026, 3, 14, 15, 0, tzinfo=timezone.utc))
    app.config.update(NOTIFY_QUIET_HOURS="21:00-07:00")
    with app.app_context():
        queue(1, prefix="later")
        queue(1, prefix="today", same_day=True)
        mail.queue_message("an@example.org", "Lịch trực", "...", "mail:1")
        db.session.commit()
        zalo = Scripted("zalo", ok)
        worker = Worker(app.config, {"log": LogChannel(), "zalo": zalo, "email": Scripted("email", ok)})
        night = datetime(2026, 3, 14, 16, 0, tzinfo=timezone.utc)  # 23:00
        for message in db.session.scalars(select(OutboxMessage)):
            message.next_attempt_at = night - timedelta(minutes=1)
        db.session.commit()
        claimed = {m.dedupe_key for m in worker.claim(night)}
        assert claimed == {"today:0", "mail:1"}
        morning = datetime(2026, 3, 15, 0, 30, tzinfo=timezone.utc)  # 07:30
        assert {m.dedupe_key for m in worker.claim(morning)} == {"later:0"}


def test_the_daily_cost_cap_holds_paid_messages_until_tomorrow(app):
    app.config.update(NOTIFY_DAILY_COST_CAP=700, NOTIFY_COSTS={"zalo": 300})
    with app.app_context():
        queue(3)
        zalo = Scripted("zalo", ok)
        worker = Worker(app.config, {"log": LogChannel(), "zalo": zalo})
        assert worker.run_once() == 3
        messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [m.status for m in messages] == ["sent", "sent", "queued"]
        assert [m.cost for m in messages] == [300, 300, 0]
        held = messages[2]
        assert held.error == "daily cost cap reached" and held.attempts == 0 and held.next_attempt_at > utcnow()
        assert len(zalo.asked) == 2


def test_a_leaders_resend_goes_out_again_under_a_new_idempotency_key(app):
    with app.app_context():
        queue(1)
        zalo = Scripted("zalo", ok)
        worker = Worker(app.config, {"log": LogChannel(), "zalo": zalo})
        worker.run_once()
        message = db.session.scalar(select(OutboxMessage))
        mail.resend(message)
        db.session.commit()
        worker.run_once()
        db.session.refresh(message)
        assert [n.key for n in zalo.asked] == ["m:0", "m:0:r1"] and message.status == "sent"


def test_a_claim_left_by_a_dead_worker_is_taken_over_once_its_lease_has_run_out(app):
    with app.app_context():
        queue(2)
        dead = Worker(app.config, {"log": LogChannel(), "zalo": Scripted("zalo", ok)})
        assert len(dead.claim()) == 2  # and then it died
        alive = Worker(app.config, {"log": LogChannel(), "zalo": Scripted("zalo", ok)})
        assert alive.run_once() == 0  # claimed, the lease has not run out
        assert alive.requeue_stale(utcnow() + timedelta(seconds=121)) == 2
        assert alive.run_once() == 2
        assert set(db.session.scalars(select(OutboxMessage.status))) == {"sent"}


def test_two_workers_claim_different_messages(app):
    with app.app_context():
        queue(30)
        app.config.update(NOTIFY_WORKER_BATCH=10)
        first = Worker(app.config, {"log": LogChannel(), "zalo": Scripted("zalo", ok)})
        second = Worker(app.config, {"log": LogChannel(), "zalo": Scripted("zalo", ok)})
        a, b = {m.id for m in first.claim()}, {m.id for m in second.claim()}
        assert len(a) == len(b) == 10 and not a & b


def test_the_purge_erases_the_phone_in_queued_and_sent_messages(app):
    with app.app_context():
        queue(2)
        Worker(app.config, {"log": LogChannel(), "zalo": Scripted("zalo", ok)}).claim()  # in flight
        queue(1, prefix="q")
        mail.queue_notice("visit_confirmed", "0987654321", PARAMS, "other:1")
        db.session.commit()
        assert mail.erase_recipient("0912345678") == 3
        db.session.commit()
        rows = {m.dedupe_key: (m.recipient, m.status) for m in db.session.scalars(select(OutboxMessage))}
        assert rows["q:0"] == (mail.ERASED, "failed") and rows["m:0"][0] == mail.ERASED
        assert rows["other:1"] == ("0987654321", "queued")


# Worker processes against the stand-in eSMS ---------------------------------------------------


def start_worker(env, log_path):
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wardsite", "notify", "worker"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until(condition, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def statuses(app):
    with app.app_context():
        db.session.remove()
        return Counter(db.session.scalars(select(OutboxMessage.status)))


@pytest.fixture
def stand_in(tmp_path):
    server = EsmsStandIn(tmp_path / "provider.log", delay=0.005)
    yield server
    server.close()


def test_a_worker_killed_mid_batch_and_restarted_sends_every_message_exactly_once(app, database_uri, tmp_path, stand_in):
    total = 60
    with app.app_context():
        queue(total, channel="sms")
    env = worker_env(database_uri, stand_in.url, NOTIFY_WORKER_BATCH=20)
    worker = start_worker(env, tmp_path / "worker.log")
    # Killed by the provider's hand right after it accepted the 25th message,
    # before answering: the worker holds a claimed batch, one message sent but not recorded.
    stand_in.kill_pid, stand_in.kill_after = worker.pid, 25
    try:
        assert worker.wait(timeout=60) == -9, (tmp_path / "worker.log").read_text()
        counts = statuses(app)
        assert counts["sending"] > 0 and counts["sent"] == 24, counts  # the dead worker's claim
        worker = start_worker(env, tmp_path / "worker.log")
        assert wait_until(lambda: statuses(app)["sent"] == total), (statuses(app), (tmp_path / "worker.log").read_text())
    finally:
        worker.terminate()
        worker.wait(timeout=10)
    logged = Counter(stand_in.logged())
    assert len(logged) == total and set(logged.values()) == {1}, "a message was sent twice or not at all"
    assert stand_in.duplicates == 1  # the 25th, tried again after the lease, recognised by its request id
    with app.app_context():
        assert set(db.session.scalars(select(OutboxMessage.attempts))) <= {1, 2}


def test_three_workers_at_once_never_send_one_message_twice(app, database_uri, tmp_path, stand_in):
    total = 150
    with app.app_context():
        queue(total, channel="sms")
    # A long lease: no claim is taken over however slow the machine, so any
    # duplicate request would be two workers holding one message.
    env = worker_env(database_uri, stand_in.url, NOTIFY_WORKER_BATCH=5, NOTIFY_CLAIM_SECONDS=300)
    workers = [start_worker(env, tmp_path / f"worker{i}.log") for i in range(3)]
    try:
        assert wait_until(lambda: statuses(app)["sent"] == total), statuses(app)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=10)
    assert stand_in.requests == total and stand_in.duplicates == 0
    assert sorted(stand_in.logged()) == sorted(f"m:{i}" for i in range(total))


# The leaders' message log ------------------------------------------------------------------------


def test_the_message_log_shows_channel_status_error_attempts_and_resends(app, client, login):
    with app.app_context():
        queue(1)
        Worker(app.config, {"log": LogChannel(), "zalo": Scripted("zalo", refused)}).run_once()
        message_id = db.session.scalar(select(OutboxMessage.id))
    login("leader")
    page = client.get("/quan-tri/hop-thu").get_data(as_text=True)
    assert "zalo" in page and "zalo: -131 template not approved" in page
    assert f"/quan-tri/hop-thu/{message_id}/gui-lai" in page
    assert client.get("/quan-tri/hop-thu?trang-thai=sent").get_data(as_text=True).count("gui-lai") == 0
    assert client.post(f"/quan-tri/hop-thu/{message_id}/gui-lai").status_code == 303
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert (message.status, message.resends, message.error) == ("queued", 1, "")
        Worker(app.config, {"log": LogChannel(), "zalo": Scripted("zalo", ok)}).run_once()
    page = client.get("/quan-tri/hop-thu").get_data(as_text=True)
    month = utcnow().strftime("%Y-%m")
    assert re.search(rf"<td>{month}</td><td>zalo</td><td>1</td><td>300</td>", page), page[-1500:]
