"""Residents never stranded, through the Flask client: when no time is free the
page says so before any form, with the ward's number; "Đổi giờ" never offers
the booking's own time and refuses it; cancelling and erasing ask first on a
page of their own."""

from __future__ import annotations

import re

from tests.factories import SLOT_RADIO, arrange_roster, booking_data, slot_value, visit_rows
from wardsite.extensions import db


def set_ward_phone(app, phone="024 3825 1234"):
    from wardsite.admin.models import WardSettings

    with app.app_context():
        settings = WardSettings.current()
        settings.phone = phone
        db.session.add(settings)
        db.session.commit()


def book_all(app, client, roster) -> list[str]:
    codes = []
    for hour in (8, 9, 10):
        response = client.post("/dat-lich/", data=booking_data(roster, hour=hour, phone=f"091200000{hour % 10}",
                                                              form_token=f"all-{hour}"))
        assert response.status_code == 303
        codes.append(response.headers["Location"].rsplit("/", 1)[1])
    return codes


def test_when_no_time_is_free_the_page_says_so_instead_of_the_form(app, client):
    roster = arrange_roster(app)
    set_ward_phone(app)
    book_all(app, client, roster)
    html = client.get("/dat-lich/").get_data(as_text=True)
    assert "Rất tiếc, hiện đã hết giờ trống" in html
    assert '<a href="tel:024 3825 1234" class="visit-phone">' in html
    assert 'href="/dat-lich/tra-cuu"' in html
    # No booking form: only the waiting list's, which asks for no address.
    assert 'name="address"' not in html and 'action="/dat-lich/"' not in html


def test_a_form_sent_when_the_last_time_has_gone_says_so_without_errors_about_it(app, client):
    roster = arrange_roster(app)
    book_all(app, client, roster)
    html = client.post("/dat-lich/", data=booking_data(roster, hour=8, phone="0987654321", form_token="late")).get_data(as_text=True)
    assert "Rất tiếc, hiện đã hết giờ trống" in html
    assert "error-summary" not in html
    assert len(visit_rows(app)) == 3


def test_the_leaders_form_says_so_too(app, client, login):
    roster = arrange_roster(app)
    book_all(app, client, roster)
    login("leader")
    html = client.get("/quan-tri/lich-hen/moi").get_data(as_text=True)
    assert "Rất tiếc, hiện đã hết giờ trống" in html and 'name="full_name"' not in html  # no waiting list for staff


def booked(client, roster, hour=8) -> str:
    response = client.post("/dat-lich/", data=booking_data(roster, hour=hour, form_token=f"own-{hour}"))
    return response.headers["Location"].rsplit("/", 1)[1]


def test_moving_never_offers_the_booked_time(app, client):
    roster = arrange_roster(app)
    code = booked(client, roster, hour=9)
    html = client.get(f"/dat-lich/tra-cuu/{code}/doi-gio").get_data(as_text=True)
    assert SLOT_RADIO.findall(html) == [slot_value(roster.day, 8), slot_value(roster.day, 10)]


def test_moving_to_the_booked_time_is_refused_not_reported_as_done(app, client):
    roster = arrange_roster(app)
    code = booked(client, roster, hour=9)
    response = client.post(f"/dat-lich/tra-cuu/{code}/doi-gio", data={"slot": slot_value(roster.day, 9)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Lịch hẹn của bác đã ở giờ này" in html
    assert "Đã đổi lịch hẹn" not in html
    assert "Có 1 lỗi cần sửa" in html


def test_cancelling_asks_first_and_says_what_will_happen(app, client):
    roster = arrange_roster(app)
    code = booked(client, roster)
    manage = client.get(f"/dat-lich/tra-cuu/{code}").get_data(as_text=True)
    # The booking page only links to the question; nothing there cancels.
    assert f'<a href="/dat-lich/tra-cuu/{code}/huy" role="button"' in manage
    assert f'action="/dat-lich/tra-cuu/{code}/huy"' not in manage
    html = client.get(f"/dat-lich/tra-cuu/{code}/huy").get_data(as_text=True)
    assert re.search(r"<h1>Hủy lịch hẹn [^<]*08:00–09:00\?</h1>", html)
    assert "Đội tình nguyện sẽ không đến Số 12, ngõ 4, đường Hòa Phong." in html
    assert f'action="/dat-lich/tra-cuu/{code}/huy"' in html
    assert f'<a href="/dat-lich/tra-cuu/{code}" role="button" class="secondary">Không, giữ lịch hẹn</a>' in html
    [visit] = visit_rows(app)
    assert visit.status == "requested"
    client.post(f"/dat-lich/tra-cuu/{code}/huy")
    [visit] = visit_rows(app)
    assert visit.status == "cancelled"


def test_erasing_asks_first_and_says_the_visit_is_cancelled_too(app, client):
    roster = arrange_roster(app)
    code = booked(client, roster)
    html = client.get(f"/dat-lich/tra-cuu/{code}/xoa").get_data(as_text=True)
    assert "Xóa dữ liệu của bác ngay?" in html
    assert "sẽ bị hủy: đội tình nguyện sẽ không đến" in html
    [visit] = visit_rows(app)
    assert visit.full_name == "Lê Thị Năm"
    assert client.post(f"/dat-lich/tra-cuu/{code}/xoa").status_code == 303
    [visit] = visit_rows(app)
    assert visit.full_name == "" and visit.status == "cancelled"


def test_a_visit_that_can_no_longer_change_is_not_asked_about(app, client):
    roster = arrange_roster(app)
    code = booked(client, roster)
    client.post(f"/dat-lich/tra-cuu/{code}/huy")
    response = client.get(f"/dat-lich/tra-cuu/{code}/huy")
    assert response.status_code == 303
