"""Freed seats offered to the waiting list: when a booking is cancelled, the
first resident in line whose days and times suit the seat is offered it; the
seat is held for them (nobody else can book it) until they take it with their
code, let it go, or the hold time passes, and then it goes to the next in line.
Under concurrency, 10 residents waiting and 3 seats freed at once give exactly
3 offers, to the first 3 in line, never a seat twice (SQLite, and PostgreSQL
with WARDSITE_TEST_DATABASE_URI)."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from tests.factories import TAKEN_TEXT, arrange_roster, booking_data, visit_rows
from wardsite.extensions import db
from wardsite.timeutil import to_local, utcnow


def waiting_data(roster, n: int = 0, **changes) -> dict:
    data = {"full_name": f"Người chờ {n}", "phone": f"09132223{n:02d}", "residential_group": str(roster.group_id),
            "consent": "y", "form_token": f"waiting-token-{n:04d}"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def fill_every_time(client, roster):
    for hour in (8, 9, 10):
        response = client.post("/dat-lich/", data=booking_data(roster, hour=hour, phone=f"091200000{hour % 10}",
                                                               form_token=f"full-{hour}"))
        assert response.status_code == 303


def offers(app):
    from wardsite.visits.models import WaitingOffer

    with app.app_context():
        rows = db.session.scalars(db.select(WaitingOffer).order_by(WaitingOffer.id)).all()
        return [(row.entry.full_name if row.entry else None, row.shift_id, to_local(row.slot_start).hour, row.status)
                for row in rows]


def cancel(app, hour: int) -> None:
    from wardsite.visits import services
    from wardsite.visits.models import Visit

    with app.app_context(), app.test_request_context():
        visit = next(v for v in db.session.scalars(db.select(Visit)) if v.active and to_local(v.slot_start).hour == hour)
        services.cancel_by_resident(visit)


def join(app, roster, n: int, **changes):
    resident = app.test_client()
    assert resident.post("/dat-lich/danh-sach-cho", data=waiting_data(roster, n, **changes)).status_code == 303
    return resident


def code_of(app, name: str) -> str:
    from wardsite.visits.models import WaitingEntry

    with app.app_context():
        return db.session.scalars(db.select(WaitingEntry.code).where(WaitingEntry.full_name == name)).one()


def test_a_cancelled_seat_is_offered_to_the_first_in_line_and_held_for_them(app, client):
    from wardsite.mail import OutboxMessage

    roster = arrange_roster(app)
    fill_every_time(client, roster)
    first, _second = join(app, roster, 1), join(app, roster, 2)
    assert offers(app) == []
    cancel(app, 9)
    assert offers(app) == [("Người chờ 1", roster.shift_id, 9, "offered")]
    # Held: a booker sees no free time and cannot take it.
    assert "Rất tiếc, hiện đã hết giờ trống" in client.get("/dat-lich/").get_data(as_text=True)
    response = client.post("/dat-lich/", data=booking_data(roster, hour=9, phone="0977000111", form_token="late-one"))
    assert response.status_code == 200 and TAKEN_TEXT in response.get_data(as_text=True)
    # The message, through the outbox, to the resident's number, with their code and the link.
    code = code_of(app, "Người chờ 1")
    with app.app_context():
        [message] = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.dedupe_key.like("visit-offer:%")))
        assert message.recipient == "0913222301"
        assert f"cho lịch hẹn {code}" in message.body and f"/dat-lich/cho/{code}" in message.body
        assert message.subject.startswith("Có chỗ trống 09:00 ngày")
        # a Zalo notice (SMS where the number has no Zalo), never an e-mail to a phone number
        assert (message.channel, message.kind) == ("zalo", "waitlist_offer")
    # The browser that joined sees the offer at once.
    page = first.get(f"/dat-lich/cho/{code}").get_data(as_text=True)
    assert "Có giờ trống cho bác" in page and "09:00–10:00" in page
    assert "Nhận giờ này" in page and "Không nhận" in page


def test_the_resident_takes_the_seat_with_code_and_phone_and_it_becomes_a_booking(app, client):
    roster = arrange_roster(app)
    fill_every_time(client, roster)
    join(app, roster, 1)
    cancel(app, 10)
    code = code_of(app, "Người chờ 1")
    # From the message's link on another phone: asked for the phone number first.
    other = app.test_client()
    response = other.get(f"/dat-lich/cho/{code}")
    assert response.status_code == 303 and response.headers["Location"] == f"/dat-lich/tra-cuu?ma={code}"
    assert f'value="{code}"' in other.get(response.headers["Location"]).get_data(as_text=True)
    response = other.post("/dat-lich/tra-cuu", data={"code": code, "phone": "0913 222 301"})
    assert response.headers["Location"] == f"/dat-lich/cho/{code}"
    # No address, no consent: said, nothing booked.
    page = other.post(f"/dat-lich/cho/{code}/nhan", data={}).get_data(as_text=True)
    assert "Có 2 lỗi cần sửa" in page and len([v for v in visit_rows(app) if v.active]) == 2
    response = other.post(f"/dat-lich/cho/{code}/nhan", data={"address": "Số 3, hẻm 5, đường Trần Phú", "consent": "y"})
    assert response.status_code == 303 and "/dat-lich/xac-nhan/" in response.headers["Location"]
    visit = [v for v in visit_rows(app) if v.active and to_local(v.slot_start).hour == 10][0]
    assert (visit.full_name, visit.phone, visit.address, visit.seat) == (
        "Người chờ 1", "0913222301", "Số 3, hẻm 5, đường Trần Phú", 1)
    # Off the list, offers and all.
    assert offers(app) == []
    with app.app_context():
        from wardsite.audit import AuditEntry

        assert db.session.scalar(db.select(AuditEntry.summary).where(
            AuditEntry.action == "visit.waiting_offer_accepted")) == visit.code


def test_declined_it_passes_to_the_next_who_suits_and_the_first_stays_on_the_list(app, client):
    roster = arrange_roster(app)
    fill_every_time(client, roster)
    day = roster.day.weekday()
    first = join(app, roster, 1)
    join(app, roster, 2, weekdays=str((day + 1) % 7))  # another day only: never offered this one
    join(app, roster, 3, day_parts="morning")
    cancel(app, 8)
    assert offers(app) == [("Người chờ 1", roster.shift_id, 8, "offered")]
    code = code_of(app, "Người chờ 1")
    response = first.post(f"/dat-lich/cho/{code}/khong-nhan")
    assert response.status_code == 303
    page = first.get(response.headers["Location"]).get_data(as_text=True)
    assert "bác vẫn có tên trong danh sách" in page and "Vị trí trong danh sách" in page
    assert [(name, status) for name, _s, _h, status in offers(app)] == [
        ("Người chờ 1", "declined"), ("Người chờ 3", "offered")]


def test_past_its_hold_time_it_passes_on_and_can_no_longer_be_taken(app, client, runner):
    from wardsite.visits.models import WaitingOffer

    app.config["VISIT_OFFER_HOLD_HOURS"] = 2
    roster = arrange_roster(app)
    fill_every_time(client, roster)
    first = join(app, roster, 1)
    join(app, roster, 2)
    cancel(app, 9)
    with app.app_context():
        offer = db.session.scalars(db.select(WaitingOffer)).one()
        assert timedelta(hours=1, minutes=59) < offer.expires_at - utcnow() <= timedelta(hours=2)
        offer.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    result = runner.invoke(args=["offers"])
    assert "1 offer(s) expired; 1 freed seat(s) offered" in result.output
    assert [(name, status) for name, _s, _h, status in offers(app)] == [
        ("Người chờ 1", "expired"), ("Người chờ 2", "offered")]
    code = code_of(app, "Người chờ 1")
    response = first.post(f"/dat-lich/cho/{code}/nhan", data={"address": "Số 1", "consent": "y"})
    assert response.status_code == 303 and response.headers["Location"] == f"/dat-lich/cho/{code}"
    assert "không còn được giữ cho bác" in first.get(response.headers["Location"]).get_data(as_text=True)


def test_an_expired_offer_is_passed_on_when_the_waiting_pages_are_read(app, client, login):
    from wardsite.visits.models import WaitingOffer

    roster = arrange_roster(app)
    fill_every_time(client, roster)
    join(app, roster, 1)
    join(app, roster, 2)
    cancel(app, 9)
    with app.app_context():
        db.session.scalars(db.select(WaitingOffer)).one().expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    login("leader")
    html = client.get("/quan-tri/lich-hen/danh-sach-cho").get_data(as_text=True)
    assert [(name, status) for name, _s, _h, status in offers(app)] == [
        ("Người chờ 1", "expired"), ("Người chờ 2", "offered")]
    # Leaders see who is offered what until when, and can book for anyone on the list.
    row = re.search(r"<tr>(?:(?!</tr>).)*Người chờ 2(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    assert "09:00–10:00" in row and "giữ đến" in row


def test_a_leader_books_for_someone_on_the_list_who_then_leaves_it(app, client, login):
    from wardsite.visits.models import WaitingEntry

    roster = arrange_roster(app)
    fill_every_time(client, roster)
    join(app, roster, 1)
    with app.app_context():
        entry_id = db.session.scalars(db.select(WaitingEntry.id)).one()
    cancel(app, 8)  # offered to them, held
    login("leader")
    cancel(app, 9)  # free for the leader to book
    page = client.get(f"/quan-tri/lich-hen/moi?danh-sach-cho={entry_id}").get_data(as_text=True)
    assert 'value="Người chờ 1"' in page and 'value="0913222301"' in page
    assert f'action="/quan-tri/lich-hen/moi?danh-sach-cho={entry_id}"' in page
    data = booking_data(roster, hour=9, full_name="Người chờ 1", phone="0913222301", form_token="leader-books-1")
    response = client.post(f"/quan-tri/lich-hen/moi?danh-sach-cho={entry_id}", data=data)
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalars(db.select(WaitingEntry)).all() == []
    assert offers(app) == []  # its offer went with it; the 08:00 seat is free again
    assert "08:00" in client.get("/dat-lich/").get_data(as_text=True)


def test_purge_deletes_offers_with_their_entries(app, client, runner):
    from wardsite.visits.models import WaitingEntry

    roster = arrange_roster(app)
    fill_every_time(client, roster)
    join(app, roster, 1)
    cancel(app, 8)
    with app.app_context():
        entry = db.session.scalars(db.select(WaitingEntry)).one()
        entry.created_at = utcnow() - timedelta(days=31)
        db.session.commit()
    assert len(offers(app)) == 1
    result = runner.invoke(args=["purge"])
    assert "1 old waiting-list entry(ies) deleted." in result.output
    assert offers(app) == []
    from wardsite.mail import OutboxMessage

    with app.app_context():  # the offer's message keeps no phone number
        recipients = db.session.scalars(db.select(OutboxMessage.recipient)
                                        .where(OutboxMessage.dedupe_key.like("visit-offer:%"))).all()
        assert len(recipients) == 1 and "0913222301" not in recipients[0]


def test_ten_waiting_and_three_seats_freed_at_once_give_three_offers_to_the_first_three(app, client):
    """Three residents cancel at the same moment (threads released by a
    barrier); each cancellation offers what is free. Every seat goes to one
    resident, every resident gets one seat, and they are the first in line."""
    roster = arrange_roster(app)
    fill_every_time(client, roster)
    for n in range(10):
        join(app, roster, n)
    barrier = threading.Barrier(3)
    errors: list = []

    def cancel_at_once(hour: int) -> None:
        from wardsite.visits import services
        from wardsite.visits.models import Visit

        try:
            with app.app_context(), app.test_request_context():
                visit = next(v for v in db.session.scalars(db.select(Visit))
                             if v.active and to_local(v.slot_start).hour == hour)
                barrier.wait()
                services.cancel_by_resident(visit)
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=cancel_at_once, args=(hour,)) for hour in (8, 9, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    made = offers(app)
    print(f"offers made: {len(made)}")
    assert len(made) == 3
    assert sorted(name for name, *_ in made) == ["Người chờ 0", "Người chờ 1", "Người chờ 2"]
    assert sorted(hour for _n, _s, hour, _st in made) == [8, 9, 10]  # never a seat twice
    assert all(status == "offered" for *_, status in made)
    # And nobody can book them meanwhile.
    assert "Rất tiếc, hiện đã hết giờ trống" in client.get("/dat-lich/").get_data(as_text=True)


def test_three_seats_freed_then_offered_by_six_runs_at_once_still_give_three_offers(app, client):
    """The harder race: the seats are free before anyone offers them, and six
    runs (cancellations, page reads, cron) offer at the same moment, each
    seeing the same three seats and the same ten residents."""
    from wardsite.visits import offers as offering
    from wardsite.visits.models import Visit

    roster = arrange_roster(app)
    fill_every_time(client, roster)
    for n in range(10):
        join(app, roster, n)
    with app.app_context():
        for visit in db.session.scalars(db.select(Visit)):
            visit.cancel(by_resident=True)  # freed without offering yet
        db.session.commit()
    barrier = threading.Barrier(6)
    made: list = []
    errors: list = []

    def offer_at_once() -> None:
        try:
            with app.app_context():
                barrier.wait()
                made.extend(offer.id for offer in offering.offer_free_seats())
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=offer_at_once) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    rows = offers(app)
    print(f"offers made by six runs at once: {len(made)} (rows: {len(rows)})")
    assert len(made) == len(rows) == 3
    assert sorted(name for name, *_ in rows) == ["Người chờ 0", "Người chờ 1", "Người chờ 2"]
    assert sorted(hour for _n, _s, hour, _st in rows) == [8, 9, 10]


def test_a_new_shift_is_offered_to_the_waiting_list_before_any_booker_sees_it(app, client, runner):
    from tests.factories import make_mobile_shift

    roster = arrange_roster(app)
    fill_every_time(client, roster)
    join(app, roster, 1)
    with app.app_context():
        make_mobile_shift(roster.day + timedelta(days=1), 14, 15, volunteers=[roster.volunteer_ids[0]])
    html = client.get("/dat-lich/").get_data(as_text=True)  # read: the waiting list first
    assert "Rất tiếc, hiện đã hết giờ trống" in html
    assert [(name, hour) for name, _s, hour, _st in offers(app)] == [("Người chờ 1", 14)]
    assert "0 offer(s) expired; 0 freed seat(s) offered" in runner.invoke(args=["offers"]).output


def test_an_offer_whose_shift_was_cancelled_since_cannot_be_taken(app, client):
    from wardsite.roster.models import Shift

    roster = arrange_roster(app)
    fill_every_time(client, roster)
    first = join(app, roster, 1)
    cancel(app, 9)
    with app.app_context():
        db.session.get(Shift, roster.shift_id).cancelled = True
        db.session.commit()
    code = code_of(app, "Người chờ 1")
    response = first.post(f"/dat-lich/cho/{code}/nhan", data={"address": "Số 1", "consent": "y"})
    assert response.headers["Location"] == f"/dat-lich/cho/{code}"
    assert [status for *_, status in offers(app)] == ["expired"]
    assert len([v for v in visit_rows(app) if v.full_name == "Người chờ 1"]) == 0
