"""The ward calendar: public holidays and ward-wide closures that no weekly
shift generates through, mobile teams included, and the leader's page to
close or open days; a shift added by hand on a closed day stays."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from wardsite.extensions import db
from wardsite.roster import services
from wardsite.roster.models import Shift, ShiftTemplate
from wardsite.stations import holidays
from wardsite.stations import services as station_services
from wardsite.stations.models import Station
from wardsite.timeutil import local_today
from wardsite.volunteers.models import Volunteer
from tests.test_volunteers import html, make_station

# Tết Đinh Mùi: mùng 1 is Saturday 6 February 2027; the Monday of its week.
TET_2027 = date(2027, 2, 6)
TET_WEEK = TET_2027 - timedelta(days=TET_2027.weekday())


def _templates_every_day(station: Station) -> None:
    for day in range(7):
        db.session.add(ShiftTemplate(kind="estation", station=station, weekday=day, starts=time(7, 30), ends=time(11, 30), seats=2))
        db.session.add(ShiftTemplate(kind="mobile", station=None, weekday=day, starts=time(13), ends=time(17), seats=2))
    db.session.flush()


def test_usual_holidays_follow_the_labour_code_and_the_vietnamese_lunar_calendar(app):
    # Expected days from outside the code: the published dates of Tết and Giỗ Tổ
    # (Vietnamese lunar calendar; 2030's Tết falls a day before China's).
    with app.app_context():
        days_2027 = {day for day, _name in holidays.default_holidays(2027)}
        assert {date(2027, 1, 1), date(2027, 4, 30), date(2027, 5, 1), date(2027, 9, 2)} <= days_2027
        assert {date(2027, 2, 5) + timedelta(days=n) for n in range(5)} <= days_2027  # 5 days of Tết
        assert date(2027, 4, 16) in days_2027  # 10/3 âm lịch
        assert date(2027, 9, 3) in days_2027  # 2/9 is a Thursday: the Friday after
        assert len(days_2027) == 1 + 5 + 1 + 1 + 1 + 2 + 1
        assert holidays.LUNAR_DATES[2026] == (date(2026, 2, 17), date(2026, 4, 26))
        assert holidays.LUNAR_DATES[2030][0] == date(2030, 2, 2)
        assert all(year in holidays.LUNAR_DATES for year in range(2026, 2031))


def test_a_holiday_generates_no_shifts_mobile_teams_included(app):
    with app.app_context():
        _templates_every_day(make_station())
        created = services.generate_shifts(TET_WEEK, TET_WEEK + timedelta(days=6))
        days = {s.local_day for s in db.session.scalars(select(Shift))}
        # Thursday 4/2 is an ordinary day; 5/2 (the eve) to Sunday 7/2 are Tết.
        assert days == {TET_WEEK + timedelta(days=n) for n in range(4)}
        assert created == 4 * 2
        assert not any(s.local_day >= date(2027, 2, 5) for s in db.session.scalars(select(Shift)) if s.station_id is None)


def test_a_shift_added_by_hand_on_a_holiday_stays(app, client, login):
    login("leader")
    with app.app_context():
        _templates_every_day(make_station())
        db.session.commit()
    response = client.post("/quan-tri/lich-truc/ca-moi", data={
        "kind": "mobile", "station": "0", "day": TET_2027.isoformat(), "starts": "08:00", "ends": "11:00", "seats": "3",
        "note": "Chiến dịch Xuân tình nguyện",
    })
    assert response.status_code == 303
    assert "Lịch nghỉ của phường có ngày này (Tết Nguyên đán, mùng 1)" in html(client.get(response.headers["Location"]))
    with app.app_context():
        services.generate_shifts(TET_WEEK, TET_WEEK + timedelta(days=6))
        on_tet = [s for s in db.session.scalars(select(Shift)) if s.local_day == TET_2027]
        assert [(s.kind, s.note, s.seats) for s in on_tet] == [("mobile", "Chiến dịch Xuân tình nguyện", 3)]
    page = html(client.get(f"/quan-tri/lich-truc/?tuan={TET_WEEK.isoformat()}"))
    assert "Phường nghỉ (Tết Nguyên đán, mùng 1)" in page and "08:00–11:00" in page


def test_leader_closes_and_opens_days_on_the_calendar_page(app, client, login):
    login("leader")
    year = local_today().year + 1
    page = html(client.get(f"/quan-tri/diem-ho-tro/lich-nghi?nam={year}"))
    assert "Giỗ Tổ Hùng Vương" in page or year not in holidays.LUNAR_DATES
    assert "Quốc khánh" in page
    labour_day = date(year, 5, 1)
    response = client.post(f"/quan-tri/diem-ho-tro/lich-nghi/{labour_day.isoformat()}/mo")
    assert response.status_code == 303
    closure = date(year, 6, 15)
    response = client.post("/quan-tri/diem-ho-tro/lich-nghi/dong", data={
        "start_date": closure.isoformat(), "end_date": (closure + timedelta(days=1)).isoformat(), "reason": "Bầu cử",
    })
    assert response.status_code == 303
    with app.app_context():
        closed = station_services.ward_closed_days(date(year, 1, 1), date(year, 12, 31))
        assert labour_day not in closed
        assert closed[closure] == "Bầu cử" and closure + timedelta(days=1) in closed
        assert date(year, 1, 1) in closed
    page = html(client.get(f"/quan-tri/diem-ho-tro/lich-nghi?nam={year}"))
    assert "Bầu cử" in page
    # Opening the leader's own closure forgets it; closing the holiday again restores it.
    client.post(f"/quan-tri/diem-ho-tro/lich-nghi/{closure.isoformat()}/mo")
    client.post("/quan-tri/diem-ho-tro/lich-nghi/dong", data={"start_date": labour_day.isoformat(), "end_date": labour_day.isoformat()})
    with app.app_context():
        closed = station_services.ward_closed_days(date(year, 1, 1), date(year, 12, 31))
        assert closure not in closed and labour_day in closed
        assert closed[labour_day] == "Ngày Quốc tế Lao động"


def test_a_bad_closure_range_shows_the_form_again(app, client, login):
    login("leader")
    response = client.post("/quan-tri/diem-ho-tro/lich-nghi/dong", data={"start_date": "2027-03-02", "end_date": "2027-03-01"})
    assert response.status_code == 200
    assert "lich-nghi/dong" in html(response)


# Rules of the ward's settings, through the site -------------------------------------------


def test_a_weekly_shift_that_requires_a_skill_is_filled_only_with_those_who_have_it(app, client, login, ordinary_calendar):
    from tests.test_volunteers import MONDAY, make_volunteer

    login("leader")
    with app.app_context():
        counter = make_station("Một cửa", kind="counter")
        make_volunteer("Người biết VNeID", skills=["vneid"])
        make_volunteer("Người chưa biết")
        db.session.commit()
        counter_id = counter.id
    response = client.post("/quan-tri/lich-truc/mau-ca", data={
        "kind": "counter", "station": str(counter_id), "weekday": "0", "starts": "07:30", "ends": "11:30", "seats": "2",
        "required_skill": "vneid",
    })
    assert response.status_code == 303
    with app.app_context():
        services.generate_shifts(MONDAY, MONDAY)
        services.fill_roster(MONDAY, MONDAY)
        shift = db.session.scalars(select(Shift)).one()
        assert shift.required_skill == "vneid"
        assert [a.volunteer.name for a in shift.assignments] == ["Người biết VNeID"]
        unskilled = db.session.scalars(select(Volunteer).where(Volunteer.name == "Người chưa biết")).one()
        assert any("VNeID" in problem for problem in services.conflicts(unskilled, shift))


def test_fill_keeps_rest_between_shifts_and_the_daily_limit(app):
    """The issue's long day: 07:30–11:30, 11:30–17:00, 17:00–21:00 for one willing volunteer."""
    from tests.test_volunteers import MONDAY, make_shift, make_volunteer

    with app.app_context():
        station = make_station()
        make_volunteer("Người rảnh cả ngày", max_shifts_per_week=7)
        shifts = [make_shift(MONDAY, start=time(7, 30), end=time(11, 30), kind="estation", station=station),
                  make_shift(MONDAY, start=time(11, 30), end=time(17), kind="estation", station=station),
                  make_shift(MONDAY, start=time(17), end=time(21), kind="estation", station=station)]
        services.fill_roster(MONDAY, MONDAY)
        taken = [s.time_range for s in shifts if s.assignments]
        assert taken == ["07:30–11:30", "17:00–21:00"]  # an hour's rest by default, and 2 a day
        volunteer = shifts[0].assignments[0].volunteer
        assert any("nghỉ" in p for p in services.conflicts(volunteer, shifts[1]))


def test_the_public_page_says_the_ward_is_closed_today(app, client):
    with app.app_context():
        make_station()
        station_services.close_ward(local_today(), local_today(), "Bầu cử đại biểu Quốc hội")
        db.session.commit()
    page = html(client.get("/diem-ho-tro/"))
    assert "Phường nghỉ hôm nay: Bầu cử đại biểu Quốc hội." in page
    assert "Hôm nay không có điểm nào mở cửa." in page
