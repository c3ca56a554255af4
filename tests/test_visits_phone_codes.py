"""A one-time code for a phone number new to the ward before its booking
holds a time (visits/phone_codes.py): sent the way the resident chose, typed
into the same form (no JavaScript needed), hashed at rest, expiring, a few
wrong tries, limited per number and per address, and never used twice, even
by requests at once (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.factories import arrange_roster, booking_data, visit_rows
from wardsite.extensions import db
from wardsite.mail import OutboxMessage
from wardsite.notify.channels import LogChannel
from wardsite.notify.worker import Worker
from wardsite.timeutil import utcnow
from wardsite.visits import phone_codes
from wardsite.visits.models import TO_CHECK, PhoneCode

ADDRESS = "203.0.113.7"


@pytest.fixture
def codes_on(app):
    # Everything to the log, as `make run` with the code shown there.
    app.config.update(VISIT_PHONE_CODES=True, NOTIFY_LOG_ONLY=True)
    return app


def book(client, roster, address=ADDRESS, **changes):
    data = booking_data(roster, **{"notify_by": "zalo", **changes})
    return client.post("/dat-lich/", data={k: v for k, v in data.items() if v is not None},
                       environ_base={"REMOTE_ADDR": address})


def code_messages(app):
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "phone_code")
                                       .order_by(OutboxMessage.id)))


def last_code(app) -> str:
    return json.loads(code_messages(app)[-1].params)["code"]


def code_rows(app):
    with app.app_context():
        return list(db.session.scalars(select(PhoneCode).order_by(PhoneCode.id)))


def test_off_without_a_zalo_or_sms_channel_so_make_run_books_without_a_code(app, client):
    roster = arrange_roster(app)
    with app.app_context():
        assert not phone_codes.enabled()
    assert book(client, roster).status_code == 303
    assert code_messages(app) == []


def test_forced_on_with_no_way_to_send_the_booking_is_received_to_check(app, client):
    app.config["VISIT_PHONE_CODES"] = True
    roster = arrange_roster(app)
    assert book(client, roster).status_code == 303
    assert visit_rows(app)[0].status == TO_CHECK and code_messages(app) == []


def test_on_by_default_once_an_sms_channel_is_configured(app):
    app.config.update(ESMS_API_KEY="k", ESMS_SECRET_KEY="s", ESMS_BRANDNAME="PHUONG")
    with app.app_context():
        assert phone_codes.enabled()
        assert phone_codes.code_channel("zalo") == "zalo"  # eSMS relays Zalo, or the worker sends an SMS
        assert phone_codes.code_channel("none") is None
    app.config["VISIT_PHONE_CODES"] = False
    with app.app_context():
        assert not phone_codes.enabled()


def test_a_new_number_gets_a_code_by_its_chosen_channel_and_the_form_comes_back_as_typed(codes_on, client):
    app = codes_on
    roster = arrange_roster(app)
    response = book(client, roster, help_needed="Kích hoạt VNeID")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and visit_rows(app) == []
    assert 'name="phone_code"' in html and 'autocomplete="one-time-code"' in html
    assert "Phường vừa gửi mã 6 số qua Zalo đến số 0912345678" in html
    assert "Có 1 lỗi cần sửa" in html and 'href="#phone_code"' in html
    assert "Kích hoạt VNeID" in html and 'value="Số 12, ngõ 4, đường Hòa Phong"' in html
    [message] = code_messages(app)
    assert (message.channel, message.recipient, message.same_day) == ("zalo", "0912345678", True)
    code = last_code(app)
    assert re.fullmatch(r"\d{6}", code)
    [row] = code_rows(app)
    assert code not in row.code_hash and len(row.code_hash) == 64  # hashed at rest
    assert "0912345678" not in row.phone_key
    response = book(client, roster, phone_code=code)
    assert response.status_code == 303
    [visit] = visit_rows(app)
    assert visit.status != TO_CHECK and visit.seat == 1


def test_the_code_in_the_outbox_is_masked_once_sent(codes_on, client):
    app = codes_on
    roster = arrange_roster(app)
    book(client, roster)
    code = last_code(app)
    log = LogChannel()
    with app.app_context():
        Worker(app.config, {"log": log, "zalo": log}).run_once()
    assert code in log.sent[0][1]
    [message] = code_messages(app)
    assert message.status == "sent"
    assert code not in message.body and code not in message.params and "******" in message.body


def test_a_wrong_code_is_refused_with_the_tries_left_and_books_nothing(codes_on, client):
    app = codes_on
    roster = arrange_roster(app)
    book(client, roster)
    code = last_code(app)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    response = book(client, roster, phone_code=wrong)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and visit_rows(app) == []
    assert "Mã chưa đúng" in html and "còn 4 lần thử" in html
    assert f'value="{wrong}"' in html  # kept as typed
    assert len(code_messages(app)) == 1  # no new code for a wrong one


def test_too_many_wrong_tries_close_the_code(codes_on, client):
    app = codes_on
    app.config["VISIT_PHONE_CODE_TRIES"] = 3
    roster = arrange_roster(app)
    book(client, roster)
    code = last_code(app)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _attempt in range(3):
        book(client, roster, phone_code=wrong)
    response = book(client, roster, phone_code=code)  # right, but too late
    assert response.status_code == 200 and visit_rows(app) == []
    assert "đã nhập sai 3 lần và không dùng được nữa" in response.get_data(as_text=True)
    assert len(code_messages(app)) == 1
    book(client, roster, **{"ma-moi": "1"})
    assert len(code_messages(app)) == 2
    assert book(client, roster, phone_code=last_code(app)).status_code == 303


def test_an_expired_code_is_refused_and_a_new_one_sent(codes_on, client):
    app = codes_on
    roster = arrange_roster(app)
    book(client, roster)
    code = last_code(app)
    with app.app_context():
        db.session.execute(update(PhoneCode).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = book(client, roster, phone_code=code)
    assert response.status_code == 200 and visit_rows(app) == []
    assert "đã hết hạn" in response.get_data(as_text=True)
    assert len(code_messages(app)) == 2 and len(code_rows(app)) == 2
    assert book(client, roster, phone_code=last_code(app)).status_code == 303


def test_a_code_expires_after_ten_minutes_by_default(codes_on, client):
    app = codes_on
    roster = arrange_roster(app)
    book(client, roster)
    [row] = code_rows(app)
    assert row.expires_at - row.created_at == timedelta(minutes=10)


def test_a_code_queued_too_long_is_not_sent_at_all(codes_on, client):
    app = codes_on
    roster = arrange_roster(app)
    book(client, roster)
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(created_at=utcnow() - timedelta(minutes=11)))
        db.session.commit()
        log = LogChannel()
        Worker(app.config, {"log": log, "zalo": log}).run_once()
    assert log.sent == []
    [message] = code_messages(app)
    assert message.status == "failed" and "******" in message.body


def test_an_old_code_stops_working_once_a_new_one_is_asked_for(codes_on, client):
    app = codes_on
    roster = arrange_roster(app)
    book(client, roster)
    first = last_code(app)
    response = book(client, roster, **{"ma-moi": "1"})
    assert response.status_code == 200 and len(code_messages(app)) == 2
    second = last_code(app)
    if first != second:
        assert book(client, roster, phone_code=first).status_code == 200
    assert book(client, roster, phone_code=second).status_code == 303


def test_sending_the_form_again_without_the_code_sends_no_new_one(codes_on, client):
    app = codes_on
    roster = arrange_roster(app)
    book(client, roster)
    response = book(client, roster)
    assert "Mời bác nhập mã phường đã gửi" in response.get_data(as_text=True)
    assert len(code_messages(app)) == 1


def test_too_many_codes_for_one_number(codes_on, client):
    app = codes_on
    app.config["VISIT_PHONE_CODES_PER_PHONE"] = "2 per hour"
    roster = arrange_roster(app)
    book(client, roster)
    book(client, roster, **{"ma-moi": "1"})
    response = book(client, roster, **{"ma-moi": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Đã gửi nhiều mã đến số điện thoại này" in html and "gọi phường" in html
    assert len(code_messages(app)) == 2
    assert 'name="phone_code"' in html  # the code sent before still works
    assert book(client, roster, phone_code=last_code(app)).status_code == 303


def test_too_many_codes_from_one_address(codes_on, client):
    app = codes_on
    app.config["VISIT_PHONE_CODES_PER_ADDRESS"] = "2 per hour"
    roster = arrange_roster(app)
    for n in range(2):
        assert book(client, roster, phone=f"091200000{n}", form_token=f"t-{n}").status_code == 200
    response = book(client, roster, phone="0912000009", form_token="t-9")
    assert response.status_code == 429
    assert "Đã gửi nhiều mã từ kết nối internet này" in response.get_data(as_text=True)
    assert len(code_messages(app)) == 2
    # Another address is not held back.
    assert book(client, roster, address="198.51.100.4", phone="0912000009", form_token="t-9").status_code == 200


def test_a_number_already_known_books_without_a_code(codes_on, client):
    app = codes_on
    roster = arrange_roster(app)
    book(client, roster)
    assert book(client, roster, phone_code=last_code(app)).status_code == 303
    # Checked once: the next booking with that number needs no code.
    assert book(client, roster, hour=9, form_token="second").status_code == 303
    assert len(visit_rows(app)) == 2 and len(code_messages(app)) == 1


def test_a_number_a_leader_confirmed_before_needs_no_code(codes_on, client):
    app = codes_on
    roster = arrange_roster(app)
    app.config["VISIT_PHONE_CODES"] = False
    assert book(client, roster).status_code == 303
    with app.app_context():
        from wardsite.visits.models import Visit

        db.session.execute(update(Visit).values(confirmed_at=utcnow()))
        db.session.commit()
    app.config["VISIT_PHONE_CODES"] = True
    assert book(client, roster, hour=9, form_token="second").status_code == 303
    assert code_messages(app) == []


def test_only_look_it_up_is_received_to_check_for_a_leader_to_phone(codes_on, client):
    app = codes_on
    roster = arrange_roster(app)
    assert book(client, roster, notify_by="none").status_code == 303
    [visit] = visit_rows(app)
    assert visit.status == TO_CHECK and visit.seat is None
    assert code_messages(app) == []


def test_staff_booking_for_a_resident_needs_no_code(codes_on):
    app = codes_on
    with app.test_request_context():
        assert phone_codes.enabled()
    # handle_booking only asks for a code when booked_by is None (the resident's own form).


# Concurrency -------------------------------------------------------------------


def _at_once(app, count, work):
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        with app.test_request_context():
            barrier.wait()
            try:
                results[index] = work(index)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_one_code_typed_by_requests_at_once_is_used_once(codes_on):
    app = codes_on
    with app.test_request_context():
        phone_codes.send("0912345678", "zalo", ADDRESS)
    code = last_code(app)
    results = _at_once(app, 8, lambda i: phone_codes.use("0912345678", code))
    assert results.count(True) == 1, results
    [row] = code_rows(app)
    assert row.verified_at is not None and row.closed_at is not None


def test_codes_asked_for_at_once_leave_one_open_and_only_it_works(codes_on):
    app = codes_on
    app.config["VISIT_PHONE_CODES_PER_PHONE"] = "4 per hour"
    results = _at_once(app, 6, lambda i: phone_codes.send("0912345678", "zalo", ADDRESS).status)
    assert sorted(results) == [200] * 4 + [429] * 2  # the limit holds at once too
    rows = code_rows(app)
    assert len(rows) == 4 and sum(row.closed_at is None for row in rows) == 1
    by_row = {int(m.dedupe_key.split(":")[1]): json.loads(m.params)["code"] for m in code_messages(app)}
    codes = [by_row[row.id] for row in rows]
    newest = by_row[next(row.id for row in rows if row.closed_at is None)]
    # Every code at once: only the open one is accepted, once.
    used = _at_once(app, 4, lambda i: phone_codes.use("0912345678", codes[i]))
    assert used.count(True) == 1
    assert all(codes[i] == newest for i, ok in enumerate(used) if ok)
    assert sum(row.verified_at is not None for row in code_rows(app)) == 1


def test_the_purge_deletes_old_codes_and_erases_the_number_in_their_messages(codes_on, client):
    app = codes_on
    roster = arrange_roster(app)
    book(client, roster)
    with app.test_request_context():
        assert phone_codes.purge(utcnow() + timedelta(seconds=1)) == 1
        db.session.commit()
    assert code_rows(app) == []
    [message] = code_messages(app)
    assert message.recipient == "(đã xóa)" and message.status == "failed"
