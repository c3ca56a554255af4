"""Home-visit journeys in a real browser: a resident books from a procedure's
page with JavaScript, another books without it; one finds a procedure that is
not in the form's short list in the catalogue and comes back with it ticked,
and the leader finds it ticked on the outcome form's short list; the leader
confirms and records the outcome; the resident looks the booking up
and rates it. axe-core finds nothing on the booking, confirmation, lookup and
leader pages."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from wardsite.extensions import db
from wardsite.timeutil import from_local, local_today, utcnow

pytestmark = pytest.mark.e2e

CODE = "1.004873"  # Cấp Giấy xác nhận tình trạng hôn nhân



def _visit_began(app, code: str) -> None:
    """Time passes: the visit's slot began half an hour ago."""
    from datetime import timedelta

    from wardsite.extensions import db
    from wardsite.timeutil import utcnow
    from wardsite.visits.models import Visit

    start = utcnow() - timedelta(minutes=30)
    with app.app_context():
        visit = db.session.scalar(db.select(Visit).where(Visit.code == code))
        visit.slot_start, visit.slot_end = start, start + timedelta(hours=1)
        db.session.commit()

def _arrange(app, days_ahead: int, start_hour: int, volunteer_name: str = "Hoàng Minh Đức") -> str:
    """A published procedure, a residential group and a rostered mobile team
    on the day `days_ahead` from `start_hour`; returns the first slot's value."""
    from wardsite.admin.models import ResidentialGroup
    from wardsite.procedures.models import Document, Procedure
    from wardsite.roster.models import Assignment, Shift
    from wardsite.volunteers.models import Volunteer

    with app.app_context():
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == CODE))
        if procedure is None:
            procedure = Procedure(code=CODE, name="Cấp Giấy xác nhận tình trạng hôn nhân", online="partial", published=True)
            procedure.documents = [Document(name="Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", originals=1)]
            procedure.refresh_search_text()
            db.session.add(procedure)
        procedure.published, procedure.online = True, "partial"  # the page offers booking for online procedures
        if db.session.scalar(select(ResidentialGroup).where(ResidentialGroup.name == "Tổ dân phố 5")) is None:
            db.session.add(ResidentialGroup(name="Tổ dân phố 5"))
        volunteer = Volunteer(name=volunteer_name, experienced=True)
        day = local_today() + timedelta(days=days_ahead)
        shift = Shift(
            kind="mobile",
            starts_at=from_local(datetime.combine(day, time(start_hour))),
            ends_at=from_local(datetime.combine(day, time(start_hour + 1))),
            seats=1,
            published_at=utcnow(),
        )
        shift.assignments = [Assignment(volunteer=volunteer)]
        db.session.add_all([volunteer, shift])
        db.session.commit()
        return f"{day.isoformat()}T{start_hour:02d}:00"


def _fill_booking(page, slot: str, phone: str) -> None:
    page.locator(f'input[name="slot"][value="{slot}"]').check()
    page.get_by_label("Họ và tên người cần giúp").fill("Trương Thị Bảy")
    page.get_by_role("textbox", name="Số điện thoại (bắt buộc)").fill(phone)
    page.get_by_label("Địa chỉ (số nhà, ngõ/hẻm, đường)").fill("Số 9, hẻm 12, đường Lê Lợi")
    page.get_by_label("Tổ dân phố").select_option(label="Tổ dân phố 5")
    page.locator('input[name="notify_by"][value="none"]').check()
    page.get_by_label(re.compile("Tôi đồng ý để phường")).check()


def test_resident_books_from_a_procedure_page_with_javascript(live_server, page, check_accessibility):
    slot = _arrange(live_server.app, days_ahead=5, start_hour=15)
    page.goto(f"/thu-tuc/{CODE}")
    page.get_by_role("button", name="Đặt lịch tình nguyện viên giúp tôi làm trực tuyến").click()
    page.wait_for_url(re.compile(r"/dat-lich/\?thu-tuc="))
    assert page.get_by_label("Cấp Giấy xác nhận tình trạng hôn nhân").is_checked()
    consent = page.get_by_label(re.compile("Tôi đồng ý để phường"))
    assert not consent.is_checked()
    check_accessibility(page)

    # Choosing a day swaps in only that day's times (htmx), typed text stays.
    page.get_by_label("Họ và tên người cần giúp").fill("Trương Thị Bảy")
    day_label = re.compile(datetime.fromisoformat(slot).strftime("%d/%m/%Y"))
    page.locator(".visit-days a").filter(has_text=day_label).click()
    page.locator('.visit-days a[aria-current="true"]').filter(has_text=day_label).wait_for()
    assert page.get_by_label("Họ và tên người cần giúp").input_value() == "Trương Thị Bảy"

    # Inline check: a bad phone number is flagged when leaving the field.
    page.get_by_role("textbox", name="Số điện thoại (bắt buộc)").fill("12345")
    page.get_by_label("Địa chỉ (số nhà, ngõ/hẻm, đường)").click()
    page.get_by_text("Xin nhập số điện thoại Việt Nam").wait_for()
    check_accessibility(page)

    _fill_booking(page, slot, "+84 912 000 111")
    page.get_by_role("button", name="Đặt lịch", exact=True).click()
    page.wait_for_url(re.compile(r"/dat-lich/xac-nhan/"))
    page.get_by_role("heading", name="Đã đặt lịch thành công").wait_for()
    code = page.locator(".visit-code-big").inner_text().strip()
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{6}", code)
    body = page.locator("main").inner_text()
    assert "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân" in body
    assert "OTP" in body and "0912000111" not in body
    check_accessibility(page)


def test_resident_books_without_javascript_leader_confirms_and_records_resident_rates(
    live_server, page, page_nojs, sign_in, check_accessibility
):
    slot = _arrange(live_server.app, days_ahead=6, start_hour=16, volunteer_name="Vũ Thị Hằng")
    resident = page_nojs
    resident.goto(f"/dat-lich/?ngay={slot[:10]}")
    check_accessibility(resident)
    _fill_booking(resident, slot, "0987 000 222")
    resident.get_by_role("button", name="Đặt lịch", exact=True).click()
    resident.wait_for_url(re.compile(r"/dat-lich/xac-nhan/"))
    code = resident.locator(".visit-code-big").inner_text().strip()
    check_accessibility(resident)

    leader = live_server.create_user("leader")
    sign_in(page, leader)
    page.goto(f"/quan-tri/lich-hen/?ngay={slot[:10]}")
    check_accessibility(page)
    page.get_by_role("link", name=code).click()
    page.get_by_role("heading", name=f"Lịch hẹn tại nhà {code}").wait_for()
    assert page.get_by_label("Vũ Thị Hằng ★").is_checked()  # the rostered team by default
    check_accessibility(page)
    page.get_by_role("button", name="Xác nhận lịch hẹn").click()
    page.get_by_text(f"Đã xác nhận lịch hẹn {code}.").wait_for()
    _visit_began(live_server.app, code)  # an outcome is taken only once the visit has started
    page.reload()
    page.get_by_label("Số người được hướng dẫn").fill("2")
    page.get_by_label("Số hồ sơ đã nộp trực tuyến").fill("1")
    page.get_by_role("button", name="Lưu kết quả").click()
    page.get_by_text(f"Đã lưu kết quả của lịch hẹn {code}.").wait_for()

    # The resident looks the booking up (another browser: no session) and rates it.
    resident.context.clear_cookies()
    resident.goto("/dat-lich/tra-cuu")
    check_accessibility(resident)
    resident.get_by_label("Mã lịch hẹn (6 ký tự)").fill(code.lower())
    resident.get_by_label("Số điện thoại đã dùng khi đặt lịch").fill("0987000222")
    resident.get_by_role("button", name="Tra cứu").click()
    resident.get_by_role("heading", name=f"Lịch hẹn {code} của bác").wait_for()
    assert "Đã hướng dẫn xong" in resident.locator("main").inner_text()
    check_accessibility(resident)
    resident.get_by_label("5", exact=True).check()
    resident.get_by_label("Góp ý (không bắt buộc)").fill("Các bạn rất tận tình")
    resident.get_by_role("button", name="Gửi đánh giá").click()
    resident.get_by_text("Cảm ơn bác đã đánh giá.").wait_for()
    assert "5 trên 5" in resident.locator("main").inner_text()


def test_resident_finds_a_procedure_outside_the_short_list_in_the_catalogue_and_the_leader_records_it(
    live_server, page_nojs, sign_in, check_accessibility
):
    from wardsite.procedures.models import Document, Procedure

    slot = _arrange(live_server.app, days_ahead=7, start_hour=9, volunteer_name="Phan Văn Lộc")
    name = "Xác định mức độ khuyết tật, cấp Giấy xác nhận khuyết tật"
    with live_server.app.app_context():
        if db.session.scalar(select(Procedure).where(Procedure.code == "1.001699")) is None:
            # A catalogue bigger than the form's short list; this one sorts after the others.
            procedures = [
                Procedure(code=f"8.{n:06d}", name=f"Thủ tục thử nghiệm {n:02d}", online="full", published=True)
                for n in range(30)
            ]
            wanted = Procedure(code="1.001699", name=name, online="partial", published=True)
            wanted.documents = [Document(name="Tờ khai đề nghị xác định mức độ khuyết tật", originals=1)]
            procedures.append(wanted)
            for procedure in procedures:
                procedure.refresh_search_text()
            db.session.add_all(procedures)
            db.session.commit()

    resident = page_nojs
    resident.goto("/dat-lich/")
    assert 0 < resident.locator('input[name="procedures"]').count() <= 12
    assert resident.get_by_label(name).count() == 0
    resident.get_by_role("link", name="Không có trong danh sách? Tìm trong danh mục thủ tục").click()
    resident.get_by_label("Tên hoặc mã thủ tục").fill("khuyết tật")
    resident.get_by_role("button", name="Tìm", exact=True).click()
    resident.get_by_role("link", name=name, exact=True).click()
    resident.get_by_role("button", name="Đặt lịch tình nguyện viên giúp tôi làm trực tuyến").click()
    resident.wait_for_url(re.compile(r"/dat-lich/\?thu-tuc=1\.001699"))
    assert resident.get_by_label(name).is_checked()
    check_accessibility(resident)

    _fill_booking(resident, slot, "0976 000 333")
    resident.get_by_role("button", name="Đặt lịch", exact=True).click()
    resident.wait_for_url(re.compile(r"/dat-lich/xac-nhan/"))
    assert "Tờ khai đề nghị xác định mức độ khuyết tật" in resident.locator("main").inner_text()
    code = resident.locator(".visit-code-big").inner_text().strip()

    # The leader, also without JavaScript: the outcome form's short list starts
    # with the booked procedure, ticked, and the outcome records it.
    leader = page_nojs
    leader.context.clear_cookies()
    sign_in(leader, live_server.create_user("leader"))
    leader.goto(f"/quan-tri/lich-hen/?ngay={slot[:10]}")
    leader.get_by_role("link", name=code).click()
    leader.get_by_role("heading", name=f"Lịch hẹn tại nhà {code}").wait_for()
    _visit_began(live_server.app, code)
    leader.reload()
    assert 0 < leader.locator('input[name="procedures_done"]').count() <= 13
    assert leader.get_by_label(name).is_checked()
    check_accessibility(leader)
    leader.get_by_label("Số người được hướng dẫn").fill("1")
    leader.get_by_label("Số hồ sơ đã nộp trực tuyến").fill("1")
    leader.get_by_role("button", name="Lưu kết quả").click()
    leader.get_by_text(f"Đã lưu kết quả của lịch hẹn {code}.").wait_for()
    assert leader.get_by_label(name).is_checked()
