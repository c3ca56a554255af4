"""A worker killed between Zalo's acceptance and its commit (issue 15):
Zalo's own API is not known to drop a repeated tracking_id, and has no
lookup by it, so a message that was in Zalo's hands when its claim ran out is
not sent again blindly: it is marked "uncertain" for a leader to check and
resend, and a delivery report settles it. Messages the dead worker had
claimed but not yet handed over, and those on eSMS (which drops a repeated
RequestId), are taken over and sent as before."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.test_notify_worker import Scripted, ok, queue
from wardsite import mail
from wardsite.extensions import db
from wardsite.mail import OutboxMessage
from wardsite.notify.channels import LogChannel
from wardsite.notify.worker import Worker
from wardsite.timeutil import utcnow

LEASE_OVER = timedelta(seconds=121)


class Killed(BaseException):
    """The worker process dying, as SIGKILL would: no handler runs."""


class ZaloThenDie(Scripted):
    """Zalo's own API accepts the message, and the worker dies before it
    hears the answer."""

    repeats_safely = False

    def send(self, notice):
        self.asked.append(notice)
        raise Killed


class ZaloApi(Scripted):
    repeats_safely = False


def messages():
    db.session.expire_all()
    return {m.dedupe_key: m for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))}


def die_mid_batch(app, channel):
    """A worker claims a batch of 3 and dies while sending the first."""
    dead = Worker(app.config, {"log": LogChannel(), "zalo": channel})
    try:
        dead.run_once()
    except Killed:
        pass
    db.session.rollback()


def test_a_zalo_message_in_flight_is_marked_uncertain_and_never_sent_twice(app):
    with app.app_context():
        queue(3)
        first = ZaloThenDie("zalo", ok)
        die_mid_batch(app, first)
        assert [n.key for n in first.asked] == ["m:0"]
        rows = messages()
        assert rows["m:0"].status == "sending" and rows["m:0"].provider_id == mail.IN_FLIGHT
        assert {rows["m:1"].status, rows["m:2"].status} == {"sending"}  # claimed, never handed to Zalo
        alive_zalo = ZaloApi("zalo", ok)
        alive = Worker(app.config, {"log": LogChannel(), "zalo": alive_zalo})
        assert alive.requeue_stale(utcnow() + LEASE_OVER) == 2
        alive.run_once()
        assert [n.key for n in alive_zalo.asked] == ["m:1", "m:2"]  # the in-flight one is not asked again
        rows = messages()
        assert (rows["m:1"].status, rows["m:2"].status) == ("sent", "sent")
        assert rows["m:0"].status == "uncertain" and rows["m:0"].provider_id == ""
        assert "may have gone" in rows["m:0"].error and rows["m:0"].attempts == 1
        # More rounds change nothing: it stays for a leader to decide.
        alive.requeue_stale(utcnow() + 2 * LEASE_OVER)
        alive.run_once()
        assert len(alive_zalo.asked) == 2 and messages()["m:0"].status == "uncertain"


def test_a_leader_resends_an_uncertain_message_under_a_new_key(app, client, login):
    with app.app_context():
        queue(1)
        die_mid_batch(app, ZaloThenDie("zalo", ok))
        Worker(app.config, {"log": LogChannel(), "zalo": ZaloApi("zalo", ok)}).requeue_stale(utcnow() + LEASE_OVER)
        message_id = messages()["m:0"].id
    login("leader")
    page = client.get("/quan-tri/hop-thu?trang-thai=uncertain").get_data(as_text=True)
    assert "chưa rõ" in page and f"/quan-tri/hop-thu/{message_id}/gui-lai" in page
    assert client.post(f"/quan-tri/hop-thu/{message_id}/gui-lai").status_code == 303
    with app.app_context():
        zalo = ZaloApi("zalo", ok)
        Worker(app.config, {"log": LogChannel(), "zalo": zalo}).run_once()
        assert [n.key for n in zalo.asked] == ["m:0:r1"] and messages()["m:0"].status == "sent"


def test_zalos_delivery_report_settles_an_uncertain_message(app, client):
    app.config["ZALO_WEBHOOK_TOKEN"] = "zalo-secret"
    with app.app_context():
        queue(1)
        die_mid_batch(app, ZaloThenDie("zalo", ok))
        Worker(app.config, {"log": LogChannel(), "zalo": ZaloApi("zalo", ok)}).requeue_stale(utcnow() + LEASE_OVER)
    event = {"event_name": "user_received_message", "app_id": "1", "timestamp": "1",
             "message": {"msg_id": "zalo-msg-7", "tracking_id": "m:0"}}
    assert client.post("/thong-bao/zalo/su-kien/zalo-secret", json=event).json["result"] == "delivered"
    with app.app_context():
        assert messages()["m:0"].status == "delivered"


def test_a_provider_that_drops_repeats_is_simply_asked_again(app):
    with app.app_context():
        queue(1)
        relay = Scripted("zalo", ok)  # eSMS's ZNS relay: a repeated RequestId is dropped as a duplicate

        def die(notice):
            relay.asked.append(notice)
            raise Killed

        relay.send = die
        die_mid_batch(app, relay)
        assert messages()["m:0"].provider_id == ""  # nothing said before asking: repeating is safe
        again = Scripted("zalo", ok)
        worker = Worker(app.config, {"log": LogChannel(), "zalo": again})
        assert worker.requeue_stale(utcnow() + LEASE_OVER) == 1
        worker.run_once()
        assert [n.key for n in again.asked] == ["m:0"] and messages()["m:0"].status == "sent"


def test_a_zalo_answer_clears_the_in_flight_mark(app):
    with app.app_context():
        queue(2)
        zalo = ZaloApi("zalo", ok, lambda name: mail_retry(name))
        Worker(app.config, {"log": LogChannel(), "zalo": zalo}).run_once()
        rows = messages()
        assert (rows["m:0"].status, rows["m:0"].provider_id) == ("sent", "p-1")
        assert (rows["m:1"].status, rows["m:1"].provider_id) == ("queued", "")


def mail_retry(name):
    from wardsite.notify.result import SendResult

    return SendResult.retry(name, 503, "HTTP 503")
