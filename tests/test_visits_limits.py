"""Limits that stop abuse, not residents: only bookings made count (a form sent
back with an error costs nothing), per network address with a ceiling for the
households that share one, and per phone number; a refusal says the time to
try again and keeps the form as typed. The same for lookups: only those that
found nothing count."""

from __future__ import annotations

import re
import types
from datetime import datetime, timezone

import pytest

from tests.factories import arrange_roster, booking_data, visit_rows
from wardsite.timeutil import to_local

# The limits' clock, fixed: 08:00 in the ward on 01/03/2021 (not today).
FROZEN = datetime(2021, 3, 1, 1, 0, tzinfo=timezone.utc).timestamp()


@pytest.fixture
def frozen_limits(monkeypatch):
    import limits.storage.memory

    monkeypatch.setattr(limits.storage.memory, "time", types.SimpleNamespace(time=lambda: FROZEN))


def book(client, roster, address="203.0.113.7", **changes):
    return client.post("/dat-lich/", data=booking_data(roster, **changes), environ_base={"REMOTE_ADDR": address})


def household(n: int) -> dict:
    return {"phone": f"09120000{n:02d}", "form_token": f"household-{n:02d}", "full_name": f"Hộ số {n}"}


def test_forms_sent_back_with_errors_do_not_count(app, client, frozen_limits):
    roster = arrange_roster(app)
    app.config["VISIT_BOOKING_RATE_LIMIT"] = "2 per hour"
    for attempt in range(6):
        assert book(client, roster, consent=None, form_token=f"missed-{attempt}").status_code == 200
    assert book(client, roster, **household(1)).status_code == 303
    assert book(client, roster, hour=9, **household(2)).status_code == 303
    assert len(visit_rows(app)) == 2


def test_households_sharing_an_address_book_until_its_ceiling_and_are_told_when_to_try_again(
    app, client, frozen_limits
):
    roster = arrange_roster(app)
    app.config["VISIT_BOOKING_RATE_LIMIT"] = "2 per hour"
    assert book(client, roster, hour=8, **household(1)).status_code == 303
    assert book(client, roster, hour=9, **household(2)).status_code == 303
    response = book(client, roster, hour=10, **household(3))
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    # The hour's window ends at 09:00 on 01/03/2021, ward time.
    assert "Bạn có thể đặt lại từ 09:00 ngày 01/03/2021" in html
    assert "Có 1 lỗi cần sửa" in html and "<title>Lỗi: " in html
    # The form comes back as typed, to send again later.
    assert 'value="Hộ số 3"' in html and 'value="Số 12, ngõ 4, đường Hòa Phong"' in html
    assert len(visit_rows(app)) == 2
    # Another connection is not held back.
    assert book(client, roster, hour=10, address="198.51.100.9", **household(3)).status_code == 303


def test_one_phone_number_is_limited_whatever_the_connection(app, client, frozen_limits):
    roster = arrange_roster(app)
    app.config["VISIT_BOOKING_PHONE_LIMIT"] = "2 per day"
    same = {"phone": "0912 777 888"}
    assert book(client, roster, hour=8, address="192.0.2.1", form_token="p-1", **same).status_code == 303
    assert book(client, roster, hour=9, address="192.0.2.2", form_token="p-2", **same).status_code == 303
    response = book(client, roster, hour=10, address="192.0.2.3", form_token="p-3", **same)
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert re.search(r'id="phone-error"[^>]*>[^<]*Bạn có thể đặt lại từ 08:00 ngày 02/03/2021', html)
    assert '<a href="#phone">' in html
    assert len(visit_rows(app)) == 2


def test_staff_booking_for_a_resident_is_not_limited(app, client, login, frozen_limits):
    roster = arrange_roster(app)
    app.config["VISIT_BOOKING_RATE_LIMIT"] = "1 per hour"
    app.config["VISIT_BOOKING_PHONE_LIMIT"] = "1 per day"
    login("leader")
    for hour in (8, 9):
        response = client.post("/quan-tri/lich-hen/moi", data=booking_data(roster, hour=hour, form_token=f"staff-{hour}"))
        assert response.status_code == 303
    assert len(visit_rows(app)) == 2


def test_the_same_form_sent_twice_counts_once(app, client, frozen_limits):
    roster = arrange_roster(app)
    app.config["VISIT_BOOKING_RATE_LIMIT"] = "2 per hour"
    for _ in range(3):
        assert book(client, roster, **household(1)).status_code == 303
    assert book(client, roster, hour=9, **household(2)).status_code == 303


def lookup(client, code="ABCDEF", phone="0912345678"):
    return client.post("/dat-lich/tra-cuu", data={"code": code, "phone": phone})


def test_only_lookups_that_found_nothing_count_and_the_form_comes_back_as_typed(app, client, frozen_limits):
    roster = arrange_roster(app)
    app.config["VISIT_LOOKUP_RATE_LIMIT"] = "2 per hour"
    response = book(client, roster, **household(1))
    code = response.headers["Location"].rsplit("/", 1)[1]
    for _ in range(3):
        assert lookup(client, code, "0912000001").status_code == 303  # found: never counted
    assert lookup(client, "", "").status_code == 200  # refused by the form: not counted
    for _ in range(2):
        assert "Không tìm thấy lịch hẹn nào" in lookup(client).get_data(as_text=True)
    response = lookup(client, "K7M2QX", "0912 345 678")
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Bạn có thể thử lại từ 09:00 ngày 01/03/2021" in html
    assert 'value="K7M2QX"' in html and 'value="0912345678"' in html  # the number as the form reads it


def test_a_limit_on_the_whole_site_says_when_it_ends(app, monkeypatch):
    # A ward's RATELIMIT_DEFAULT, as Flask-Limiter reports it (a real one would
    # outlive this app: the extension keeps the last app's default limits).
    from flask import abort

    from wardsite.extensions import limiter

    app.add_url_rule("/thu-gioi-han", "limited", lambda: abort(429))
    reached = types.SimpleNamespace(reset_at=int(FROZEN) + 3600)
    monkeypatch.setattr(type(limiter), "current_limit", property(lambda self: reached))
    response = app.test_client().get("/thu-gioi-han")
    assert response.status_code == 429
    assert "Xin thử lại từ 09:00 ngày 01/03/2021" in response.get_data(as_text=True)


# The brake on new phone numbers per address ------------------------------------


def test_new_phone_numbers_beyond_the_brake_are_received_to_check_without_holding_a_time(app, client, frozen_limits):
    """One address booked 20 an hour with made-up numbers: now the first three
    new numbers a day hold their time, later ones are received for a leader to
    phone and confirm, and keep no seat, so the times stay free."""
    from wardsite.visits import slots
    from wardsite.visits.models import TO_CHECK

    roster = arrange_roster(app)
    app.config["VISIT_NEW_PHONES_PER_ADDRESS"] = "2 per day"
    assert book(client, roster, hour=8, **household(1)).status_code == 303
    assert book(client, roster, hour=9, **household(2)).status_code == 303
    response = book(client, roster, hour=10, **household(3))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Phường đã nhận yêu cầu của bác" in page and "phường sẽ gọi điện" in page
    visits = visit_rows(app)
    assert [visit.seat for visit in visits] == [1, 1, None]
    assert visits[2].status == TO_CHECK
    with app.test_request_context():
        assert [to_local(slot.start).hour for slot in slots.free_slots()] == [10]  # still free for a resident
    # Another address is not braked; a number the ward knows is not either.
    assert book(client, roster, hour=10, address="198.51.100.9", **household(4)).status_code == 303
    assert visit_rows(app)[3].seat == 1


def test_a_number_the_ward_knows_holds_its_time_from_a_braked_address(app, client, login, frozen_limits):
    from wardsite.extensions import db
    from wardsite.visits import services
    from wardsite.visits.models import Visit

    roster = arrange_roster(app)
    app.config["VISIT_NEW_PHONES_PER_ADDRESS"] = "1 per day"
    assert book(client, roster, hour=8, **household(1)).status_code == 303
    with app.app_context():
        services.confirm(db.session.get(Visit, visit_rows(app)[0].id))
    assert book(client, roster, hour=9, **household(2)).status_code == 303  # new: to check
    assert book(client, roster, hour=10, **dict(household(1), form_token="again-1")).status_code == 303  # known
    assert [visit.seat for visit in visit_rows(app)] == [1, None, 1]


def test_the_leader_sees_a_booking_to_check_and_confirming_it_claims_its_time(app, client, login, frozen_limits):
    roster = arrange_roster(app)
    app.config["VISIT_NEW_PHONES_PER_ADDRESS"] = "1 per day"
    book(client, roster, hour=8, **household(1))
    book(client, roster, hour=9, **household(2))
    book(client, roster, hour=10, **household(3))
    second, third = visit_rows(app)[1:]
    # Someone else takes the third one's time before the leader calls.
    assert book(client, roster, hour=10, address="198.51.100.9", **household(4)).status_code == 303
    login("leader")
    listing = client.get("/quan-tri/lich-hen/").get_data(as_text=True)
    assert listing.count("Chờ gọi xác minh") >= 2
    page = client.get(f"/quan-tri/lich-hen/{second.id}").get_data(as_text=True)
    assert "chưa được giữ giờ" in page
    assert client.post(f"/quan-tri/lich-hen/{second.id}/xac-nhan").status_code == 303
    refused = client.post(f"/quan-tri/lich-hen/{third.id}/xac-nhan", follow_redirects=True).get_data(as_text=True)
    assert "không còn trống" in refused
    rows = {visit.id: visit for visit in visit_rows(app)}
    assert rows[second.id].status == "confirmed" and rows[second.id].seat == 1
    assert rows[third.id].status == "to_check" and rows[third.id].seat is None


def test_bookings_to_check_count_towards_the_phone_s_active_bookings(app, client, frozen_limits):
    roster = arrange_roster(app)
    app.config["VISIT_NEW_PHONES_PER_ADDRESS"] = "1 per day"
    app.config["VISIT_MAX_ACTIVE_PER_PHONE"] = 2
    same = {"phone": "0912 777 888"}
    assert book(client, roster, hour=8, form_token="s-1", **same).status_code == 303
    assert book(client, roster, hour=9, form_token="s-2", **same).status_code == 303
    html = book(client, roster, hour=10, form_token="s-3", **same).get_data(as_text=True)
    assert "Số điện thoại này đã có 2 lịch hẹn" in html


def test_the_time_to_try_again_is_rounded_up_to_the_minute(app, client, monkeypatch):
    """A window that began at 08:00:30 ends at 09:00:30: the message says
    09:01, when a booking is allowed again, never 09:00, when it is not."""
    import limits.storage.memory

    monkeypatch.setattr(limits.storage.memory, "time", types.SimpleNamespace(time=lambda: FROZEN + 30))
    roster = arrange_roster(app)
    app.config["VISIT_BOOKING_RATE_LIMIT"] = "1 per hour"
    assert book(client, roster, hour=8, **household(1)).status_code == 303
    html = book(client, roster, hour=9, **household(2)).get_data(as_text=True)
    assert "Bạn có thể đặt lại từ 09:01 ngày 01/03/2021" in html


def test_a_refusal_under_htmx_comes_back_as_typed_with_the_time(app, client, frozen_limits):
    """The boosted form (hx-boost) gets the page with the summary, the time
    and what was typed, with the 429 that static/js/app.js shows rather than drops."""
    roster = arrange_roster(app)
    app.config["VISIT_BOOKING_RATE_LIMIT"] = "1 per hour"
    assert book(client, roster, hour=8, **household(1)).status_code == 303
    response = client.post("/dat-lich/", data=booking_data(roster, hour=9, **household(2)),
                           headers={"HX-Request": "true", "HX-Boosted": "true"},
                           environ_base={"REMOTE_ADDR": "203.0.113.7"})
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Bạn có thể đặt lại từ 09:00 ngày 01/03/2021" in html and "Có 1 lỗi cần sửa" in html
    assert 'value="Hộ số 2"' in html and f'value="{roster.day.isoformat()}T09:00" checked' in html
