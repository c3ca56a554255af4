"""A resident on the waiting list is offered a freed seat and takes it, in a
real browser at 390 px, with JavaScript on and off: every time is booked, they
leave their number and get a code; a booking is cancelled; the message's link
opens the offered time, held for them, and "Nhận giờ này" with their address
books it. axe-core finds nothing on these pages."""

from __future__ import annotations

import re

import pytest

from tests.factories import arrange_roster
from wardsite.extensions import db

pytestmark = pytest.mark.e2e


def book_every_time(app, roster) -> None:
    from wardsite.visits import services, slots

    with app.test_request_context():
        for hour in (8, 9, 10):
            details = services.BookingDetails(full_name=f"Người đặt {hour}", phone=f"091200000{hour % 10}",
                                              address="Số 1, đường Lê Lợi", residential_group_id=roster.group_id)
            services.book(details, slots.parse_slot(f"{roster.day.isoformat()}T{hour:02d}:00"), None)


def cancel_the_nine_oclock(app) -> None:
    from wardsite.timeutil import to_local
    from wardsite.visits import services
    from wardsite.visits.models import Visit

    with app.test_request_context():
        visit = next(v for v in db.session.scalars(db.select(Visit)) if to_local(v.slot_start).hour == 9)
        services.cancel_by_resident(visit)


def offer_link(app) -> str:
    from wardsite.mail import OutboxMessage

    with app.app_context():
        body = db.session.scalars(db.select(OutboxMessage.body).where(OutboxMessage.dedupe_key.like("visit-offer:%"))).one()
    return re.search(r"https?://\S+", body).group(0)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_resident_on_the_waiting_list_is_offered_a_freed_seat_and_takes_it(
    live_server, page, page_nojs, check_accessibility, javascript
):
    app = live_server.app
    resident = page if javascript else page_nojs
    roster = arrange_roster(app)
    book_every_time(app, roster)

    resident.goto("/dat-lich/")
    resident.get_by_role("heading", name="Được gọi lại khi có giờ trống").wait_for()
    resident.get_by_label("Họ và tên người cần giúp").fill("Đỗ Văn Tám")
    resident.get_by_role("textbox", name="Số điện thoại (bắt buộc)").fill("0913 222 333")
    resident.get_by_label("Tổ dân phố").select_option(label="Tổ dân phố 3")
    resident.get_by_label("Buổi sáng (trước 12:00)").check()
    resident.get_by_label(re.compile("Tôi đồng ý để phường giữ họ tên")).check()
    resident.get_by_role("button", name="Gọi lại cho tôi").click()
    resident.get_by_role("heading", name="Bác đã có tên trong danh sách chờ").wait_for()
    code = resident.locator(".visit-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{6}", code)
    check_accessibility(resident)

    cancel_the_nine_oclock(app)  # another resident cancels: the seat is offered and held
    link = offer_link(app)
    assert link.endswith(f"/dat-lich/cho/{code}")
    resident.goto(link)  # the message's link, in the browser that joined
    resident.get_by_role("heading", name="Có giờ trống cho bác").wait_for()
    main = resident.locator("main").inner_text()
    assert "09:00–10:00" in main and code in main
    check_accessibility(resident)

    resident.get_by_role("button", name="Nhận giờ này").click()  # no address yet: said first
    resident.locator("#error-summary").wait_for()
    assert resident.title().startswith("Lỗi: ")
    check_accessibility(resident)
    resident.get_by_label("Địa chỉ (số nhà, ngõ/hẻm, đường)").fill("Số 9, hẻm 12, đường Lê Lợi")
    resident.get_by_label(re.compile("Tôi đồng ý để phường lưu họ tên, số điện thoại và địa chỉ")).check()
    resident.get_by_role("button", name="Nhận giờ này").click()
    resident.wait_for_url(re.compile(r"/dat-lich/xac-nhan/"))
    resident.get_by_role("heading", name="Đã đặt lịch thành công").wait_for()
    assert "09:00–10:00" in resident.locator("main").inner_text()
    check_accessibility(resident)
    assert resident.get_by_role("button", name="Không nhận").count() == 0


def test_the_offer_opens_from_another_phone_with_the_code_and_phone_number(live_server, page_nojs, check_accessibility):
    from wardsite.visits import waiting_list

    app = live_server.app
    roster = arrange_roster(app)
    book_every_time(app, roster)
    with app.test_request_context():
        entry = waiting_list.join(waiting_list.WaitingDetails("Đỗ Văn Tám", "0913222333", roster.group_id), None)
        code = entry.code
    cancel_the_nine_oclock(app)
    page_nojs.goto(offer_link(app))
    page_nojs.get_by_role("heading", name="Tra cứu lịch hẹn").wait_for()
    page_nojs.get_by_role("textbox", name=re.compile("Số điện thoại")).fill("0913 222 333")
    page_nojs.get_by_role("button", name="Tra cứu").click()
    page_nojs.get_by_role("heading", name="Có giờ trống cho bác").wait_for()
    check_accessibility(page_nojs)
    page_nojs.get_by_role("button", name="Không nhận").click()
    page_nojs.get_by_text("bác vẫn có tên trong danh sách").wait_for()
    page_nojs.get_by_role("heading", name="Vị trí của bác trong danh sách chờ").wait_for()
    assert code in page_nojs.locator("main").inner_text()
    check_accessibility(page_nojs)
