"""The waiting list: when no time is free the booking page offers "call me
back" (name, phone, residential group, times that suit, consent); leaders see
the list first come first and mark whom they called, which deletes the entry;
`purge` deletes old entries."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.factories import arrange_roster, booking_data
from wardsite.extensions import db
from wardsite.timeutil import utcnow


def entries(app):
    from wardsite.visits.models import WaitingEntry

    with app.app_context():
        return db.session.scalars(db.select(WaitingEntry).order_by(WaitingEntry.id)).all()


def fill_every_time(app, client, roster):
    for hour in (8, 9, 10):
        assert client.post("/dat-lich/", data=booking_data(roster, hour=hour, phone=f"091200000{hour % 10}",
                                                           form_token=f"full-{hour}")).status_code == 303


def waiting_data(roster, **changes) -> dict:
    data = {"full_name": "Đỗ Văn Tám", "phone": "0913 222 333", "residential_group": str(roster.group_id),
            "suitable_times": "Sáng thứ Bảy", "consent": "y", "form_token": "waiting-token-0001"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_full_booking_page_offers_the_waiting_list(app, client):
    roster = arrange_roster(app)
    fill_every_time(app, client, roster)
    html = client.get("/dat-lich/").get_data(as_text=True)
    assert "Được gọi lại khi có giờ trống" in html
    assert 'action="/dat-lich/danh-sach-cho"' in html
    consent = re.search(r'<input[^>]*name="consent"[^>]*>', html).group(0)
    assert "checked" not in consent
    assert "chậm nhất sau 30 ngày" in html


def test_a_resident_joins_once_and_the_leaders_are_told_without_personal_data(app, client, make_user):
    from wardsite.mail import OutboxMessage

    make_user("leader")
    roster = arrange_roster(app)
    fill_every_time(app, client, roster)
    response = client.post("/dat-lich/danh-sach-cho", data=waiting_data(roster))
    assert response.status_code == 303 and response.headers["Location"] == "/dat-lich/danh-sach-cho/da-ghi"
    assert "Bác đã có tên trong danh sách chờ" in client.get(response.headers["Location"]).get_data(as_text=True)
    # Sent again, or from another form with the same number: still one entry.
    client.post("/dat-lich/danh-sach-cho", data=waiting_data(roster))
    client.post("/dat-lich/danh-sach-cho", data=waiting_data(roster, form_token="another-token-0002", phone="0913222333"))
    [entry] = entries(app)
    assert (entry.full_name, entry.phone, entry.suitable_times) == ("Đỗ Văn Tám", "0913222333", "Sáng thứ Bảy")
    assert entry.consent_at is not None
    with app.app_context():
        bodies = [m.body for m in db.session.scalars(db.select(OutboxMessage)) if "danh-sach-cho" in m.body]
    assert len(bodies) == 1 and "0913222333" not in bodies[0] and "Tám" not in bodies[0]


def test_without_consent_nothing_is_kept_and_the_form_says_why(app, client):
    roster = arrange_roster(app)
    response = client.post("/dat-lich/danh-sach-cho", data=waiting_data(roster, consent=None))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Có 1 lỗi cần sửa" in html and 'href="#consent"' in html
    assert 'value="Đỗ Văn Tám"' in html
    assert entries(app) == []


def test_a_booking_that_found_no_time_carries_the_name_but_never_the_consent(app, client):
    roster = arrange_roster(app)
    fill_every_time(app, client, roster)
    html = client.post("/dat-lich/", data=booking_data(roster, full_name="Phan Thị Chín", phone="0977 111 222",
                                                          form_token="too-late")).get_data(as_text=True)
    assert 'value="Phan Thị Chín"' in html
    consent = re.search(r'<input[^>]*name="consent"[^>]*>', html).group(0)
    assert "checked" not in consent


def test_leaders_see_the_list_first_come_first_and_mark_whom_they_called(app, client, login):
    roster = arrange_roster(app)
    for n, name in enumerate(["Người thứ nhất", "Người thứ hai"]):
        client.post("/dat-lich/danh-sach-cho", data=waiting_data(roster, full_name=name, phone=f"091322233{n}",
                                                                 form_token=f"waiting-token-000{n}"))
    login("leader")
    html = client.get("/quan-tri/lich-hen/danh-sach-cho").get_data(as_text=True)
    assert html.index("Người thứ nhất") < html.index("Người thứ hai")
    assert 'href="tel:0913222330"' in html
    assert "Danh sách chờ: 2 người" in client.get("/quan-tri/lich-hen/").get_data(as_text=True)
    first = entries(app)[0]
    page = client.get(f"/quan-tri/lich-hen/danh-sach-cho/{first.id}/da-goi").get_data(as_text=True)
    assert "Đưa Người thứ nhất ra khỏi danh sách chờ?" in page
    assert len(entries(app)) == 2  # asking changes nothing
    assert client.post(f"/quan-tri/lich-hen/danh-sach-cho/{first.id}/da-goi").status_code == 303
    assert [entry.full_name for entry in entries(app)] == ["Người thứ hai"]
    with app.app_context():
        from wardsite.audit import AuditEntry

        [audit] = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "visit.waiting_called")).all()
        assert "Người thứ nhất" not in audit.summary and "0913" not in audit.summary


def test_purge_deletes_entries_past_their_days(app, client, runner):
    from wardsite.visits.models import WaitingEntry

    roster = arrange_roster(app)
    client.post("/dat-lich/danh-sach-cho", data=waiting_data(roster))
    client.post("/dat-lich/danh-sach-cho", data=waiting_data(roster, phone="0913000999", form_token="old-token-00001"))
    with app.app_context():
        old = db.session.scalars(db.select(WaitingEntry).where(WaitingEntry.phone == "0913000999")).one()
        old.created_at = utcnow() - timedelta(days=31)
        db.session.commit()
    result = runner.invoke(args=["purge"])
    assert "1 old waiting-list entry(ies) deleted." in result.output
    assert [entry.phone for entry in entries(app)] == ["0913222333"]
