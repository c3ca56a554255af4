"""After a visit closes as done, the resident who chose Zalo or SMS gets a
link to rate it (issue 15): on the ward's canonical address, with nothing but
their own code and the day, never in the night, once."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, update

from tests.factories import arrange_roster, booking_data, visit_rows
from wardsite.extensions import db
from wardsite.mail import OutboxMessage
from wardsite.timeutil import to_local
from wardsite.visits import services
from wardsite.visits.models import Visit


def rating_messages(app):
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "visit_rate")))


def close_as_done(app, visit_id):
    with app.test_request_context():
        visit = db.session.get(Visit, visit_id)
        db.session.execute(update(Visit).where(Visit.id == visit_id).values(
            slot_start=visit.slot_start - timedelta(days=3), slot_end=visit.slot_end - timedelta(days=3)))
        db.session.commit()
        visit = db.session.get(Visit, visit_id, populate_existing=True)
        services.record_outcome(visit, 2, 1, "", "", [])
        return visit.code, visit.slot_start


def test_a_visit_done_sends_the_rating_link_by_the_residents_channel(app, client):
    app.config["CANONICAL_URL"] = "https://phuong.example.vn"
    roster = arrange_roster(app)
    assert client.post("/dat-lich/", data=booking_data(roster, notify_by="sms")).status_code == 303
    code, start = close_as_done(app, visit_rows(app)[0].id)
    [message] = rating_messages(app)
    params = json.loads(message.params)
    assert params == {"date": f"{to_local(start):%d/%m/%Y}", "code": code,
                      "link": f"https://phuong.example.vn/dat-lich/tra-cuu?ma={code}"}
    assert (message.channel, message.recipient, message.same_day) == ("sms", "0912345678", False)
    assert "Lê Thị Năm" not in message.body and "Hòa Phong" not in message.body
    # Recording the outcome again (a correction) sends nothing more.
    with app.test_request_context():
        services.record_outcome(db.session.get(Visit, visit_rows(app)[0].id), 3, 1, "", "", [])
    assert len(rating_messages(app)) == 1
    # The link opens the lookup with the code filled in; with the phone, the rating form.
    page = client.get(f"/dat-lich/tra-cuu?ma={code}").get_data(as_text=True)
    assert f'value="{code}"' in page
    response = client.post("/dat-lich/tra-cuu", data={"code": code, "phone": "0912345678"})
    assert "danh-gia" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_no_rating_link_without_consent_to_messages(app, client):
    roster = arrange_roster(app)
    assert client.post("/dat-lich/", data=booking_data(roster, notify_by="none")).status_code == 303
    close_as_done(app, visit_rows(app)[0].id)
    assert rating_messages(app) == []


def test_no_rating_link_once_the_resident_stopped_messages(app, client):
    roster = arrange_roster(app)
    client.post("/dat-lich/", data=booking_data(roster, notify_by="zalo"))
    code = visit_rows(app)[0].code
    client.post(f"/dat-lich/tra-cuu/{code}/tat-tin-nhan")
    close_as_done(app, visit_rows(app)[0].id)
    assert rating_messages(app) == []
