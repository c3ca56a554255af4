"""Volunteers choose how they are told about their shifts (issue 15):
e-mail, Zalo, SMS or none, and the roster's messages follow the choice."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from wardsite.extensions import db
from wardsite.mail import OutboxMessage
from wardsite.roster import services
from wardsite.roster.models import Assignment
from wardsite.timeutil import local_today
from wardsite.volunteers.models import Volunteer
from tests.test_volunteers import MONDAY, make_shift, make_volunteer


def _messages():
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_volunteer_chooses_zalo_and_gets_the_change_as_a_zalo_notice(app, client, login):
    person = login("volunteer")
    with app.app_context():
        make_volunteer(user_id=person.id, email="an@example.org")
        db.session.commit()
    page = client.get("/tinh-nguyen/thong-bao").get_data(as_text=True)
    assert "Zalo" in page and 'selected value="email"' in page.replace('selected="" ', 'selected ').replace(' selected>', ' selected>'), page[page.find('<select'):page.find('</select>')]
    assert client.post("/tinh-nguyen/thong-bao", data={"notify_by": "zalo"}).status_code == 303
    with app.app_context():
        volunteer = db.session.scalar(select(Volunteer))
        assert volunteer.notify_by == "zalo"
        shift = make_shift(MONDAY, published=True, seats=2)
        services.assign(volunteer, shift, force=True)
        db.session.commit()
        [message] = _messages()
        assert (message.channel, message.kind, message.recipient) == ("zalo", "shift_changed", "0912345678")
        params = json.loads(message.params)
        assert set(params) == {"when", "place", "link"}
        assert params["when"].endswith(f"{MONDAY:%d/%m/%Y}") and params["when"].startswith("08:00-11:00")
        assert params["link"].endswith("/tinh-nguyen/")


def test_a_volunteer_who_chooses_none_gets_nothing(app, client, login):
    person = login("volunteer")
    with app.app_context():
        make_volunteer(user_id=person.id, email="an@example.org")
        db.session.commit()
    assert client.post("/tinh-nguyen/thong-bao", data={"notify_by": "none"}).status_code == 303
    with app.app_context():
        volunteer = db.session.scalar(select(Volunteer))
        shift = make_shift(local_today() + timedelta(days=1), seats=2)
        db.session.add(Assignment(shift=shift, volunteer=volunteer))
        db.session.flush()
        services.publish(shift.local_day, shift.local_day)
        services.send_reminders()
        services.assign(volunteer, make_shift(MONDAY, published=True), force=True)
        db.session.commit()
        assert _messages() == []


def test_sms_choice_publishes_and_reminds_by_sms_and_email_stays_the_default(app):
    with app.app_context():
        by_sms = make_volunteer("Trần Thị Bình", notify_by="sms")
        by_email = make_volunteer("Lê Văn Cường", email="cuong@example.org")
        shift = make_shift(local_today() + timedelta(days=1), seats=2)
        db.session.add_all([Assignment(shift=shift, volunteer=by_sms), Assignment(shift=shift, volunteer=by_email)])
        db.session.flush()
        assert services.publish(shift.local_day, shift.local_day) == 2
        assert services.send_reminders() == 2
        db.session.commit()
        sent = {(m.recipient, m.channel, m.kind) for m in _messages()}
        assert sent == {("0912345678", "sms", "shift_published"), ("0912345678", "sms", "shift_reminder"),
                        ("cuong@example.org", "email", None)}


def test_the_form_refuses_bad_input_in_vietnamese(app, client, login):
    person = login("volunteer")
    with app.app_context():
        make_volunteer(user_id=person.id)  # no e-mail address
        db.session.commit()
    response = client.post("/tinh-nguyen/thong-bao", data={"notify_by": "email"})
    assert response.status_code == 400 and "địa chỉ e-mail" in response.get_data(as_text=True)
    response = client.post("/tinh-nguyen/thong-bao", data={"notify_by": "fax\x00"})
    assert response.status_code == 400
    for data in ({}, {"notify_by": ["zalo", "sms"]}, {"notify_by": "x" * 5000}):
        assert client.post("/tinh-nguyen/thong-bao", data=data).status_code in (303, 400)
    with app.app_context():
        assert db.session.scalar(select(Volunteer)).notify_by in ("email", "zalo", "sms")


def test_the_page_is_404_for_an_account_without_a_volunteer(client, login):
    login("volunteer")
    assert client.get("/tinh-nguyen/thong-bao").status_code == 404
