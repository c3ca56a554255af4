"""The leader's roster workflow as people live it: a published roster is a
promise (a re-fill fills only empty seats, past weeks are history), a hand
removal is remembered, a published week is re-planned only on request and
after seeing the changes, a cancelled shift hands its home visits on or tells
the residents, outcomes come after the visit, and attendance is marked by the
right people."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from wardsite.extensions import db
from wardsite.mail import OutboxMessage
from wardsite.roster import services
from wardsite.roster.models import Assignment, Shift
from wardsite.timeutil import from_local, local_today, to_local
from wardsite.visits.models import CONFIRMED, Visit
from wardsite.volunteers.models import DAY_PARTS, Volunteer

MONDAY = services.week_start(local_today()) + timedelta(weeks=1)  # next week: all in the future
SATURDAY = MONDAY + timedelta(days=5)
EVERY_CELL = [(day, part) for day in range(7) for part in DAY_PARTS]


def make_volunteer(name, *, experienced=True, cells=EVERY_CELL, limit=3, email="", user_id=None) -> Volunteer:
    volunteer = Volunteer(name=name, experienced=experienced, max_shifts_per_week=limit, email=email, user_id=user_id,
                          phone="0912345678", branch="Chi đoàn 1")
    volunteer.set_weekly_cells(cells)
    db.session.add(volunteer)
    db.session.flush()
    return volunteer


def make_shift(day: date, start=time(8), end=time(11), kind="counter", seats=1) -> Shift:
    shift = Shift(kind=kind, seats=seats, starts_at=from_local(datetime.combine(day, start)),
                  ends_at=from_local(datetime.combine(day, end)))
    db.session.add(shift)
    db.session.flush()
    return shift


def make_visit(shift: Shift, hour: int = 8, code="EZU72A", status=CONFIRMED) -> Visit:
    start = from_local(datetime.combine(shift.local_day, time(hour)))
    visit = Visit(code=code, shift_id=shift.id, slot_start=start, slot_end=start + timedelta(hours=1), status=status,
                  full_name="Lê Thị Năm", phone="0912345678", address="Số 12, ngõ 4")
    db.session.add(visit)
    db.session.flush()
    return visit


def team(shift_id: int) -> list[str]:
    shift = db.session.get(Shift, shift_id)
    return sorted(a.volunteer.name for a in shift.assignments)


def html(response) -> str:
    return response.get_data(as_text=True)


def week_page(client, week=MONDAY) -> str:
    return html(client.get(f"/quan-tri/lich-truc/?tuan={week.isoformat()}"))


def replan_page(client, week=MONDAY) -> str:
    """The leader presses "re-plan": the job runs (inline in tests) and its page shows the changes."""
    return html(client.post("/quan-tri/lich-truc/lap-lai", data={"tuan": week.isoformat()}, follow_redirects=True))


def confirm_url(page: str) -> str:
    return re.search(r'action="(/quan-tri/lich-truc/viec/\d+/xac-nhan)"', page).group(1)


# Published means promised ---------------------------------------------------------------


def arrange_saturday_team(app) -> dict:
    """Hà and Tuấn (one shift a week each) can take the Saturday mobile team's
    two seats; nobody else is there yet."""
    with app.app_context():
        ha = make_volunteer("Phạm Thu Hà", limit=1, email="ha@example.org")
        tuan = make_volunteer("Đặng Minh Tuấn", limit=1, email="tuan@example.org")
        saturday = make_shift(SATURDAY, kind="mobile", seats=2)
        db.session.commit()
        return {"ha": ha.id, "tuan": tuan.id, "saturday": saturday.id}


def test_the_leaders_week_a_refill_after_publishing_moves_no_published_seat(app, client, login):
    ids = arrange_saturday_team(app)
    login("leader")
    client.post("/quan-tri/lich-truc/xep", data={"tuan": MONDAY.isoformat()})
    client.post("/quan-tri/lich-truc/cong-bo", data={"tuan": MONDAY.isoformat()})
    with app.app_context():
        assert team(ids["saturday"]) == ["Phạm Thu Hà", "Đặng Minh Tuấn"]
        make_visit(db.session.get(Shift, ids["saturday"]))
        # Phúc joins, free only on Saturday mornings; the leader adds two shifts
        # that only Hà and Tuấn could take. A fill that re-solved everything would
        # fill a seat more by sending Phúc on Saturday and Tuấn to one of them.
        make_volunteer("Bùi Thị Phúc", experienced=False, limit=1, cells=[(5, "morning")])
        make_shift(MONDAY + timedelta(days=4))
        make_shift(MONDAY + timedelta(days=6))
        db.session.commit()
        messages_before = db.session.scalar(select(db.func.count()).select_from(OutboxMessage))
    response = client.post("/quan-tri/lich-truc/xep", data={"tuan": MONDAY.isoformat()}, follow_redirects=True)
    page = html(response)
    assert "Đã xếp lịch: 2 trên 4 chỗ; thêm 0, bỏ 0." in page
    with app.app_context():
        assert team(ids["saturday"]) == ["Phạm Thu Hà", "Đặng Minh Tuấn"]
        visit = db.session.scalar(select(Visit).where(Visit.code == "EZU72A"))
        assert sorted(v.name for v in visit.team) == ["Phạm Thu Hà", "Đặng Minh Tuấn"]
        # Nothing changed, so nobody is told anything.
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == messages_before


def test_a_refill_fills_the_empty_seats_of_a_published_shift_and_says_who_was_added(app, client, login):
    with app.app_context():
        make_volunteer("Phạm Thu Hà")
        shift = make_shift(SATURDAY, kind="mobile", seats=2)
        db.session.commit()
        shift_id = shift.id
    login("leader")
    client.post("/quan-tri/lich-truc/xep", data={"tuan": MONDAY.isoformat()})
    client.post("/quan-tri/lich-truc/cong-bo", data={"tuan": MONDAY.isoformat()})
    with app.app_context():
        make_volunteer("Đặng Minh Tuấn")
        db.session.commit()
    page = html(client.post("/quan-tri/lich-truc/xep", data={"tuan": MONDAY.isoformat()}, follow_redirects=True))
    assert "Đã xếp lịch: 2 trên 2 chỗ; thêm 1, bỏ 0." in page
    assert f"Đã thêm: Đặng Minh Tuấn (Tổ lưu động {SATURDAY:%d/%m/%Y} 08:00–11:00)." in page
    with app.app_context():
        assert team(shift_id) == ["Phạm Thu Hà", "Đặng Minh Tuấn"]


def test_an_unpublished_week_is_still_the_fills_to_rearrange_and_the_message_says_who_was_taken_off(app, client, login):
    with app.app_context():
        make_volunteer("Phạm Thu Hà", limit=1, cells=[(0, "morning"), (1, "morning")])
        monday_id = make_shift(MONDAY).id
        db.session.commit()
    login("leader")
    client.post("/quan-tri/lich-truc/xep", data={"tuan": MONDAY.isoformat()})
    with app.app_context():
        # Tuesday's shift only Hà can take; Monday's someone else can too.
        make_volunteer("Đặng Minh Tuấn", cells=[(0, "morning")])
        make_shift(MONDAY + timedelta(days=1))
        db.session.commit()
        assert team(monday_id) == ["Phạm Thu Hà"]
    page = html(client.post("/quan-tri/lich-truc/xep", data={"tuan": MONDAY.isoformat()}, follow_redirects=True))
    assert "Đã xếp lịch: 2 trên 2 chỗ; thêm 2, bỏ 1." in page
    assert f"Đã bỏ ra: Phạm Thu Hà (Tổ lưu động {MONDAY:%d/%m/%Y} 08:00–11:00)." in page  # a shift with no station


def test_past_weeks_are_history_a_fill_keeps_an_attended_seat_of_someone_who_left(app, client, login):
    last_week = MONDAY - timedelta(weeks=2)
    with app.app_context():
        gone = make_volunteer("Người đã nghỉ")
        make_volunteer("Người còn lại")
        past = make_shift(last_week, seats=2)
        db.session.add(Assignment(shift=past, volunteer=gone, attendance="present"))
        gone.active = False
        db.session.commit()
        past_id = past.id
    login("leader")
    page = html(client.post("/quan-tri/lich-truc/xep", data={"tuan": last_week.isoformat()}, follow_redirects=True))
    assert "thêm 0, bỏ 0." in page
    with app.app_context():
        assert team(past_id) == ["Người đã nghỉ"]  # kept, and nobody added afterwards
    hours = html(client.get(f"/quan-tri/lich-truc/gio-truc?thang={last_week:%Y-%m}&dang=csv"))
    assert "Người đã nghỉ" in hours


def test_a_shift_that_has_started_takes_nobody_new(app):
    with app.app_context():
        make_volunteer("Phạm Thu Hà")
        started = make_shift(MONDAY)
        later = make_shift(MONDAY + timedelta(days=1))
        # The fill runs on Monday at 09:00, during the first shift.
        report = services.fill_roster(MONDAY, MONDAY + timedelta(days=6), now=from_local(datetime.combine(MONDAY, time(9))))
        assert (report.added, team(started.id), team(later.id)) == (1, [], ["Phạm Thu Hà"])


# A hand removal is remembered ---------------------------------------------------------


def test_a_volunteer_the_leader_took_off_is_not_put_back_by_a_refill(app, client, login):
    with app.app_context():
        an = make_volunteer("Nguyễn Thị An")
        shift = make_shift(MONDAY)
        db.session.commit()
        shift_id, an_id = shift.id, an.id
    login("leader")
    client.post("/quan-tri/lich-truc/xep", data={"tuan": MONDAY.isoformat()})
    with app.app_context():
        assert team(shift_id) == ["Nguyễn Thị An"]
        assignment_id = db.session.scalar(select(Assignment.id).where(Assignment.shift_id == shift_id))
    # She said she cannot come.
    assert client.post(f"/quan-tri/lich-truc/phan-cong/{assignment_id}/xoa").status_code == 303
    page = html(client.post("/quan-tri/lich-truc/xep", data={"tuan": MONDAY.isoformat()}, follow_redirects=True))
    assert "Đã xếp lịch: 0 trên 1 chỗ; thêm 0, bỏ 0." in page
    assert "Đã bỏ ra khỏi ca bằng tay, nên khi xếp lịch tự động sẽ không xếp lại: Nguyễn Thị An." in week_page(client)
    with app.app_context():
        assert team(shift_id) == []
        assert services.empty_seats([db.session.get(Shift, shift_id)])[shift_id] == (1, "nobody_available")
    # Put back by hand (a warning first), she is the fill's again.
    response = client.post(f"/quan-tri/lich-truc/ca/{shift_id}", data={f"s{shift_id}-volunteer": str(an_id)})
    assert "Cán bộ Đoàn phường đã bỏ Nguyễn Thị An ra khỏi ca này." in html(response)
    response = client.post(f"/quan-tri/lich-truc/ca/{shift_id}", data={f"s{shift_id}-volunteer": str(an_id), f"s{shift_id}-confirm": "1"})
    assert response.status_code == 303
    assert "Đã bỏ ra khỏi ca bằng tay" not in week_page(client)


def test_a_volunteer_taken_off_a_shift_cannot_take_it_back_through_a_swap(app):
    with app.app_context():
        an = make_volunteer("Nguyễn Thị An")
        binh = make_volunteer("Trần Văn Bình")
        shift = make_shift(MONDAY, seats=1)
        db.session.add(Assignment(shift=shift, volunteer=an))
        db.session.flush()
        services.unassign(shift.assignments[0])
        seat = Assignment(shift=shift, volunteer=binh)
        db.session.add(seat)
        db.session.flush()
        offer = services.offer_swap(seat)
        assert services.take_swap(offer, an) == ["Cán bộ Đoàn phường đã bỏ Nguyễn Thị An ra khỏi ca này."]
        assert team(shift.id) == ["Trần Văn Bình"]


# An explicit re-plan of a published week ------------------------------------------------


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def arrange_published_week_with_a_visit(app, client) -> dict:
    """The leader's week: Hà and Tuấn on the published Saturday mobile team
    with the confirmed visit EZU72A; then Phúc joins and two shifts are added
    that only Hà and Tuấn could take."""
    ids = arrange_saturday_team(app)
    client.post("/quan-tri/lich-truc/xep", data={"tuan": MONDAY.isoformat()})
    client.post("/quan-tri/lich-truc/cong-bo", data={"tuan": MONDAY.isoformat()})
    with app.app_context():
        ids["visit"] = make_visit(db.session.get(Shift, ids["saturday"])).id
        ids["phuc"] = make_volunteer("Bùi Thị Phúc", experienced=False, limit=1, cells=[(5, "morning")]).id
        make_shift(MONDAY + timedelta(days=4))
        make_shift(MONDAY + timedelta(days=6))
        db.session.commit()
        db.session.execute(db.delete(OutboxMessage))  # the publishing messages
        db.session.commit()
    return ids


def test_a_replan_shows_its_changes_first_then_tells_the_volunteers_and_the_resident(app, client, login):
    login("leader")
    ids = arrange_published_week_with_a_visit(app, client)
    assert "Sắp xếp lại tuần đã công bố" in week_page(client)
    page = replan_page(client)
    # Phúc goes on Saturday and one of Hà and Tuấn to the new shift; the visit's team follows.
    assert "Bùi Thị Phúc" in page and "EZU72A" in page
    assert "Phạm Thu Hà, Đặng Minh Tuấn" in page  # the visit's team now
    with app.app_context():
        assert team(ids["saturday"]) == ["Phạm Thu Hà", "Đặng Minh Tuấn"]  # nothing saved by looking
        assert outbox() == []
    confirm = confirm_url(page)
    response = client.post(confirm)
    assert response.status_code == 303
    page = week_page(client)
    assert "Đã xếp lịch: 3 trên 4 chỗ; thêm 2, bỏ 1." in page
    # Hà or Tuấn, taken off the published team (Phúc has no e-mail; the new shifts are not published yet)
    assert "Đã gửi vào hộp thư tin nhắn cho 1 tình nguyện viên và 1 lịch hẹn tại nhà." in page
    with app.app_context():
        saturday = team(ids["saturday"])
        assert "Bùi Thị Phúc" in saturday and len(saturday) == 2
        moved = ({"Phạm Thu Hà", "Đặng Minh Tuấn"} - set(saturday)).pop()
        messages = outbox()
        by_recipient = {m.recipient: m for m in messages}
        mover = "ha@example.org" if moved == "Phạm Thu Hà" else "tuan@example.org"
        assert "không còn trong ca trực" in by_recipient[mover].subject or "không còn" in by_recipient[mover].body
        leader_messages = [m for m in messages if "EZU72A" in m.subject]
        assert leader_messages and "gọi điện" in leader_messages[0].body
        visit = db.session.get(Visit, ids["visit"])
        assert sorted(v.name for v in visit.team) == sorted(saturday)
        assert [n.kind for n in visit.notices] == ["team_changed"]


def test_the_resident_reads_the_team_change_on_the_lookup_page(app, client, login):
    login("leader")
    ids = arrange_published_week_with_a_visit(app, client)
    page = replan_page(client)
    confirm = confirm_url(page)
    client.post(confirm)
    resident = app.test_client()
    resident.post("/dat-lich/tra-cuu", data={"code": "EZU72A", "phone": "0912345678"})
    page = html(resident.get("/dat-lich/tra-cuu/EZU72A"))
    assert "Phường đã thay đổi đội hướng dẫn đến nhà bạn." in page
    assert "Phúc" in page  # the team coming, by first name
    assert ids["visit"]


def test_a_replan_confirmed_after_the_roster_changed_shows_the_changes_again(app, client, login):
    login("leader")
    ids = arrange_published_week_with_a_visit(app, client)
    page = replan_page(client)
    confirm = confirm_url(page)
    with app.app_context():  # meanwhile Phúc becomes unavailable
        db.session.get(Volunteer, ids["phuc"]).active = False
        db.session.commit()
    response = client.post(confirm)
    assert response.status_code == 409
    assert "Lịch trực hoặc lịch hẹn đã thay đổi" in html(response)
    with app.app_context():
        assert team(ids["saturday"]) == ["Phạm Thu Hà", "Đặng Minh Tuấn"]
        assert outbox() == []


def test_a_hand_change_to_a_published_seat_tells_the_volunteer_and_the_resident(app, client, login):
    login("leader")
    ids = arrange_published_week_with_a_visit(app, client)
    with app.app_context():
        assignment_id = db.session.scalar(select(Assignment.id).where(
            Assignment.shift_id == ids["saturday"], Assignment.volunteer_id == ids["tuan"]))
    client.post(f"/quan-tri/lich-truc/phan-cong/{assignment_id}/xoa")
    client.post(f"/quan-tri/lich-truc/ca/{ids['saturday']}", data={f"s{ids['saturday']}-volunteer": str(ids["phuc"])})
    with app.app_context():
        messages = outbox()
        tuan = [m for m in messages if m.recipient == "tuan@example.org"]
        assert len(tuan) == 1 and "Bạn không còn trong ca" in tuan[0].subject
        assert len([m for m in messages if "EZU72A" in m.subject]) == 2  # taken off, then put on: two changes
        visit = db.session.get(Visit, ids["visit"])
        assert [n.kind for n in visit.notices] == ["team_changed", "team_changed"]
        assert sorted(v.name for v in visit.team) == ["Bùi Thị Phúc", "Phạm Thu Hà"]


def test_a_team_the_leader_chose_for_a_visit_is_not_changed_by_the_roster(app, client, login):
    login("leader")
    ids = arrange_published_week_with_a_visit(app, client)
    with app.app_context():
        visit = db.session.get(Visit, ids["visit"])
        visit.chosen_team = [db.session.get(Volunteer, ids["ha"]), db.session.get(Volunteer, ids["tuan"])]
        db.session.commit()
    page = replan_page(client)
    assert "Không có lịch hẹn tại nhà nào đổi đội." in page


# Cancelling a shift with bookings --------------------------------------------------------


def arrange_two_saturday_teams(app) -> dict:
    """Two published Saturday mobile teams, 08:00–11:00. Team A has the visits
    at 08:00 and 09:00; team B is booked at 09:00 only."""
    with app.app_context():
        ha = make_volunteer("Phạm Thu Hà", email="ha@example.org")
        phuc = make_volunteer("Bùi Thị Phúc")
        first, second = make_shift(SATURDAY, kind="mobile"), make_shift(SATURDAY, kind="mobile")
        first.assignments = [Assignment(volunteer=ha)]
        second.assignments = [Assignment(volunteer=phuc)]
        first.published_at = second.published_at = from_local(datetime.combine(MONDAY, time()))
        db.session.flush()
        early = make_visit(first, 8, code="AAA222")
        late = make_visit(first, 9, code="BBB333")
        make_visit(second, 9, code="CCC444")
        db.session.commit()
        return {"first": first.id, "second": second.id, "early": early.id, "late": late.id}


def test_cancelling_a_shift_with_two_bookings_moves_one_and_cancels_the_other(app, client, login):
    ids = arrange_two_saturday_teams(app)
    login("leader")
    # No one-click cancel: the button leads to what would happen first.
    response = client.post(f"/quan-tri/lich-truc/ca/{ids['first']}/huy")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/ca/{ids['first']}/huy")
    page = html(client.get(f"/quan-tri/lich-truc/ca/{ids['first']}/huy"))
    assert "AAA222" in page and "chuyển sang đội của Bùi Thị Phúc" in page
    assert "BBB333" in page and "phường hủy lịch; người dân được mời đặt lại" in page
    assert "Phạm Thu Hà" in page  # told she need not come
    with app.app_context():
        assert not db.session.get(Shift, ids["first"]).cancelled
    key = re.search(r'name="confirm" value="([^"]+)"', page).group(1)
    response = client.post(f"/quan-tri/lich-truc/ca/{ids['first']}/huy", data={"confirm": key}, follow_redirects=True)
    assert "Lịch hẹn tại nhà: 1 lịch chuyển sang đội khác, 1 lịch bị hủy" in html(response)
    with app.app_context():
        assert db.session.get(Shift, ids["first"]).cancelled
        early, late = db.session.get(Visit, ids["early"]), db.session.get(Visit, ids["late"])
        assert (early.shift_id, early.status, [v.name for v in early.team]) == (ids["second"], CONFIRMED, ["Bùi Thị Phúc"])
        assert (late.status, late.seat, late.cancelled_by_resident) == ("cancelled", None, False)
        assert [n.kind for n in early.notices] == ["moved"] and [n.kind for n in late.notices] == ["cancelled_by_ward"]
        subjects = [m.subject for m in outbox()]
        assert any("BBB333: phường đã hủy" in subject for subject in subjects)
        assert any("AAA222: chuyển sang đội khác" in subject for subject in subjects)
        assert any(m.recipient == "ha@example.org" and "Ca trực đã hủy" in m.subject for m in outbox())
    resident = app.test_client()
    resident.post("/dat-lich/tra-cuu", data={"code": "BBB333", "phone": "0912345678"})
    page = html(resident.get("/dat-lich/tra-cuu/BBB333"))
    assert "Phường buộc phải hủy lịch hẹn của bạn" in page
    assert '<a href="/dat-lich/">Đặt lịch vào giờ khác</a>' in page
    resident.post("/dat-lich/tra-cuu", data={"code": "AAA222", "phone": "0912345678"})
    page = html(resident.get("/dat-lich/tra-cuu/AAA222"))
    assert "phường cử một đội khác đến đúng giờ đã hẹn" in page and "Phúc" in page


def test_a_cancel_confirmed_after_a_new_booking_shows_what_happens_again(app, client, login):
    ids = arrange_two_saturday_teams(app)
    login("leader")
    page = html(client.get(f"/quan-tri/lich-truc/ca/{ids['first']}/huy"))
    key = re.search(r'name="confirm" value="([^"]+)"', page).group(1)
    with app.app_context():
        make_visit(db.session.get(Shift, ids["first"]), 10, code="DDD555")
        db.session.commit()
    response = client.post(f"/quan-tri/lich-truc/ca/{ids['first']}/huy", data={"confirm": key}, follow_redirects=True)
    assert "Lịch hẹn đã thay đổi từ lúc bạn xem" in html(response) and "DDD555" in html(response)
    with app.app_context():
        assert not db.session.get(Shift, ids["first"]).cancelled


def test_a_cancelled_shift_is_restored_by_its_own_button(app, client, login):
    with app.app_context():
        shift_id = make_shift(MONDAY).id
        db.session.commit()
    login("leader")
    assert client.post(f"/quan-tri/lich-truc/ca/{shift_id}/huy").status_code == 303  # nothing at stake: at once
    client.post(f"/quan-tri/lich-truc/ca/{shift_id}/huy")  # sent twice: still cancelled
    with app.app_context():
        assert db.session.get(Shift, shift_id).cancelled
    assert "Khôi phục ca này" in html(client.get(f"/quan-tri/lich-truc/ca/{shift_id}"))
    client.post(f"/quan-tri/lich-truc/ca/{shift_id}/khoi-phuc")
    with app.app_context():
        assert not db.session.get(Shift, shift_id).cancelled


# Outcomes only once the visit has started ------------------------------------------------


def arrange_visit_two_days_ahead(app) -> int:
    with app.app_context():
        shift = make_shift(local_today() + timedelta(days=2), kind="mobile")
        shift.assignments = [Assignment(volunteer=make_volunteer("Phạm Thu Hà"))]
        shift.published_at = from_local(datetime.combine(local_today(), time()))
        visit_id = make_visit(shift).id
        db.session.commit()
        return visit_id


def test_no_outcome_and_no_nobody_at_home_before_the_slot(app, client, login):
    visit_id = arrange_visit_two_days_ahead(app)
    login("leader")
    page = html(client.get(f"/quan-tri/lich-hen/{visit_id}"))
    assert 'action="/quan-tri/lich-hen/%d/ket-qua"' % visit_id not in page
    assert "Chỉ ghi được kết quả, hoặc việc không có ai ở nhà, sau khi buổi hướng dẫn đã bắt đầu" in page
    response = client.post(f"/quan-tri/lich-hen/{visit_id}/ket-qua", data={"people_guided": "3", "dossiers_filed": "5"},
                           follow_redirects=True)
    assert "Lịch hẹn EZU72A chưa bắt đầu" in html(response)
    response = client.post(f"/quan-tri/lich-hen/{visit_id}/vang-nha", follow_redirects=True)
    assert "Lịch hẹn EZU72A chưa bắt đầu" in html(response)
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert (visit.status, visit.people_guided, visit.dossiers_filed) == (CONFIRMED, None, None)


def test_an_outcome_stored_before_the_slot_is_left_out_of_the_public_figures(app, client):
    from wardsite.visits import figures
    from wardsite.visits.models import DONE

    visit_id = arrange_visit_two_days_ahead(app)
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        visit.record_outcome(3, 5, "", "", [])  # as the old screens allowed
        db.session.commit()
        day = to_local(visit.slot_start).date()
        rows = figures.visit_figures(day - timedelta(days=1), day + timedelta(days=1))
        assert [row for row in rows if row[0] == DONE] == []


# Attendance: the leader or the team lead; a volunteer marks only their own arrival ------


def arrange_yesterdays_team(app, make_user) -> dict:
    lead_user, newcomer_user = make_user("volunteer"), make_user("volunteer")
    with app.app_context():
        lead = make_volunteer("Phạm Thu Hà", user_id=lead_user.id)
        newcomer = make_volunteer("Bùi Thị Phúc", experienced=False, user_id=newcomer_user.id)
        shift = make_shift(local_today() - timedelta(days=1), seats=2)
        shift.published_at = shift.starts_at
        # The newcomer was put on first: the lead is the experienced member, not the first seat.
        shift.assignments = [Assignment(volunteer=newcomer), Assignment(volunteer=lead)]
        db.session.commit()
        seats = {a.volunteer.name: a.id for a in shift.assignments}
    return {"lead": lead_user, "newcomer": newcomer_user, "lead_seat": seats["Phạm Thu Hà"], "newcomer_seat": seats["Bùi Thị Phúc"]}


def sign_in(client, user):
    client.post("/dang-nhap", data={"login": user.email, "password": user.password})


def attendance(app, seat_id):
    with app.app_context():
        return db.session.get(Assignment, seat_id).attendance


def test_a_volunteer_marks_only_their_own_arrival(app, client, make_user):
    team_ = arrange_yesterdays_team(app, make_user)
    sign_in(client, team_["newcomer"])
    page = html(client.get("/tinh-nguyen/"))
    assert "Tôi đã đến" in page and "Phạm Thu Hà (trưởng nhóm)" in page
    assert client.post(f"/tinh-nguyen/diem-danh/{team_['lead_seat']}", data={"status": "absent"}).status_code == 403
    assert client.post(f"/tinh-nguyen/diem-danh/{team_['newcomer_seat']}", data={"status": "absent"}).status_code == 403
    assert client.post(f"/tinh-nguyen/diem-danh/{team_['newcomer_seat']}", data={"status": "present"}).status_code == 303
    assert (attendance(app, team_["newcomer_seat"]), attendance(app, team_["lead_seat"])) == ("present", None)


def test_the_team_lead_marks_who_came(app, client, make_user):
    team_ = arrange_yesterdays_team(app, make_user)
    sign_in(client, team_["lead"])
    assert client.post(f"/tinh-nguyen/diem-danh/{team_['newcomer_seat']}", data={"status": "absent"}).status_code == 303
    assert client.post(f"/tinh-nguyen/diem-danh/{team_['lead_seat']}", data={"status": "present"}).status_code == 303
    assert (attendance(app, team_["newcomer_seat"]), attendance(app, team_["lead_seat"])) == ("absent", "present")


def test_nobody_but_the_leader_marks_arrival_for_a_shift_still_ahead(app, client, make_user, login):
    lead_user = make_user("volunteer")
    with app.app_context():
        shift = make_shift(MONDAY)
        shift.assignments = [Assignment(volunteer=make_volunteer("Phạm Thu Hà", user_id=lead_user.id))]
        db.session.commit()
        seat_id = shift.assignments[0].id
    sign_in(client, lead_user)
    assert client.post(f"/tinh-nguyen/diem-danh/{seat_id}", data={"status": "present"}).status_code == 403
    client.post("/dang-xuat")
    login("leader")
    assert client.post(f"/tinh-nguyen/diem-danh/{seat_id}", data={"status": "absent"}).status_code == 303
    assert attendance(app, seat_id) == "absent"


def test_fill_gives_nobody_more_days_in_a_row_than_the_setting_across_the_weeks_edge(app):
    """ROSTER_MAX_CONSECUTIVE_DAYS (6): a hand-made seat on the Sunday before
    counts, so Monday to Sunday gives five days, and a sixth by hand is flagged."""
    from tests.test_volunteers import MONDAY, make_shift, make_station, make_volunteer

    with app.app_context():
        assert app.config["ROSTER_MAX_CONSECUTIVE_DAYS"] == 6
        station = make_station()
        volunteer = make_volunteer("Người rảnh cả tuần", max_shifts_per_week=7)
        sunday = make_shift(MONDAY - timedelta(days=1), kind="counter", station=station)
        db.session.add(Assignment(shift=sunday, volunteer=volunteer, pinned=True))
        week = [make_shift(MONDAY + timedelta(days=d), kind="counter", station=station) for d in range(7)]
        services.fill_roster(MONDAY, MONDAY + timedelta(days=6))
        days = [d for d, s in enumerate(week) if s.assignments]
        assert len(days) == 6  # Sunday + five days is six in a row at most, then a day off, then Sunday
        run = 1  # the Sunday before
        for d in range(7):
            run = run + 1 if d in days else 0
            assert run <= 6, days
        free = next(s for s in week if not s.assignments)
        assert any("6" in p and "ngày liền" in p for p in services.conflicts(volunteer, free)), services.conflicts(volunteer, free)
