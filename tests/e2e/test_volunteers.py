"""Roster journeys in a real browser: a leader generates and fills a week,
moves one volunteer by hand and publishes; a volunteer offers a shift for swap
and another takes it. axe-core checks every page on the way."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from wardsite.extensions import db
from wardsite.roster import services
from wardsite.roster.models import Assignment, Shift, ShiftTemplate
from wardsite.stations.models import OpeningHours, Station
from wardsite.timeutil import from_local, local_today
from wardsite.volunteers.models import DAY_PARTS, Volunteer

pytestmark = pytest.mark.e2e

EVERY_CELL = [(day, part) for day in range(7) for part in DAY_PARTS]


def _setup_week(app, volunteer_a, volunteer_b):
    """Counter shifts Monday to Thursday, one seat each; three volunteers who
    may do one shift a week, and a fourth (B) who has not said when she is free."""
    with app.app_context():
        counter = Station(name="Bộ phận một cửa thử", kind="counter", address="Số 1 đường Hòa Phong")
        counter.hours = [OpeningHours(weekday=d, opens=time(7, 30), closes=time(11, 30)) for d in range(5)]
        db.session.add(counter)
        for day in range(4):
            db.session.add(ShiftTemplate(kind="counter", station=counter, weekday=day, starts=time(7, 30), ends=time(11, 30), seats=1))
        for name, user in [("Trần Thu An", volunteer_a), ("Lê Văn Cường", None), ("Phạm Thị Dung", None), ("Võ Minh Bảo", volunteer_b)]:
            v = Volunteer(name=name, experienced=True, max_shifts_per_week=1, user_id=user.id if user else None, branch="Chi đoàn khu phố 1")
            v.set_weekly_cells([] if user is volunteer_b else EVERY_CELL)
            db.session.add(v)
        db.session.commit()


def test_leader_fills_moves_and_publishes_then_volunteers_swap(browser, live_server, page, sign_in, check_accessibility,
                                                                 ordinary_calendar):
    leader = live_server.create_user("leader")
    volunteer_a = live_server.create_user("volunteer", name="Trần Thu An")
    volunteer_b = live_server.create_user("volunteer", name="Võ Minh Bảo")
    _setup_week(live_server.app, volunteer_a, volunteer_b)
    monday = services.week_start(local_today()) + timedelta(weeks=1)

    # The leader creates the week's shifts and fills them.
    sign_in(page, leader)
    page.goto(f"/quan-tri/lich-truc/?tuan={monday.isoformat()}")
    page.get_by_role("button", name="Tạo ca trực từ các ca hằng tuần").click()
    expect(page.get_by_text("Đã tạo 4 ca trực")).to_be_visible()
    page.get_by_role("button", name="Tự động xếp lịch").click()
    # The fill job's page (the job runs in the request here, as ROSTER_FILL_INLINE says), then the week.
    expect(page.get_by_text("Đã xếp lịch: 3 trên 4 chỗ; thêm 3, bỏ 0.")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Xem lịch trực của tuần").click()
    expect(page.get_by_text("đều đã đủ số ca")).to_be_visible()  # the empty seat says why
    check_accessibility(page)

    # She moves one volunteer by hand to the empty shift.
    with live_server.app.app_context():
        shifts = list(db.session.scalars(select(Shift).order_by(Shift.starts_at)))
        empty = next(s for s in shifts if not s.assignments)
        moved_from = next(s for s in shifts if s.assignments and s.assignments[0].volunteer.user_id is None)
        moved_name = moved_from.assignments[0].volunteer.name
        empty_id, from_id = empty.id, moved_from.id
    page.locator(f"#shift-{from_id}").get_by_role("button", name=f"Bỏ {moved_name}").click()
    expect(page.locator(f"#shift-{from_id}").get_by_role("button", name=f"Bỏ {moved_name}")).to_have_count(0)
    card = page.locator(f"#shift-{empty_id}")
    card.get_by_label("Xếp tình nguyện viên vào ca này").select_option(label=f"{moved_name} ★")
    card.get_by_role("button", name="Xếp vào ca").click()
    expect(page.locator(f"#shift-{empty_id}").get_by_text("xếp tay")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Công bố lịch tuần").click()
    expect(page.get_by_text("Đã công bố lịch tuần")).to_be_visible()
    with live_server.app.app_context():
        station_id = db.session.scalar(select(Station.id))
        volunteer_id = db.session.scalar(select(Volunteer.id))
    for path in [
        "/quan-tri/tinh-nguyen-vien/", "/quan-tri/tinh-nguyen-vien/moi", f"/quan-tri/tinh-nguyen-vien/{volunteer_id}",
        f"/quan-tri/tinh-nguyen-vien/{volunteer_id}/lich-ranh", f"/quan-tri/tinh-nguyen-vien/{volunteer_id}/the",
        "/quan-tri/diem-ho-tro/", f"/quan-tri/diem-ho-tro/{station_id}", f"/quan-tri/lich-truc/ca/{empty_id}",
        "/quan-tri/lich-truc/mau-ca", "/quan-tri/lich-truc/ca-moi", f"/quan-tri/lich-truc/in?tuan={monday.isoformat()}",
        "/quan-tri/lich-truc/gio-truc", "/quan-tri/lich-truc/doi-ca", "/quan-tri/hop-thu",
    ]:
        page.goto(path)
        check_accessibility(page)
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_role("link", name="Cán bộ đăng nhập").wait_for()

    # Volunteer A sees her shift and offers it for swap.
    sign_in(page, volunteer_a)
    page.goto("/tinh-nguyen/")
    expect(page.get_by_role("heading", name="Các ca sắp tới")).to_be_visible()
    expect(page.get_by_text("Bộ phận một cửa thử").first).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Nhờ người khác trực thay ca này").click()
    expect(page.get_by_text("Đang nhờ người đổi ca")).to_be_visible()
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_role("link", name="Cán bộ đăng nhập").wait_for()

    # Volunteer B says when she is free, then takes the shift.
    sign_in(page, volunteer_b)
    page.goto("/tinh-nguyen/lich-ranh")
    check_accessibility(page)
    for weekday in ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm"]:
        page.get_by_label(f"{weekday} Sáng").check()
    page.get_by_role("button", name="Lưu lịch rảnh").click()
    expect(page.get_by_text("Đã lưu lịch rảnh hằng tuần.")).to_be_visible()
    page.goto("/tinh-nguyen/")
    page.get_by_role("button", name="Nhận ca này").click()
    expect(page.get_by_text("Bạn đã nhận ca này. Cảm ơn bạn!")).to_be_visible()
    check_accessibility(page)
    with live_server.app.app_context():
        names = {a.volunteer.name for a in db.session.scalars(select(Assignment))}
        assert "Võ Minh Bảo" in names and "Trần Thu An" not in names


def test_card_check_and_public_stations_pass_axe(live_server, page, page_nojs, check_accessibility):
    with live_server.app.app_context():
        station = Station(name="Tổ dân phố điện tử thử", kind="estation", address="Nhà văn hóa TDP 3")
        station.hours = [OpeningHours(weekday=d, opens=time(8), closes=time(11)) for d in range(7)]
        volunteer = Volunteer(name="Đặng Ngọc Giang", branch="Chi đoàn khu phố 2", experienced=True)
        db.session.add_all([station, volunteer])
        db.session.commit()
        code = volunteer.card_code
    page.goto("/diem-ho-tro/")
    expect(page.get_by_role("heading", name="Nơi được hướng dẫn dịch vụ công trực tuyến")).to_be_visible()
    check_accessibility(page)
    page_nojs.goto("/diem-ho-tro/")
    page_nojs.get_by_label("Mã thẻ").fill(code)
    page_nojs.get_by_role("button", name="Kiểm tra").click()
    expect(page_nojs.get_by_text("Đặng Ngọc Giang là tình nguyện viên thật")).to_be_visible()
    check_accessibility(page_nojs)
    page_nojs.goto("/xac-minh/KHONGCOMA")
    expect(page_nojs.get_by_text("Không có tình nguyện viên nào")).to_be_visible()
    check_accessibility(page_nojs)


def test_a_rule_warning_without_javascript(live_server, page_nojs, sign_in, check_accessibility):
    leader = live_server.create_user("leader")
    with live_server.app.app_context():
        volunteer = Volunteer(name="Hồ Văn Tối", experienced=True)
        volunteer.set_weekly_cells([(d, "evening") for d in range(7)])
        day = local_today() + timedelta(days=8)
        shift = Shift(kind="counter", seats=1, starts_at=from_local(datetime.combine(day, time(8))), ends_at=from_local(datetime.combine(day, time(11))))
        db.session.add_all([volunteer, shift])
        db.session.commit()
        shift_id = shift.id
    sign_in(page_nojs, leader)
    page_nojs.goto(f"/quan-tri/lich-truc/ca/{shift_id}")
    page_nojs.get_by_label("Xếp tình nguyện viên vào ca này").select_option(label="Hồ Văn Tối ★ (không rảnh)")
    page_nojs.get_by_role("button", name="Xếp vào ca").click()
    expect(page_nojs.get_by_text("Việc này sẽ phá một quy tắc:")).to_be_visible()
    expect(page_nojs.get_by_text("nằm ngoài lịch rảnh")).to_be_visible()
    check_accessibility(page_nojs)
    page_nojs.get_by_role("button", name="Vẫn xếp").click()
    expect(page_nojs.get_by_text("Đã xếp Hồ Văn Tối vào ca.")).to_be_visible()
