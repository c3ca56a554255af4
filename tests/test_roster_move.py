"""The leader moves a volunteer from one seat to another in one step: the
solver's rules checked and shown first, a confirmation, the volunteer told
through the outbox, the move in the audit log."""

from __future__ import annotations

import re
from datetime import time, timedelta

from sqlalchemy import select

from wardsite.audit import AuditEntry
from wardsite.extensions import db
from wardsite.mail import OutboxMessage
from wardsite.roster.models import Assignment, ShiftExclusion
from tests.test_volunteers import MONDAY, html, make_shift, make_station, make_volunteer


def _confirm_key(page: str) -> str:
    return re.search(r'name="confirm" value="([0-9a-f]+)"', page).group(1)


def _seat(app, shift_id, name="Trần Thị Bình", **extra):
    with app.app_context():
        volunteer = make_volunteer(name, email="binh@example.vn", **extra)
        seat = Assignment(shift_id=shift_id, volunteer=volunteer, pinned=False)
        db.session.add(seat)
        db.session.commit()
        return seat.id


def _two_shifts(app, published=True, second_start=time(13), second_end=time(17)):
    with app.app_context():
        station = make_station()
        first = make_shift(MONDAY, start=time(7, 30), end=time(11, 30), kind="estation", station=station, seats=2, published=published)
        second = make_shift(MONDAY + timedelta(days=1), start=second_start, end=second_end, kind="estation", station=station,
                            seats=2, published=published)
        db.session.commit()
        return first.id, second.id


def test_leader_moves_a_volunteer_after_seeing_the_check_and_the_volunteer_is_told(app, client, login):
    login("leader")
    first, second = _two_shifts(app)
    seat = _seat(app, first)
    page = html(client.get(f"/quan-tri/lich-truc/phan-cong/{seat}/chuyen"))
    assert f'value="{second}"' in page
    page = html(client.get(f"/quan-tri/lich-truc/phan-cong/{seat}/chuyen?den={second}"))
    assert "không vi phạm quy tắc" in page or "giữ đúng mọi quy tắc" in page
    assert "hộp thư đi" in page
    with app.app_context():
        assert db.session.scalar(select(Assignment).where(Assignment.id == seat)).shift_id == first  # nothing saved yet
    response = client.post(f"/quan-tri/lich-truc/phan-cong/{seat}/chuyen", data={"den": second, "confirm": _confirm_key(page)})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/quan-tri/lich-truc/ca/{second}")
    with app.app_context():
        seats = list(db.session.scalars(select(Assignment)))
        assert [(a.shift_id, a.pinned) for a in seats] == [(second, True)]
        assert db.session.scalars(select(ShiftExclusion)).one().shift_id == first  # a fill will not put her back
        message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "binh@example.vn")).one()
        assert "chuyển" in message.body
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "roster.moved")).one()
        assert "Trần Thị Bình" in entry.summary


def test_a_move_that_breaks_the_rest_rule_is_shown_and_needs_the_confirmation_of_what_was_shown(app, client, login):
    login("leader")
    # The second shift starts right when the first ends, on the same day: no rest.
    with app.app_context():
        station = make_station()
        first = make_shift(MONDAY, start=time(7, 30), end=time(11, 30), kind="estation", station=station, seats=2).id
        other = make_shift(MONDAY, start=time(11, 30), end=time(17), kind="estation", station=station, seats=2).id
        evening = make_shift(MONDAY, start=time(17), end=time(21), kind="estation", station=station, seats=2).id
        db.session.commit()
    seat = _seat(app, first)
    with app.app_context():
        db.session.add(Assignment(shift_id=evening, volunteer_id=db.session.get(Assignment, seat).volunteer_id, pinned=True))
        db.session.commit()
    page = html(client.get(f"/quan-tri/lich-truc/phan-cong/{seat}/chuyen?den={other}"))
    assert "giờ giữa hai ca" in page  # the rest rule, in the leader's words
    response = client.post(f"/quan-tri/lich-truc/phan-cong/{seat}/chuyen", data={"den": other, "confirm": "stale"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Assignment, seat).shift_id == first
    client.post(f"/quan-tri/lich-truc/phan-cong/{seat}/chuyen", data={"den": other, "confirm": _confirm_key(page)})
    with app.app_context():
        assert {a.shift_id for a in db.session.scalars(select(Assignment))} == {other, evening}
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "roster.moved")).one()
        assert entry.summary.endswith("(despite warnings)")


def test_an_unpublished_move_sends_no_message_and_a_past_seat_cannot_move(app, client, login):
    login("leader")
    first, second = _two_shifts(app, published=False)
    seat = _seat(app, first)
    page = html(client.get(f"/quan-tri/lich-truc/phan-cong/{seat}/chuyen?den={second}"))
    client.post(f"/quan-tri/lich-truc/phan-cong/{seat}/chuyen", data={"den": second, "confirm": _confirm_key(page)})
    with app.app_context():
        assert db.session.scalars(select(Assignment)).one().shift_id == second
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 0
        past = make_shift(MONDAY - timedelta(weeks=2), kind="counter")
        old = Assignment(shift=past, volunteer=db.session.scalars(select(Assignment)).one().volunteer, attendance="present")
        db.session.add(old)
        db.session.commit()
        old_id = old.id
    response = client.post(f"/quan-tri/lich-truc/phan-cong/{old_id}/chuyen", data={"den": first, "confirm": "x"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Assignment, old_id).shift_id != first
