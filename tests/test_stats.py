"""The reports: every total and breakdown against figures worked out by hand on
a small fixed data set, an empty range, a range crossing the new year, the
exports, and the public statistics (which must show no personal data)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wardsite.accounts.models import User
from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db
from wardsite.procedures.models import Procedure, Sector
from wardsite.roster.models import Assignment, Shift
from wardsite.stations.models import Station
from wardsite.stats import reports, services
from wardsite.stats.models import GuidanceSession
from wardsite.timeutil import from_local, local_today
from wardsite.visits.models import Visit
from wardsite.volunteers.models import Volunteer


def local(text: str) -> datetime:
    """'2026-01-05 09:00' in the ward's time, as an aware UTC datetime."""
    return from_local(datetime.strptime(text, "%Y-%m-%d %H:%M"))


def build_figures() -> dict:
    """The fixed data set. Worked out by hand below, in each test."""
    group_1 = ResidentialGroup(name="Tổ dân phố 1", position=1)
    group_2 = ResidentialGroup(name="Tổ dân phố 2", position=2)
    counter = Station(name="Bộ phận một cửa", kind="counter", position=0)
    estation_1 = Station(name="Điểm TDP 1", kind="estation", residential_group=group_1, position=1)
    estation_2 = Station(name="Điểm TDP 2", kind="estation", residential_group=group_2, position=2)
    civil = Sector(name="Hộ tịch", slug="ho-tich")
    certification = Sector(name="Chứng thực", slug="chung-thuc")
    birth = Procedure(code="1.001193", name="Đăng ký khai sinh", sector=civil, published=True)
    death = Procedure(code="1.000656", name="Đăng ký khai tử", sector=civil, published=True)
    copies = Procedure(code="2.000815", name="Chứng thực bản sao từ bản chính", sector=certification, published=True)
    logger = User(email="tnv-bao-cao@example.org", name="Nguyễn Thị Ghi", phone="0912345678", password_hash="x")
    an = Volunteer(name="Trần Văn An", phone="0987000111")
    binh = Volunteer(name="Lê Thị Bình", phone="0987000222")
    db.session.add_all([group_1, group_2, counter, estation_1, estation_2, birth, death, copies, logger, an, binh])
    db.session.flush()

    def session(day, station, people, dossiers, procedures, note=""):
        db.session.add(GuidanceSession(
            station=station, logged_by=logger, logged_at=local(f"{day} 09:30"), people_guided=people,
            dossiers_filed=dossiers, procedures=procedures, note=note,
        ))

    session("2025-12-30", counter, 2, 1, [birth], note="Bà Tư ở số 5 ngõ 3")
    session("2025-12-31", estation_1, 1, 0, [birth, death])
    session("2026-01-02", estation_1, 3, 2, [copies])
    session("2026-01-15", estation_2, 1, 1, [])
    session("2026-02-10", counter, 4, 3, [birth, copies])

    def visit(moment, status, group, people=None, dossiers=None, rating=None, done=()):
        start = local(moment)
        db.session.add(Visit(
            slot_start=start, slot_end=start + timedelta(hours=1), status=status, residential_group=group,
            full_name="Nguyễn Văn Riêng", phone="0909123456", address="Số 7 đường Bí Mật",
            people_guided=people, dossiers_filed=dossiers, rating=rating, procedures_done=list(done),
        ))

    visit("2025-12-29 09:00", "done", group_2, 2, 1, rating=5, done=[birth])
    visit("2026-01-05 09:00", "done", group_1, 1, 1, rating=3, done=[death])
    visit("2026-01-06 09:00", "no_show", group_1)
    visit("2026-01-07 09:00", "cancelled", group_1)
    # Half past midnight on New Year's Day in the ward is still 31 December in UTC.
    visit("2026-01-01 00:30", "done", group_2, 1, 0)

    def shift(start, end, volunteer, attendance):
        row = Shift(kind="counter", station=counter, starts_at=local(start), ends_at=local(end), seats=2)
        row.assignments.append(Assignment(volunteer=volunteer, attendance=attendance))
        db.session.add(row)

    shift("2025-12-30 07:30", "2025-12-30 11:30", an, "present")  # 4 h
    shift("2026-01-03 08:00", "2026-01-03 11:00", an, "present")  # 3 h
    shift("2026-01-10 08:00", "2026-01-10 11:00", an, "absent")
    shift("2026-01-03 19:00", "2026-01-03 21:00", binh, "present")  # 2 h
    db.session.commit()
    return {"counter": counter.id, "estation_1": estation_1.id, "group_1": group_1.id}


@pytest.fixture
def figures(app):
    with app.app_context():
        return build_figures()


def report_for(app, start: date, end: date) -> reports.Report:
    with app.test_request_context():
        report = reports.build_report(start, end)
        # Labels such as "Mobile teams" are read in the default language, Vietnamese.
        for breakdown in report.breakdowns:
            breakdown.rows = [tuple(v if isinstance(v, (int, float)) else str(v) for v in row) for row in breakdown.rows]
        return report


def rows(report, key):
    return report.breakdown(key).rows


def test_december_totals_and_breakdowns(app, figures):
    report = report_for(app, date(2025, 12, 1), date(2025, 12, 31))
    t = report.totals
    # Sessions on 30 and 31 Dec (2+1 people, 1+0 dossiers) and the visit of 29 Dec (2, 1);
    # the visit at 00:30 on 1 Jan belongs to January.
    assert (t.sessions, t.people_guided, t.dossiers_filed) == (2, 3, 1)
    assert (t.visits_done, t.visit_people_guided, t.visit_dossiers_filed, t.visits_no_show) == (1, 2, 1, 0)
    assert (t.all_people_guided, t.all_dossiers_filed) == (5, 2)
    assert (t.ratings, t.satisfaction) == (1, 5.0)
    assert (t.volunteer_hours, t.shifts_attended) == (4.0, 1)
    assert rows(report, "diem-ho-tro") == [
        ("Bộ phận một cửa", 2, 1, 1),
        ("Điểm TDP 1", 1, 0, 1),
        ("Hướng dẫn lưu động (đến tận nhà)", 2, 1, 1),
    ]
    assert rows(report, "to-dan-pho") == [
        ("Tổ dân phố 1", 1, 0, 1, 0),
        ("Tổ dân phố 2", 2, 1, 0, 1),
        ("Trụ sở phường (không thuộc tổ dân phố)", 2, 1, 1, 0),
    ]
    assert rows(report, "thu-tuc") == [
        ("Đăng ký khai sinh", "Hộ tịch", 3, 5, 2),
        ("Đăng ký khai tử", "Hộ tịch", 1, 1, 0),
    ]
    # The session of 31 Dec dealt with two civil-status procedures: it counts for each, as in the table by procedure.
    assert rows(report, "linh-vuc") == [("Hộ tịch", 4, 6, 2)]
    assert rows(report, "thang") == [("12/2025", 5, 2, 2, 1)]
    assert rows(report, "gio-tinh-nguyen") == [("Trần Văn An", 4.0, 1)]


def test_a_range_crossing_the_new_year(app, figures):
    report = report_for(app, date(2025, 12, 15), date(2026, 1, 15))
    t = report.totals
    assert (t.sessions, t.people_guided, t.dossiers_filed) == (4, 7, 4)
    assert (t.visits_done, t.visit_people_guided, t.visit_dossiers_filed) == (3, 4, 2)
    assert (t.all_people_guided, t.all_dossiers_filed) == (11, 6)
    assert t.visits_no_show == 1  # the cancelled visit is neither done nor a no-show
    assert (t.ratings, t.satisfaction) == (2, 4.0)
    # An 4 h + 3 h present (the absent shift does not count), Bình 2 h.
    assert (t.volunteer_hours, t.shifts_attended) == (9.0, 3)
    assert rows(report, "diem-ho-tro") == [
        ("Điểm TDP 1", 4, 2, 2),
        ("Bộ phận một cửa", 2, 1, 1),
        ("Điểm TDP 2", 1, 1, 1),
        ("Hướng dẫn lưu động (đến tận nhà)", 4, 2, 3),
    ]
    assert rows(report, "to-dan-pho") == [
        ("Tổ dân phố 1", 5, 3, 2, 1),
        ("Tổ dân phố 2", 4, 2, 1, 2),
        ("Trụ sở phường (không thuộc tổ dân phố)", 2, 1, 1, 0),
    ]
    assert rows(report, "thu-tuc") == [
        ("Đăng ký khai sinh", "Hộ tịch", 3, 5, 2),
        ("Đăng ký khai tử", "Hộ tịch", 2, 2, 1),
        ("Chứng thực bản sao từ bản chính", "Chứng thực", 1, 3, 2),
    ]
    assert rows(report, "linh-vuc") == [("Hộ tịch", 5, 7, 3), ("Chứng thực", 1, 3, 2)]
    assert rows(report, "thang") == [("12/2025", 5, 2, 2, 1), ("01/2026", 6, 4, 2, 2)]
    assert rows(report, "gio-tinh-nguyen") == [("Trần Văn An", 7.0, 2), ("Lê Thị Bình", 2.0, 1)]
    # Every station's and every group's rows add up to the totals.
    assert sum(row[1] for row in rows(report, "diem-ho-tro")) == t.all_people_guided
    assert sum(row[2] for row in rows(report, "to-dan-pho")) == t.all_dossiers_filed


def test_an_empty_range(app, figures):
    report = report_for(app, date(2024, 3, 1), date(2024, 4, 30))
    t = report.totals
    assert (t.sessions, t.all_people_guided, t.all_dossiers_filed, t.visits_done, t.visits_no_show) == (0, 0, 0, 0, 0)
    assert (t.ratings, t.satisfaction, t.volunteer_hours) == (0, None, 0.0)
    for key in ("diem-ho-tro", "to-dan-pho", "thu-tuc", "linh-vuc", "gio-tinh-nguyen"):
        assert rows(report, key) == []
    assert rows(report, "thang") == [("03/2024", 0, 0, 0, 0), ("04/2024", 0, 0, 0, 0)]


def test_the_report_page_shows_the_figures_and_tables(client, login, figures):
    login("leader")
    page = client.get("/quan-tri/bao-cao/?tu=15/12/2025&den=2026-01-15").get_data(as_text=True)
    assert "Từ 15/12/2025 đến 15/01/2026" in page
    assert "<dd>11</dd>" in page and "<dd>6</dd>" in page  # people guided, dossiers filed online
    assert '<th scope="row">Điểm TDP 1</th>' in page
    assert "<svg" in page and "<table" in page
    assert 'value="15/12/2025"' in page and 'value="15/01/2026"' in page


def test_the_report_defaults_to_this_month(client, login, figures):
    login("leader")
    page = client.get("/quan-tri/bao-cao/").get_data(as_text=True)
    first, last = services.month_range(local_today())
    assert f"Từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}" in page


@pytest.mark.parametrize(
    "query, message",
    [
        ("tu=31/02/2026", "Vui lòng nhập ngày theo dạng dd/mm/yyyy"),
        ("tu=hôm qua&den=01/01/2026", "Vui lòng nhập ngày theo dạng dd/mm/yyyy"),
        ("tu=10/01/2026&den=01/01/2026", "Ngày kết thúc phải bằng hoặc sau ngày bắt đầu"),
        ("tu=01/01/2000&den=01/01/2026", "tối đa mười năm"),
        ("tu=31/12/9999", "Vui lòng nhập ngày theo dạng dd/mm/yyyy"),
    ],
)
def test_bad_dates_are_explained_next_to_the_field(client, login, query, message):
    login("leader")
    response = client.get(f"/quan-tri/bao-cao/?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page
    typed = query.split("&")[0].split("=")[1]
    assert f'value="{typed}"' in page


def test_garbage_on_an_export_is_not_found(client, login):
    login("leader")
    assert client.get("/quan-tri/bao-cao/thang.csv?tu=x").status_code == 404
    assert client.get("/quan-tri/bao-cao/khong-co.csv").status_code == 404
    assert client.get("/quan-tri/bao-cao/bao-cao.xlsx?den=99/99/9999").status_code == 404


def test_csv_export_of_one_breakdown(client, login, figures):
    login("leader")
    response = client.get("/quan-tri/bao-cao/to-dan-pho.csv?tu=15/12/2025&den=15/01/2026")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert table == [
        ["Tổ dân phố", "Lượt người được hướng dẫn", "Hồ sơ trực tuyến đã nộp", "Lượt hướng dẫn tại điểm", "Lượt hướng dẫn tại nhà"],
        ["Tổ dân phố 1", "5", "3", "2", "1"],
        ["Tổ dân phố 2", "4", "2", "1", "2"],
        ["Trụ sở phường (không thuộc tổ dân phố)", "2", "1", "1", "0"],
    ]


def test_csv_headers_stay_vietnamese_in_english(client, login, figures):
    login("leader")
    client.set_cookie("lang", "en")
    text = client.get("/quan-tri/bao-cao/thang.csv?tu=01/12/2025&den=31/12/2025").get_data(as_text=True)
    assert text.lstrip("\ufeff").splitlines()[0].startswith("Tháng,Lượt người được hướng dẫn")


def test_excel_workbook_has_a_sheet_per_breakdown(client, login, figures):
    login("leader")
    response = client.get("/quan-tri/bao-cao/bao-cao.xlsx?tu=15/12/2025&den=15/01/2026")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames == [
        "Tổng hợp", "Theo điểm hỗ trợ", "Theo tổ dân phố", "Theo thủ tục", "Theo lĩnh vực", "Theo tháng", "Giờ tình nguyện",
    ]
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(values_only=True) if len(row) > 1}
    assert summary["Lượt người được hướng dẫn"] == 11
    assert summary["Hồ sơ trực tuyến đã nộp"] == 6
    assert summary["Mức hài lòng trung bình (1–5)"] == 4.0
    assert summary["Giờ tình nguyện (theo điểm danh)"] == 9.0
    months = list(book["Theo tháng"].iter_rows(values_only=True))
    assert months == [
        ("Tháng", "Lượt người được hướng dẫn", "Hồ sơ trực tuyến đã nộp", "Lượt hướng dẫn tại điểm", "Lượt hướng dẫn tại nhà"),
        ("12/2025", 5, 2, 2, 1),
        ("01/2026", 6, 4, 2, 2),
    ]
    sectors = list(book["Theo lĩnh vực"].iter_rows(values_only=True))
    assert sectors[1:] == [("Hộ tịch", 5, 7, 3), ("Chứng thực", 1, 3, 2)]
    hours = list(book["Giờ tình nguyện"].iter_rows(values_only=True))
    assert hours[1:] == [("Trần Văn An", 7, 2), ("Lê Thị Bình", 2, 1)]
    book.close()


def test_editors_and_volunteers_cannot_read_reports(client, login):
    login("editor")
    assert client.get("/quan-tri/bao-cao/").status_code == 403


# Public statistics ------------------------------------------------------------------


def _seed_this_year(app):
    """A session and a rated visit today, with personal details that must not leak."""
    with app.app_context():
        group = ResidentialGroup(name="Tổ dân phố 7", position=7)
        station = Station(name="Điểm TDP 7", kind="estation", residential_group=group)
        db.session.add_all([group, station])
        db.session.add(GuidanceSession(station=station, people_guided=3, dossiers_filed=2, note="Ông Sáu, số 9 hẻm 12"))
        today_morning = from_local(datetime.combine(local_today(), datetime.min.time()))
        db.session.add(Visit(
            slot_start=today_morning, slot_end=today_morning + timedelta(hours=1), status="done",
            residential_group=group, full_name="Phạm Thị Kín", phone="0911222333", address="Số 3 đường Riêng Tư",
            people_guided=2, dossiers_filed=1, rating=4, rating_comment="Cháu Hùng rất nhiệt tình",
            help_needed="Nhờ làm giấy tờ nhà riêng",
        ))
        db.session.commit()


def test_public_figures_for_this_month_and_year(client, app):
    _seed_this_year(app)
    page = client.get("/thong-ke/").get_data(as_text=True)
    assert page.count("<dd>5</dd>") == 2  # people guided, this month and this year
    assert page.count("<dd>3</dd>") == 2  # dossiers filed online
    assert "4 trên 5" in page
    assert '<th scope="row">Tổ dân phố 7</th>' in page


def test_public_figures_show_no_personal_data(client, app):
    _seed_this_year(app)
    for url in ("/thong-ke/", "/"):
        page = client.get(url).get_data(as_text=True)
        for secret in ("Phạm Thị Kín", "0911222333", "Riêng Tư", "Cháu Hùng", "giấy tờ nhà riêng", "Ông Sáu", "hẻm 12"):
            assert secret not in page, (url, secret)


def test_home_page_shows_this_years_figures(client, app):
    _seed_this_year(app)
    page = client.get("/").get_data(as_text=True)
    assert "5 lượt người được hướng dẫn" in page
    assert 'href="/thong-ke/"' in page


def test_public_figures_on_an_empty_site(client):
    page = client.get("/thong-ke/").get_data(as_text=True)
    assert "chưa có đánh giá" in page.lower()


# Dashboard ---------------------------------------------------------------------------


def test_dashboard_shows_todays_shifts_visits_and_empty_seats(client, app, login):
    login("leader")
    with app.app_context():
        station = Station(name="Bộ phận một cửa", kind="counter")
        volunteer = Volunteer(name="Đỗ Minh Trực")
        today = local_today()
        start = from_local(datetime.combine(today, datetime.min.time())) + timedelta(hours=9)
        busy = Shift(kind="counter", station=station, starts_at=start, ends_at=start + timedelta(hours=2), seats=3)
        busy.assignments.append(Assignment(volunteer=volunteer))
        visit = Visit(slot_start=start, slot_end=start + timedelta(hours=1), status="confirmed", full_name="Bà Ba",
                      phone="0911000111")
        db.session.add_all([station, volunteer, busy, visit])
        db.session.commit()
        code, shift_id, visit_id = visit.code, busy.id, visit.id
    page = client.get("/quan-tri/").get_data(as_text=True)
    assert "Đỗ Minh Trực" in page
    assert "09:00–11:00" in page
    assert code in page
    assert "0911000111" not in page
    # Each line leads to where it is handled.
    assert f'href="/quan-tri/lich-truc/ca/{shift_id}"' in page
    assert f'href="/quan-tri/lich-hen/{visit_id}"' in page
    assert "Còn 2 chỗ trống" in page


def test_dashboard_leaves_the_figures_out_for_editors(client, login):
    login("editor")
    page = client.get("/quan-tri/").get_data(as_text=True)
    assert "Chỗ trống tuần này" not in page


# Demo data ----------------------------------------------------------------------------


def test_demo_has_a_believable_year_of_figures(app, runner, client, login):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    today = local_today()
    with app.app_context():
        sessions = db.session.scalars(select(GuidanceSession).options(selectinload(GuidanceSession.station))).all()
        assert len(sessions) > 1000
        assert min(s.day for s in sessions) <= today - timedelta(days=360)
        counter = [s for s in sessions if s.station.kind == "counter"]
        estation = [s for s in sessions if s.station.kind == "estation"]
        # Wednesdays and Thursdays are the busy days at the counter; weekends at the e-stations.
        by_weekday = [sum(1 for s in counter if s.day.weekday() == d) for d in range(7)]
        assert by_weekday[2] > by_weekday[1] and by_weekday[3] > by_weekday[4] and by_weekday[6] == 0
        assert sum(1 for s in estation if s.day.weekday() >= 5) > 3 * sum(1 for s in estation if s.day.weekday() < 5)
        done = db.session.scalars(select(Visit).where(Visit.status == "done")).all()
        assert len(done) > 50 and all(v.people_guided for v in done)
    login("leader")
    last_year = f"tu={today - timedelta(days=364):%d/%m/%Y}&den={today:%d/%m/%Y}"
    page = client.get(f"/quan-tri/bao-cao/?{last_year}").get_data(as_text=True)
    assert "Hướng dẫn lưu động (đến tận nhà)" in page and "Tổ dân phố 4" in page


def test_the_pages_read_in_english_too(client, login, figures):
    client.set_cookie("lang", "en")
    assert "People guided" in client.get("/thong-ke/").get_data(as_text=True)
    login("leader")
    page = client.get("/quan-tri/bao-cao/?tu=15/12/2025&den=15/01/2026").get_data(as_text=True)
    assert "By residential group" in page and "Mobile teams (home visits)" in page
    assert "<dd>11</dd>" in page
    assert "Number of people guided" in client.get("/tinh-nguyen/ghi-nhan").get_data(as_text=True)


@pytest.mark.parametrize("key", ["diem-ho-tro", "to-dan-pho", "thu-tuc", "linh-vuc", "thang", "gio-tinh-nguyen"])
def test_every_breakdown_downloads_as_csv(client, login, figures, key):
    login("leader")
    response = client.get(f"/quan-tri/bao-cao/{key}.csv?tu=01/12/2025&den=31/01/2026")
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(table) > 1 and all(len(row) == len(table[0]) for row in table)
