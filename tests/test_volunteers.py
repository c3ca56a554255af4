"""Volunteer rosters through the site: stations, volunteers, availability,
shifts, filling, hand assignments, publishing, swaps, attendance, outputs and
the card check."""

from __future__ import annotations

import re

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from sqlalchemy import func, select

from wardsite.extensions import db
from wardsite.mail import OutboxMessage
from wardsite.roster import hard_rules, rostering, services
from wardsite.roster.models import Assignment, Shift, ShiftTemplate, SwapOffer
from wardsite.stations.models import Closure, OpeningHours, Station
from wardsite.timeutil import from_local, local_today
from wardsite.volunteers.models import DAY_PARTS, Volunteer

MONDAY = services.week_start(local_today()) + timedelta(weeks=1)  # next week: all in the future
EVERY_CELL = [(day, part) for day in range(7) for part in DAY_PARTS]


def make_volunteer(name="Nguyễn Văn An", experienced=True, cells=EVERY_CELL, user_id=None, email=None, **extra) -> Volunteer:
    volunteer = Volunteer(name=name, experienced=experienced, user_id=user_id, email=email or "", phone="0912345678", branch="Chi đoàn 1", **extra)
    volunteer.set_weekly_cells(cells)
    db.session.add(volunteer)
    db.session.flush()
    return volunteer


def make_station(name="Tổ dân phố điện tử số 1", kind="estation") -> Station:
    station = Station(name=name, kind=kind, address="Nhà văn hóa TDP 1")
    station.hours = [OpeningHours(weekday=d, opens=time(7, 30), closes=time(21)) for d in range(7)]
    db.session.add(station)
    db.session.flush()
    return station


def make_shift(day: date, start=time(8), end=time(11), kind="counter", station=None, seats=1, published=False) -> Shift:
    shift = Shift(
        kind=kind, station=station, seats=seats, starts_at=from_local(datetime.combine(day, start)),
        ends_at=from_local(datetime.combine(day, end)), published_at=from_local(datetime.combine(day, time())) if published else None,
    )
    db.session.add(shift)
    db.session.flush()
    return shift


def html(response) -> str:
    return response.get_data(as_text=True)


# Stations ------------------------------------------------------------------------


def test_public_page_shows_stations_open_today_and_service_days(app, client):
    with app.app_context():
        station = make_station("Tổ dân phố điện tử số 2")
        closed = make_station("Điểm đóng cửa")
        closed.closures.append(Closure(start_date=local_today(), end_date=local_today(), reason="Tết Nguyên đán"))
        db.session.commit()
    page = html(client.get("/diem-ho-tro/"))
    assert "Tổ dân phố điện tử số 2" in page
    assert "Tết Nguyên đán" in page
    assert "Ngày thứ Tư" in page or "Thứ Tư" in page


def test_leader_adds_a_station_with_hours_and_bad_hours_are_explained(app, client, login):
    login("leader")
    response = client.post("/quan-tri/diem-ho-tro/", data={"name": "Điểm mới", "kind": "estation", "residential_group": "0", "hours_5": "8h-11h"})
    assert response.status_code == 200
    assert "07:30-11:30" in html(response)  # the message shows the expected form
    assert 'value="8h-11h"' in html(response)
    response = client.post("/quan-tri/diem-ho-tro/", data={"name": "Điểm mới", "kind": "estation", "residential_group": "0", "hours_5": "08:00-11:00, 19:00-21:00", "active": "y"})
    assert response.status_code == 303
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.name == "Điểm mới"))
        assert [(h.weekday, h.opens, h.closes) for h in station.hours] == [(5, time(8), time(11)), (5, time(19), time(21))]


# Volunteers and availability ----------------------------------------------------------


def test_leader_creates_a_volunteer_and_bad_phone_is_explained(app, client, login):
    login("leader")
    response = client.post("/quan-tri/tinh-nguyen-vien/moi", data={"name": "Trần Văn Bình", "phone": "12345", "max_shifts_per_week": "2", "residential_group": "0", "account": "0"})
    assert response.status_code == 200
    assert "số điện thoại" in html(response).lower()
    assert 'value="12345"' in html(response)
    response = client.post(
        "/quan-tri/tinh-nguyen-vien/moi",
        data={"name": "Trần Văn Bình", "phone": "0912 345 678", "max_shifts_per_week": "2", "residential_group": "0", "account": "0", "skills": ["vneid"], "active": "y"},
    )
    assert response.status_code == 303
    assert "Trần Văn Bình" in html(client.get("/quan-tri/tinh-nguyen-vien/"))
    with app.app_context():
        volunteer = db.session.scalar(select(Volunteer))
        assert volunteer.phone == "0912345678" and volunteer.skills == ["vneid"] and len(volunteer.card_code) == 10


def test_volunteer_edits_own_availability_and_dates_away(app, client, login):
    person = login("volunteer")
    with app.app_context():
        make_volunteer(user_id=person.id, cells=[])
        db.session.commit()
    response = client.post("/tinh-nguyen/lich-ranh", data={"what": "weekly", "cells": ["5-morning", "6-evening"]})
    assert response.status_code == 303
    response = client.post("/tinh-nguyen/lich-ranh", data={"what": "away", "away-start_date": "2026-12-31", "away-end_date": "2026-12-01"})
    assert "không được trước" in html(response)
    response = client.post("/tinh-nguyen/lich-ranh", data={"what": "away", "away-start_date": "2027-01-01", "away-end_date": "2027-01-03", "away-note": "Về quê"})
    assert response.status_code == 303
    with app.app_context():
        volunteer = db.session.scalar(select(Volunteer))
        assert volunteer.weekly_cells == {(5, "morning"), (6, "evening")}
        assert volunteer.away_on(date(2027, 1, 2)) and not volunteer.away_on(date(2027, 1, 4))


def test_volunteer_says_which_days_they_would_rather_serve_or_avoid(app, client, login):
    person = login("volunteer")
    with app.app_context():
        make_volunteer(user_id=person.id, cells=[])
        db.session.commit()
    both = client.post("/tinh-nguyen/lich-ranh", data={"what": "weekly", "cells": ["5-morning"], "preferred_days": ["5"], "avoided_days": ["5"]})
    assert "vừa muốn trực vừa muốn tránh" in html(both)
    response = client.post("/tinh-nguyen/lich-ranh", data={"what": "weekly", "cells": ["5-morning", "6-evening"], "preferred_days": ["6"], "avoided_days": ["5"]})
    assert response.status_code == 303
    with app.app_context():
        volunteer = db.session.scalar(select(Volunteer))
        assert volunteer.preferred_days == {6} and volunteer.avoided_days == {5}
        assert volunteer.weekly_cells == {(5, "morning"), (6, "evening")}
    page = html(client.get("/tinh-nguyen/lich-ranh"))
    assert "Những ngày tôi muốn tránh" in page
    assert re.search(r'<input checked[^>]*name="avoided_days"[^>]*value="5"', page)
    assert not re.search(r'<input checked[^>]*name="avoided_days"[^>]*value="6"', page)


# Shifts and the roster ---------------------------------------------------------------


def test_generating_shifts_from_templates_skips_closures_and_is_idempotent(app, ordinary_calendar):
    with app.app_context():
        counter = make_station("Một cửa", kind="counter")
        counter.closures.append(Closure(start_date=MONDAY + timedelta(days=1), end_date=MONDAY + timedelta(days=1)))
        for day in range(5):
            db.session.add(ShiftTemplate(kind="counter", station=counter, weekday=day, starts=time(7, 30), ends=time(11, 30), seats=1))
        db.session.add(ShiftTemplate(kind="mobile", station=None, weekday=5, starts=time(8), ends=time(11), seats=2))
        db.session.flush()
        assert services.generate_shifts(MONDAY, MONDAY + timedelta(days=6)) == 5  # 4 counter days + Saturday's mobile team
        assert services.generate_shifts(MONDAY, MONDAY + timedelta(days=6)) == 0


def test_fill_button_fills_within_availability_and_a_rerun_changes_nothing(app, client, login):
    login("leader")
    with app.app_context():
        station = make_station()
        mornings = [(d, "morning") for d in range(7)]
        make_volunteer("Người buổi sáng", cells=mornings)
        make_volunteer("Người buổi tối", cells=[(d, "evening") for d in range(7)])
        make_shift(MONDAY, kind="estation", station=station, seats=1)
        make_shift(MONDAY, start=time(19), end=time(21), kind="estation", station=station, seats=1)
        make_shift(MONDAY + timedelta(days=1), start=time(13), end=time(15), seats=1)  # nobody is free in the afternoon
        db.session.commit()
    response = client.post("/quan-tri/lich-truc/xep", data={"tuan": MONDAY.isoformat()})
    assert response.status_code == 303  # to the fill job's page, which says what the fill did
    assert "Đã xếp lịch: 2 trên 3 chỗ" in html(client.get(response.headers["Location"]))
    page = html(client.get(f"/quan-tri/lich-truc/?tuan={MONDAY.isoformat()}"))
    assert "không ai rảnh" in page  # the empty afternoon seat says why
    with app.app_context():
        before = {(a.volunteer.name, a.shift.starts_at) for a in db.session.scalars(select(Assignment))}
        assert ("Người buổi tối", from_local(datetime.combine(MONDAY, time(19)))) in before
    client.post("/quan-tri/lich-truc/xep", data={"tuan": MONDAY.isoformat()})
    with app.app_context():
        assert {(a.volunteer.name, a.shift.starts_at) for a in db.session.scalars(select(Assignment))} == before


def test_roster_fill_command(app, runner):
    with app.app_context():
        make_volunteer()
        make_shift(MONDAY)
        db.session.commit()
    result = runner.invoke(args=["roster", "fill", "--from", MONDAY.isoformat(), "--to", (MONDAY + timedelta(days=6)).isoformat()])
    assert result.exit_code == 0, result.output
    assert "Filled 1 of 1 seats" in result.output
    bad = runner.invoke(args=["roster", "fill", "--from", "2026-13-01", "--to", "2026-12-01"])
    assert bad.exit_code != 0


def test_hand_assignment_warns_before_breaking_a_rule_and_is_pinned(app, client, login):
    login("leader")
    with app.app_context():
        station = make_station()
        evening_only = make_volunteer("Chỉ buổi tối", cells=[(d, "evening") for d in range(7)])
        shift = make_shift(MONDAY, kind="estation", station=station, seats=2)
        db.session.commit()
        volunteer_id, shift_id = evening_only.id, shift.id
    field = f"s{shift_id}-volunteer"
    response = client.post(f"/quan-tri/lich-truc/ca/{shift_id}", data={field: str(volunteer_id)})
    assert response.status_code == 200
    assert "Việc này sẽ phá một quy tắc" in html(response)
    assert "ngoài lịch rảnh" in html(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0
    response = client.post(f"/quan-tri/lich-truc/ca/{shift_id}", data={field: str(volunteer_id), f"s{shift_id}-confirm": "1"})
    assert response.status_code == 303
    client.post("/quan-tri/lich-truc/xep", data={"tuan": MONDAY.isoformat()})
    with app.app_context():
        assignment = db.session.scalar(select(Assignment))
        assert assignment.pinned and assignment.volunteer_id == volunteer_id


def test_htmx_assignment_returns_the_shift_card_only(app, client, login):
    login("leader")
    with app.app_context():
        volunteer = make_volunteer()
        shift = make_shift(MONDAY)
        db.session.commit()
        volunteer_id, shift_id = volunteer.id, shift.id
    response = client.post(
        f"/quan-tri/lich-truc/ca/{shift_id}", data={f"s{shift_id}-volunteer": str(volunteer_id)},
        headers={"HX-Request": "true", "HX-Target": f"shift-{shift_id}"},
    )
    assert response.status_code == 200
    body = html(response)
    assert body.lstrip().startswith(f'<article id="shift-{shift_id}"')
    assert "Nguyễn Văn An" in body
    assert "HX-Request" in response.headers["Vary"]


def test_publishing_notifies_and_reminders_are_sent_once(app, client, login, runner):
    login("leader")
    with app.app_context():
        volunteer = make_volunteer(email="an@example.org")
        shift = make_shift(local_today() + timedelta(days=1))
        db.session.add(Assignment(shift=shift, volunteer=volunteer))
        db.session.commit()
    week = services.week_start(local_today() + timedelta(days=1))
    client.post("/quan-tri/lich-truc/cong-bo", data={"tuan": week.isoformat()})
    with app.app_context():
        messages = list(db.session.scalars(select(OutboxMessage)))
        assert [m.recipient for m in messages] == ["an@example.org"]
        assert "ca trực" in messages[0].subject.lower()
    assert "1 reminders" in runner.invoke(args=["remind"]).output
    assert "0 reminders" in runner.invoke(args=["remind"]).output
    assert "Nhắc lịch" in html(client.get("/quan-tri/hop-thu"))


# Swaps ------------------------------------------------------------------------------


def test_a_volunteer_offers_a_shift_and_another_takes_it(app, client, login, make_user):
    owner = make_user("volunteer")
    taker = make_user("volunteer")
    with app.app_context():
        first = make_volunteer("Người nhường", user_id=owner.id)
        make_volunteer("Người nhận", user_id=taker.id)
        shift = make_shift(MONDAY, published=True)
        db.session.add(Assignment(shift=shift, volunteer=first))
        db.session.commit()
        assignment_id = db.session.scalar(select(Assignment.id))
    client.post("/dang-nhap", data={"login": owner.email, "password": owner.password})
    assert "Nhờ người khác trực thay ca này" in html(client.get("/tinh-nguyen/"))
    assert client.post(f"/tinh-nguyen/ca/{assignment_id}/doi").status_code == 303
    client.post("/dang-xuat")
    client.post("/dang-nhap", data={"login": taker.email, "password": taker.password})
    page = html(client.get("/tinh-nguyen/"))
    assert "Nhận ca này" in page
    offer_id = None
    with app.app_context():
        offer_id = db.session.scalar(select(SwapOffer.id))
    assert client.post(f"/tinh-nguyen/doi-ca/{offer_id}/nhan").status_code == 303
    with app.app_context():
        assignment = db.session.get(Assignment, assignment_id)
        assert assignment.volunteer.name == "Người nhận" and assignment.pinned
        assert db.session.get(SwapOffer, offer_id).status == "taken"


def test_a_swap_that_would_break_a_rule_is_refused(app):
    with app.test_request_context():
        veteran = make_volunteer("Có kinh nghiệm", experienced=True)
        newcomer = make_volunteer("Mới", experienced=False)
        other_new = make_volunteer("Mới nữa", experienced=False)
        mobile = make_shift(MONDAY, kind="mobile", seats=2)
        db.session.add_all([Assignment(shift=mobile, volunteer=veteran), Assignment(shift=mobile, volunteer=newcomer)])
        db.session.flush()
        offer = services.offer_swap(next(a for a in mobile.assignments if a.volunteer_id == veteran.id))
        problems = services.take_swap(offer, other_new)
        assert problems and "kinh nghiệm" in " ".join(problems)
        assert {a.volunteer_id for a in mobile.assignments} == {veteran.id, newcomer.id}


@st.composite
def swap_cases(draw):
    people = [
        (draw(st.booleans()), draw(st.sets(st.sampled_from(EVERY_CELL[:9]), max_size=9)), draw(st.integers(1, 2)), draw(st.booleans()))
        for _ in range(draw(st.integers(2, 4)))
    ]
    shifts = [(draw(st.integers(0, 2)), draw(st.sampled_from([(8, 10), (9, 11), (13, 15), (19, 21)])), draw(st.sampled_from(["counter", "mobile"])), draw(st.integers(1, 2))) for _ in range(draw(st.integers(1, 4)))]
    seats = draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=6))
    taker = draw(st.integers(0, 3))
    offered = draw(st.integers(0, 5))
    return people, shifts, seats, taker, offered


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(swap_cases())
def test_a_swap_never_breaks_a_hard_rule(app, case):
    """Whatever the roster, a taken swap leaves every hard rule as it was."""
    people, shift_rows, seats, taker_index, offered_index = case
    with app.test_request_context():
        try:
            volunteers = []
            for n, (experienced, cells, limit, away) in enumerate(people):
                v = make_volunteer(f"TNV {n}", experienced=experienced, cells=cells, max_shifts_per_week=limit)
                if away:
                    from wardsite.volunteers.models import DateAway

                    v.dates_away.append(DateAway(start_date=MONDAY + timedelta(days=1), end_date=MONDAY + timedelta(days=1)))
                volunteers.append(v)
            shifts = [make_shift(MONDAY + timedelta(days=d), start=time(a), end=time(b), kind=kind, seats=s) for d, (a, b), kind, s in shift_rows]
            for vi, si in seats:  # hand-made seats, which may already be imperfect
                if vi < len(volunteers) and si < len(shifts):
                    services.assign(volunteers[vi], shifts[si], force=True)
            db.session.flush()
            assignments = [a for s in shifts for a in s.assignments]
            if not assignments:
                return
            before = _broken_rules(shifts)
            offer = services.offer_swap(assignments[offered_index % len(assignments)])
            taker = volunteers[taker_index % len(volunteers)]
            if not services.take_swap(offer, taker):
                # What the swap touched (the taker, the offered shift) breaks
                # nothing that was not broken before.
                touched = (f"volunteer {taker.id} ", f"shift {offer.shift_id} ")
                new = {rule for rule in _broken_rules(shifts) - before if any(t in rule for t in touched)}
                assert new == set()
        finally:
            db.session.rollback()


def _broken_rules(shifts) -> set[str]:
    volunteers = list({a.volunteer.id: a.volunteer for s in shifts for a in s.assignments}.values())
    shift_specs, volunteer_specs = services._specs(shifts, volunteers)
    pairs = {(a.volunteer_id, s.id) for s in shifts for a in s.assignments}
    return set(hard_rules.check_hard_rules(shift_specs, volunteer_specs, pairs))


# Attendance and outputs -----------------------------------------------------------------


def test_attendance_by_the_team_and_hours_csv(app, client, login, make_user):
    member = make_user("volunteer")
    outsider = make_user("volunteer")
    with app.app_context():
        v = make_volunteer(user_id=member.id)
        make_volunteer("Người ngoài", user_id=outsider.id)
        day = local_today() - timedelta(days=1)
        shift = make_shift(day, start=time(8), end=time(11), published=True)
        db.session.add(Assignment(shift=shift, volunteer=v))
        db.session.commit()
        assignment_id = db.session.scalar(select(Assignment.id))
    client.post("/dang-nhap", data={"login": outsider.email, "password": outsider.password})
    assert client.post(f"/tinh-nguyen/diem-danh/{assignment_id}", data={"status": "present"}).status_code == 403
    client.post("/dang-xuat")
    client.post("/dang-nhap", data={"login": member.email, "password": member.password})
    assert "Các ca vừa qua: ai đã có mặt?" in html(client.get("/tinh-nguyen/"))
    assert client.post(f"/tinh-nguyen/diem-danh/{assignment_id}", data={"status": "present"}).status_code == 303
    assert "Nguyễn Văn An (trưởng nhóm): Có mặt" in html(client.get("/tinh-nguyen/"))  # alone on it, she leads
    client.post("/dang-xuat")
    login("leader")
    response = client.get(f"/quan-tri/lich-truc/gio-truc?thang={day:%Y-%m}&dang=csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "Nguyễn Văn An,Chi đoàn 1" in html(response) and ",1,3.0" in html(response)
    assert client.get("/quan-tri/lich-truc/gio-truc?thang=abc").status_code == 200


def test_calendar_feed_parses_and_shows_published_shifts(app, client, login):
    person = login("volunteer")
    with app.app_context():
        v = make_volunteer(user_id=person.id)
        station = make_station()
        published = make_shift(MONDAY, kind="estation", station=station, published=True)
        draft = make_shift(MONDAY + timedelta(days=1))
        db.session.add_all([Assignment(shift=published, volunteer=v), Assignment(shift=draft, volunteer=v)])
        db.session.commit()
        token = v.calendar_token
    response = client.get(f"/tinh-nguyen/lich/{token}.ics")
    assert response.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    start = events[0].decoded("dtstart")
    assert start.replace(tzinfo=None) == datetime.combine(MONDAY, time(8))
    assert str(start.tzinfo) == "Asia/Ho_Chi_Minh"
    assert any(c.name == "VTIMEZONE" for c in calendar.walk())
    client.post("/tinh-nguyen/lich/moi")
    assert client.get(f"/tinh-nguyen/lich/{token}.ics").status_code == 404


def test_card_check_page_reflects_deactivation_at_once(app, client, login):
    with app.app_context():
        v = make_volunteer()
        shift = make_shift(local_today(), start=time(0, 5), end=time(23, 50), published=True)
        db.session.add(Assignment(shift=shift, volunteer=v))
        db.session.commit()
        code, volunteer_id = v.card_code, v.id
    page = html(client.get(f"/xac-minh/{code}"))
    assert "là tình nguyện viên thật" in page
    assert "Đang trực hôm nay" in page
    assert "0912345678" not in page
    login("leader")
    client.post(f"/quan-tri/tinh-nguyen-vien/{volunteer_id}", data={"name": "Nguyễn Văn An", "max_shifts_per_week": "2", "residential_group": "0", "account": "0"})
    response = client.get(f"/xac-minh/{code}")
    assert "không còn là tình nguyện viên" in html(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/xac-minh/KHONGCO").status_code == 404
    card = html(client.get(f"/quan-tri/tinh-nguyen-vien/{volunteer_id}/the"))
    assert 'src="data:image/svg+xml;base64,' in card


def test_garbage_parameters_never_fail(client, login):
    login("leader")
    for url in ["/quan-tri/lich-truc/?tuan=abc", "/quan-tri/lich-truc/in?tuan=2026-02-31", "/quan-tri/lich-truc/gio-truc?thang=2026-13", "/quan-tri/lich-truc/ca-moi?ngay=x", "/xac-minh/" + "x" * 300]:
        assert client.get(url).status_code in (200, 404), url
    assert client.post("/quan-tri/lich-truc/xep", data={"tuan": "not-a-date"}).status_code == 303
    assert client.post("/quan-tri/lich-truc/tao", data={"gen-start_date": "x"}).status_code == 400


def test_staffed_shifts_for_home_visits(app):
    with app.app_context():
        veteran = make_volunteer("Có kinh nghiệm")
        newcomer = make_volunteer("Mới", experienced=False)
        team = make_shift(MONDAY + timedelta(days=5), kind="mobile", seats=2, published=True)
        make_shift(MONDAY + timedelta(days=5), start=time(13), end=time(15), kind="mobile", published=True)  # nobody on it
        make_shift(MONDAY + timedelta(days=6), kind="mobile", published=False)
        db.session.add_all([Assignment(shift=team, volunteer=veteran), Assignment(shift=team, volunteer=newcomer)])
        db.session.flush()
        staffed = services.staffed_shifts("mobile", MONDAY, MONDAY + timedelta(days=6))
        assert [s.shift.id for s in staffed] == [team.id]
        assert {v.name for v in staffed[0].volunteers} == {"Có kinh nghiệm", "Mới"}
        assert staffed[0].has_experienced


@pytest.mark.parametrize("url", ["/diem-ho-tro/", "/xac-minh/ABC"])
def test_public_pages_need_no_account(client, url):
    assert client.get(url).status_code in (200, 404)


def test_messages_go_out_over_smtp_when_a_server_is_configured(app, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("tls",))

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, message):
            sent.append(("send", message["To"], message["Subject"]))

    monkeypatch.setattr("wardsite.mail.smtplib.SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="mail.example.org", MAIL_USERNAME="ward", MAIL_PASSWORD="secret")
    with app.app_context():
        volunteer = make_volunteer(email="an@example.org")
        shift = make_shift(local_today() + timedelta(days=1), published=True)
        db.session.add(Assignment(shift=shift, volunteer=volunteer))
        db.session.commit()
        assert services.send_reminders() == 1
        assert services.send_reminders() == 0
        db.session.commit()
        message = db.session.scalar(select(OutboxMessage))
        assert message.sent_at is None and sent == []  # the worker sends it, not the request
        from wardsite.notify.worker import deliver_due

        assert deliver_due() == 1
        db.session.refresh(message)
        assert message.sent_at is not None and message.status == "sent"
    assert ("tls",) in sent and ("login", "ward") in sent
    assert [entry for entry in sent if entry[0] == "send"] == [("send", "an@example.org", message.subject)]


def test_dates_far_off_are_refused_politely(client, login):
    login("leader")
    assert client.get("/quan-tri/lich-truc/?tuan=0001-01-01").status_code == 200
    assert client.get("/quan-tri/lich-truc/in?tuan=9999-12-31").status_code == 200
    response = client.post("/quan-tri/lich-truc/tao", data={"gen-start_date": "0001-01-01", "gen-end_date": "0001-01-02"})
    assert response.status_code == 400
    assert "từ năm 2000 đến năm 2100" in html(response)


def test_a_resident_types_a_card_code(app, client):
    with app.app_context():
        code = make_volunteer().card_code
        db.session.commit()
    response = client.get("/xac-minh/", query_string={"ma": f" {code[:5]} {code[5:]} "})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/xac-minh/{code}")
    assert client.get("/xac-minh/").headers["Location"].endswith("/diem-ho-tro/#check-heading")
    assert 'name="ma"' in html(client.get("/diem-ho-tro/"))


def test_hours_limits_on_the_volunteers_form_are_kept_by_the_fill_and_by_hand(app, client, login):
    """8 hours a week on the form: the fill gives two 4-hour shifts of three,
    a third by hand is flagged; empty fields mean no limit."""
    login("leader")
    data = {"name": "Lê Thị Tám", "max_shifts_per_week": "5", "residential_group": "0", "account": "0", "active": "y"}
    response = client.post("/quan-tri/tinh-nguyen-vien/moi", data=data | {"max_hours_per_week": "8", "max_hours_per_month": "500"})
    assert response.status_code == 303
    response = client.post("/quan-tri/tinh-nguyen-vien/moi", data=data | {"name": "Sai Giờ", "max_hours_per_week": "900"})
    assert response.status_code == 200 and "168" in html(response)
    with app.app_context():
        volunteer = db.session.scalar(select(Volunteer))
        assert (volunteer.max_hours_per_week, volunteer.max_hours_per_month) == (8, 500)
        volunteer.set_weekly_cells(EVERY_CELL)
        station = make_station()
        shifts = [make_shift(MONDAY + timedelta(days=d), start=time(8), end=time(12), kind="counter", station=station) for d in range(3)]
        services.fill_roster(MONDAY, MONDAY + timedelta(days=6))
        assert sum(1 for s in shifts if s.assignments) == 2
        free = next(s for s in shifts if not s.assignments)
        assert any("8" in p and "giờ" in p for p in services.conflicts(volunteer, free)), services.conflicts(volunteer, free)
        volunteer_id = volunteer.id
        db.session.commit()
    page = html(client.get(f"/quan-tri/tinh-nguyen-vien/{volunteer_id}"))
    assert 'name="max_hours_per_week"' in page and 'value="8"' in page
    client.post(f"/quan-tri/tinh-nguyen-vien/{volunteer_id}", data=data | {"max_hours_per_week": "", "max_hours_per_month": ""})
    with app.app_context():
        assert db.session.get(Volunteer, volunteer_id).max_hours_per_week is None
