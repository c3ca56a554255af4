"""No overbooking, ever: 30 residents press "Book" at the same moment for the
last free seat. A real threaded server on 127.0.0.1 serves them, on SQLite and
(with WARDSITE_TEST_DATABASE_URI) on PostgreSQL. Exactly one gets the
booking; the others are told, kindly, that the time has just been taken."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from werkzeug.serving import make_server

from tests.factories import TAKEN_TEXT, arrange_roster, booking_data, make_mobile_shift, visit_rows
from wardsite.extensions import db


RACERS = 30


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def server(app):
    app.config["VISIT_BOOKING_RATE_LIMIT"] = "1000 per minute"
    app.config["VISIT_MAX_ACTIVE_PER_PHONE"] = 1000
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


def race(url: str, forms: list[dict]) -> list[tuple[int, str]]:
    """Send every form at once (a barrier releases the threads together)."""
    opener = urllib.request.build_opener(NoRedirect)
    barrier = threading.Barrier(len(forms))
    results: list = [None] * len(forms)

    def send(index: int, form: dict) -> None:
        body = urllib.parse.urlencode(form, doseq=True).encode()
        request = urllib.request.Request(f"{url}/dat-lich/", data=body, method="POST")
        barrier.wait()
        try:
            with opener.open(request, timeout=60) as response:
                results[index] = (response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            results[index] = (error.code, error.read().decode())

    threads = [threading.Thread(target=send, args=(i, form)) for i, form in enumerate(forms)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def racers(roster, hour: int) -> list[dict]:
    return [
        booking_data(roster, hour=hour, phone=f"09{index:08d}", form_token=f"racer-{index}", full_name=f"Người thứ {index}")
        for index in range(RACERS)
    ]


def assert_one_winner(app, results, shift_ids, hour):
    statuses = [status for status, _body in results]
    assert 500 not in statuses
    assert statuses.count(303) == 1, statuses
    losers = [body for status, body in results if status != 303]
    assert len(losers) == RACERS - 1
    assert all(status == 200 for status, _ in results if status != 303)
    assert all(TAKEN_TEXT in body for body in losers)
    assert all("database is locked" not in body for body in losers)
    from wardsite.timeutil import to_local

    active = [
        v for v in visit_rows(app)
        if v.seat is not None and v.shift_id in shift_ids and to_local(v.slot_start).hour == hour
    ]
    assert len(active) == len(shift_ids)  # every team's seat holds exactly one booking


def test_thirty_residents_race_for_the_one_free_seat_of_a_slot(app, server):
    """Two teams at 09:00; one is already booked: one free seat left."""
    roster = arrange_roster(app)
    with app.app_context():
        second_team = make_mobile_shift(roster.day, 8, 11, volunteers=[roster.volunteer_ids[1]])
    first = race(server, [booking_data(roster, hour=9, phone="0911000000", form_token="early")])
    assert first[0][0] == 303
    results = race(server, racers(roster, 9))
    assert_one_winner(app, results, {roster.shift_id, second_team}, 9)


def test_thirty_residents_race_for_the_last_seat_of_a_team(app, server):
    """One team with three slots; two are booked, the last one is raced for."""
    roster = arrange_roster(app)
    for hour in (8, 9):
        assert race(server, [booking_data(roster, hour=hour, phone=f"091100000{hour}", form_token=f"early-{hour}")])[0][0] == 303
    results = race(server, racers(roster, 10))
    assert_one_winner(app, results, {roster.shift_id}, 10)
    with app.app_context():
        from wardsite.visits import slots

        with app.test_request_context():
            assert slots.free_slots() == []


def test_moves_cannot_overbook_either(app, server):
    """Residents moving their bookings into the same free slot at once."""
    from wardsite.visits import services, slots
    from wardsite.visits.models import Visit

    roster = arrange_roster(app)
    with app.app_context():
        make_mobile_shift(roster.day + timedelta(days=1), 8, 9, volunteers=[roster.volunteer_ids[0]])
    for hour in (8, 9):
        assert race(server, [booking_data(roster, hour=hour, phone=f"091100000{hour}", form_token=f"m-{hour}")])[0][0] == 303
    ids = [visit.id for visit in visit_rows(app)]
    target = slots.parse_slot(f"{roster.day.isoformat()}T10:00")
    outcomes: list = []

    def move(visit_id: int) -> None:
        with app.app_context(), app.test_request_context():
            visit = db.session.get(Visit, visit_id)
            try:
                services.move(visit, target)
                outcomes.append("moved")
            except services.SlotTaken:
                outcomes.append("taken")

    threads = [threading.Thread(target=move, args=(visit_id,)) for visit_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["moved", "taken"]


def test_ten_bookings_sent_at_once_with_one_phone_give_exactly_the_limit(app, server):
    """At most VISIT_MAX_ACTIVE_PER_PHONE active bookings per phone, also when
    they arrive together: ten forms with one phone, each for a different free
    time, give exactly three bookings (before the phone's lock: 7 on SQLite,
    5 on PostgreSQL)."""
    roster = arrange_roster(app)
    app.config["VISIT_MAX_ACTIVE_PER_PHONE"] = 3
    app.config["VISIT_BOOKING_PHONE_LIMIT"] = "1000 per day"
    app.config["VISIT_NEW_PHONES_PER_ADDRESS"] = "1000 per day"
    with app.app_context():
        for offset in (1, 2, 3):
            make_mobile_shift(roster.day + timedelta(days=offset), 8, 11, volunteers=[roster.volunteer_ids[0]])
    forms = []
    for index in range(10):
        day = roster.day + timedelta(days=index // 3)
        form = booking_data(roster, phone="0913 555 666", form_token=f"same-phone-{index}")
        form["slot"] = f"{day.isoformat()}T{8 + index % 3:02d}:00"
        forms.append(form)
    results = race(server, forms)
    statuses = [status for status, _body in results]
    assert statuses.count(303) == 3, statuses
    refused = [body for status, body in results if status != 303]
    assert all("Số điện thoại này đã có 3 lịch hẹn" in body for body in refused)
    active = [visit for visit in visit_rows(app) if visit.phone == "0913555666" and visit.seat is not None]
    assert len(active) == 3
