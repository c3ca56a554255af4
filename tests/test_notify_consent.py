"""Consent and choice: the booking form asks how to be told (Zalo, SMS, or only
by looking it up), with nothing chosen at first; the choice queues the
resident's messages; the lookup page stops them; the purge erases the phone
number in queued and sent messages too."""

from __future__ import annotations

import json
import re
from datetime import datetime, time, timedelta

from sqlalchemy import select

from tests.factories import arrange_roster, booking_data, visit_rows
from tests.test_notify_worker import Scripted, ok
from wardsite.extensions import db
from wardsite.mail import ERASED, OutboxMessage
from wardsite.notify.channels import LogChannel
from wardsite.notify.worker import Worker
from wardsite.timeutil import from_local, local_today


def resident_messages(app):
    with app.app_context():
        return [m for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
                if m.dedupe_key.startswith("visit-resident:")]


def test_the_form_asks_how_to_be_told_with_nothing_chosen_and_says_so_in_the_consent(app, client):
    arrange_roster(app)
    html = client.get("/dat-lich/").get_data(as_text=True)
    radios = re.findall(r'<input[^>]*name="notify_by"[^>]*>', html)
    assert [re.search(r'value="(\w+)"', r).group(1) for r in radios] == ["zalo", "sms", "none"]
    assert not any("checked" in r for r in radios)
    assert "Nếu tôi chọn Zalo hoặc SMS" in html


def test_a_booking_without_a_choice_is_sent_back_and_books_nothing(app, client):
    roster = arrange_roster(app)
    response = client.post("/dat-lich/", data=booking_data(roster, notify_by=None))
    assert response.status_code == 200
    assert "Mời bác chọn cách phường báo tin" in response.get_data(as_text=True)
    assert visit_rows(app) == []


def test_choosing_zalo_queues_the_received_message_with_its_template_parameters(app, client):
    roster = arrange_roster(app)
    response = client.post("/dat-lich/", data=booking_data(roster, notify_by="zalo"))
    assert response.status_code == 303
    visit = visit_rows(app)[0]
    assert visit.notify_by == "zalo"
    [message] = resident_messages(app)
    assert (message.channel, message.kind, message.recipient, message.status) == ("zalo", "visit_received", "0912345678", "queued")
    assert json.loads(message.params) == {"code": visit.code, "time": "08:00", "date": roster.day.strftime("%d/%m/%Y"),
                                          "link": "http://localhost/dat-lich/tra-cuu"}
    with app.app_context():
        zalo = Scripted("zalo", ok)
        Worker(app.config, {"log": LogChannel(), "zalo": zalo}).run_once()
    assert zalo.asked[0].params["code"] == visit.code and zalo.asked[0].to == "0912345678"
    assert resident_messages(app)[0].status == "sent"


def test_choosing_no_messages_queues_nothing_for_the_resident(app, client):
    roster = arrange_roster(app)
    assert client.post("/dat-lich/", data=booking_data(roster, notify_by="none")).status_code == 303
    assert resident_messages(app) == []


def test_the_resident_stops_messages_from_the_lookup_page(app, client):
    roster = arrange_roster(app)
    client.post("/dat-lich/", data=booking_data(roster, notify_by="sms"))
    visit = visit_rows(app)[0]
    page = client.get(f"/dat-lich/tra-cuu/{visit.code}").get_data(as_text=True)
    assert "Dừng nhắn tin" in page
    response = client.post(f"/dat-lich/tra-cuu/{visit.code}/tat-tin-nhan")
    assert response.status_code == 303
    assert visit_rows(app)[0].notify_by == "none"
    [message] = resident_messages(app)
    assert (message.status, message.error) == ("failed", "stopped by the resident")
    assert "Dừng nhắn tin" not in client.get(f"/dat-lich/tra-cuu/{visit.code}").get_data(as_text=True)


def test_the_purge_erases_the_phone_number_in_the_residents_messages(app, client, runner):
    roster = arrange_roster(app)
    client.post("/dat-lich/", data=booking_data(roster, notify_by="zalo"))
    with app.app_context():
        from wardsite.visits.models import Visit

        visit = db.session.scalar(select(Visit))
        old = from_local(datetime.combine(local_today() - timedelta(days=100), time(8)))
        visit.slot_start, visit.slot_end = old, old + timedelta(hours=1)
        db.session.commit()
    assert runner.invoke(args=["purge"]).exit_code == 0
    [message] = resident_messages(app)
    assert message.recipient == ERASED and message.status == "failed"
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient.contains("0912345678"))) is None


def test_erasing_ones_data_erases_the_phone_number_in_sent_messages(app, client):
    roster = arrange_roster(app)
    client.post("/dat-lich/", data=booking_data(roster, notify_by="sms"))
    with app.app_context():
        Worker(app.config, {"log": LogChannel(), "sms": Scripted("sms", ok)}).run_once()
    visit = visit_rows(app)[0]
    assert client.post(f"/dat-lich/tra-cuu/{visit.code}/xoa").status_code == 303
    [message] = resident_messages(app)
    assert (message.recipient, message.status) == (ERASED, "sent")


def test_the_leader_confirming_changing_the_team_and_cancelling_each_tell_the_resident(app):
    roster = arrange_roster(app)
    resident = app.test_client()
    resident.post("/dat-lich/", data=booking_data(roster, notify_by="zalo"))
    visit = visit_rows(app)[0]
    with app.app_context():
        from wardsite.visits import services
        from wardsite.visits.models import Visit

        visit = db.session.get(Visit, visit.id)
        services.confirm(visit)
        services.choose_team(visit, [])
        services.cancel_by_leader(visit)
        code = visit.code
    kinds = [m.kind for m in resident_messages(app)]
    assert kinds == ["visit_received", "visit_confirmed", "visit_changed", "visit_cancelled"]
    cancelled = json.loads(resident_messages(app)[-1].params)
    assert cancelled == {"code": code, "date": roster.day.strftime("%d/%m/%Y"), "link": "http://localhost/dat-lich/"}


def test_the_evening_reminder_is_queued_once_for_tomorrows_visits_of_residents_who_chose_a_channel(app, runner):
    roster = arrange_roster(app)
    first, second = app.test_client(), app.test_client()
    first.post("/dat-lich/", data=booking_data(roster, 8, notify_by="sms", phone="0912000001"))
    second.post("/dat-lich/", data=booking_data(roster, 9, notify_by="none", phone="0912000002"))
    from wardsite.visits import resident_notices

    with app.app_context():
        assert resident_notices.remind(roster.day) == 1
        assert resident_notices.remind(roster.day) == 0
    assert [m.kind for m in resident_messages(app)] == ["visit_received", "visit_reminder"]
    assert "remind-residents" in runner.invoke(args=["--help"]).output
