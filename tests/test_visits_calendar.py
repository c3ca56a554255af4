"""A resident's booking in their phone's calendar: the confirmation and the
booking page offer an .ics with the time, the resident's own address, the code
and the warning about passwords and OTP codes; only the browser that holds the
booking gets it, and a cancelled visit has none."""

from __future__ import annotations

from icalendar import Calendar
from sqlalchemy import select

from tests.factories import arrange_roster, booking_data
from wardsite.extensions import db
from wardsite.visits.models import Visit


def book(client, roster) -> str:
    response = client.post("/dat-lich/", data=booking_data(roster, hour=9, form_token="ics"))
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[1]


def test_the_booking_comes_as_a_calendar_file_with_code_address_and_warning(app, client):
    roster = arrange_roster(app)
    data = booking_data(roster, hour=9, form_token="ics")
    code = book(client, roster)
    link = f'href="/dat-lich/tra-cuu/{code}/lich.ics"'
    assert link in client.get(f"/dat-lich/xac-nhan/{code}").get_data(as_text=True)
    assert link in client.get(f"/dat-lich/tra-cuu/{code}").get_data(as_text=True)
    response = client.get(f"/dat-lich/tra-cuu/{code}/lich.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "no-store" in response.headers["Cache-Control"]
    event = Calendar.from_ical(response.data).walk("VEVENT")[0]
    start = event.decoded("dtstart")
    assert (start.date(), start.hour, start.utcoffset().total_seconds()) == (roster.day, 9, 7 * 3600)
    assert str(event["location"]) == data["address"]
    description = str(event["description"])
    assert f"Mã lịch hẹn: {code}" in description
    assert "không bao giờ hỏi mật khẩu hay mã OTP" in description
    assert code in str(event["summary"]) and event.walk("VALARM")


def test_another_browser_gets_nothing_and_a_cancelled_visit_has_no_calendar_file(app, client):
    roster = arrange_roster(app)
    code = book(client, roster)
    other = app.test_client()
    assert other.get(f"/dat-lich/tra-cuu/{code}/lich.ics").status_code in (403, 404)
    assert client.post(f"/dat-lich/tra-cuu/{code}/huy").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Visit.status).where(Visit.code == code)) == "cancelled"
    assert client.get(f"/dat-lich/tra-cuu/{code}/lich.ics").status_code == 404
