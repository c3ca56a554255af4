"""Residents never stranded, in a real browser at 390 px, with JavaScript on
and off: a missed consent box brings the error summary into view with the
focus on it and "Lỗi: " before the title; its link leads to the box; an error
from the server or a lost connection under JavaScript is said and the form is
kept as typed. axe-core finds nothing on these pages."""

from __future__ import annotations

import re

import pytest

from tests.factories import arrange_roster, slot_value

pytestmark = pytest.mark.e2e


def fill_booking(page, slot: str, *, consent: bool = True) -> None:
    page.locator(f'input[name="slot"][value="{slot}"]').check()
    page.get_by_label("Họ và tên người cần giúp").fill("Trương Thị Bảy")
    page.get_by_role("textbox", name="Số điện thoại (bắt buộc)").fill("0912 000 111")
    page.get_by_label("Địa chỉ (số nhà, ngõ/hẻm, đường)").fill("Số 9, hẻm 12, đường Lê Lợi")
    page.get_by_label("Tổ dân phố").select_option(label="Tổ dân phố 3")
    page.locator('input[name="notify_by"][value="none"]').check()
    if consent:
        page.get_by_label(re.compile("Tôi đồng ý để phường")).check()


def in_view(page, selector: str) -> bool:
    return page.evaluate(
        "(selector) => { const r = document.querySelector(selector).getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight; }",
        selector,
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_missed_consent_box_shows_the_summary_in_view_with_the_focus_on_it(
    live_server, page, page_nojs, check_accessibility, javascript
):
    resident = page if javascript else page_nojs
    roster = arrange_roster(live_server.app)
    slot = slot_value(roster.day, 9)
    resident.goto("/dat-lich/")
    fill_booking(resident, slot, consent=False)
    resident.get_by_role("button", name="Đặt lịch", exact=True).click()
    summary = resident.locator("#error-summary")
    summary.wait_for()
    assert "Có 1 lỗi cần sửa" in summary.inner_text()
    resident.wait_for_function("() => document.activeElement && document.activeElement.id === 'error-summary'")
    assert in_view(resident, "#error-summary")
    assert resident.title().startswith("Lỗi: Đặt lịch")
    # What was typed is kept, and the address is still the form's.
    assert resident.get_by_label("Họ và tên người cần giúp").input_value() == "Trương Thị Bảy"
    assert resident.locator(f'input[name="slot"][value="{slot}"]').is_checked()
    assert resident.url.endswith("/dat-lich/")
    check_accessibility(resident)

    # The summary's link leads to the box, which is then in view.
    summary.get_by_role("link").click()
    assert in_view(resident, "#consent")
    if javascript:
        resident.wait_for_function("() => document.activeElement && document.activeElement.id === 'consent'")
    resident.get_by_label(re.compile("Tôi đồng ý để phường")).check()
    resident.get_by_role("button", name="Đặt lịch", exact=True).click()
    resident.wait_for_url(re.compile(r"/dat-lich/xac-nhan/"))
    assert not resident.title().startswith("Lỗi")


@pytest.mark.parametrize("status", [500, 429])
def test_an_error_from_the_server_under_javascript_is_said_and_the_form_is_kept(
    live_server, page, check_accessibility, status
):
    roster = arrange_roster(live_server.app)
    slot = slot_value(roster.day, 8)
    page.goto("/dat-lich/")
    fill_booking(page, slot)
    # The server fails as a broken one would, with its plain error page.
    page.route(
        "**/dat-lich/",
        lambda route: route.fulfill(
            status=status, content_type="text/html; charset=utf-8",
            body='<!doctype html><html lang="vi"><title>Lỗi</title><main><h1 data-error-message>Máy chủ đang bận.</h1></main></html>',
        ) if route.request.method == "POST" else route.continue_(),
    )
    page.get_by_role("button", name="Đặt lịch", exact=True).click()
    status_box = page.locator("#request-status")
    status_box.get_by_text("Máy chủ đang bận.").wait_for()
    assert page.get_by_label("Họ và tên người cần giúp").input_value() == "Trương Thị Bảy"
    assert page.get_by_label(re.compile("Tôi đồng ý để phường")).is_checked()
    check_accessibility(page)


def test_a_lost_connection_under_javascript_is_said_and_the_form_is_kept(live_server, page, check_accessibility):
    roster = arrange_roster(live_server.app)
    page.goto("/dat-lich/")
    fill_booking(page, slot_value(roster.day, 10))
    page.route("**/dat-lich/", lambda route: route.abort() if route.request.method == "POST" else route.continue_())
    page.get_by_role("button", name="Đặt lịch", exact=True).click()
    page.locator("#request-status").get_by_text("Không kết nối được với trang web").wait_for()
    assert page.get_by_label("Địa chỉ (số nhà, ngõ/hẻm, đường)").input_value() == "Số 9, hẻm 12, đường Lê Lợi"
    check_accessibility(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_household_over_the_limit_is_told_when_to_try_again_and_keeps_the_form(
    live_server, page, page_nojs, check_accessibility, javascript
):
    resident = page if javascript else page_nojs
    roster = arrange_roster(live_server.app)
    config = live_server.app.config
    before = config["VISIT_BOOKING_RATE_LIMIT"]
    config["VISIT_BOOKING_RATE_LIMIT"] = "1 per hour"
    try:
        resident.goto("/dat-lich/")
        fill_booking(resident, slot_value(roster.day, 8))
        resident.get_by_role("button", name="Đặt lịch", exact=True).click()
        resident.wait_for_url(re.compile(r"/dat-lich/xac-nhan/"))

        resident.goto("/dat-lich/")
        fill_booking(resident, slot_value(roster.day, 9))
        resident.get_by_role("button", name="Đặt lịch", exact=True).click()
        summary = resident.locator("#error-summary")
        summary.wait_for()
        assert re.search(r"Bạn có thể đặt lại từ \d\d:\d\d", summary.inner_text())
        resident.wait_for_function("() => document.activeElement && document.activeElement.id === 'error-summary'")
        assert resident.get_by_label("Họ và tên người cần giúp").input_value() == "Trương Thị Bảy"
        assert resident.locator(f'input[name="slot"][value="{slot_value(roster.day, 9)}"]').is_checked()
        check_accessibility(resident)
    finally:
        config["VISIT_BOOKING_RATE_LIMIT"] = before


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_cancelling_asks_first_and_keeping_the_booking_changes_nothing(
    live_server, page, page_nojs, check_accessibility, javascript
):
    resident = page if javascript else page_nojs
    roster = arrange_roster(live_server.app)
    resident.goto("/dat-lich/")
    fill_booking(resident, slot_value(roster.day, 8))
    resident.get_by_role("button", name="Đặt lịch", exact=True).click()
    resident.wait_for_url(re.compile(r"/dat-lich/xac-nhan/"))
    resident.get_by_role("button", name="Quản lý lịch hẹn này").click()
    resident.get_by_role("button", name="Hủy lịch hẹn này").click()
    resident.get_by_role("heading", name=re.compile(r"^Hủy lịch hẹn .*08:00–09:00\?$")).wait_for()
    assert "Đội tình nguyện sẽ không đến Số 9, hẻm 12, đường Lê Lợi." in resident.locator("main").inner_text()
    check_accessibility(resident)
    resident.get_by_role("button", name="Không, giữ lịch hẹn").click()
    resident.get_by_role("button", name="Hủy lịch hẹn này").wait_for()
    assert "Đang chờ xác nhận" in resident.locator("main").inner_text()

    resident.get_by_role("button", name="Hủy lịch hẹn này").click()
    resident.get_by_role("button", name="Có, hủy lịch hẹn").click()
    resident.get_by_text("Đã hủy lịch hẹn. Cảm ơn bác").wait_for()
    assert "Đã hủy" in resident.locator("main").inner_text()


def test_when_every_time_is_booked_the_page_says_so_first(live_server, page_nojs, check_accessibility):
    page_nojs.goto("/dat-lich/")  # no team rostered at all
    page_nojs.get_by_role("heading", name="Rất tiếc, hiện đã hết giờ trống").wait_for()
    assert page_nojs.locator('input[name="address"]').count() == 0  # no booking form, only the waiting list
    check_accessibility(page_nojs)


def test_a_failed_comment_keeps_the_address_on_the_article_and_reloading_works(live_server, page, check_accessibility):
    from tests.factories import article_url, make_article

    url = article_url(live_server.app, make_article(live_server.app))
    page.goto(url)
    page.get_by_label("Ý kiến của bạn").fill("Xin gọi lại cho tôi.")
    page.get_by_role("button", name="Gửi bình luận").click()
    page.locator("#error-summary").wait_for()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'error-summary'")
    assert page.url.endswith(url)
    assert page.get_by_label("Ý kiến của bạn").input_value() == "Xin gọi lại cho tôi."
    check_accessibility(page)
    response = page.reload()
    assert response.status == 200 and page.url.endswith(url)
    # The comment's own address, opened again, leads to the article too.
    article_id = url.split("/")[-1].split("-")[0]
    response = page.goto(f"/tin-tuc/{article_id}/binh-luan")
    assert response.status == 200 and "#binh-luan" in page.url


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_with_every_time_booked_a_resident_asks_to_be_called_back_and_a_leader_calls(
    live_server, page, page_nojs, sign_in, check_accessibility, javascript
):
    from wardsite.admin.models import ResidentialGroup
    from wardsite.extensions import db

    with live_server.app.app_context():
        db.session.add(ResidentialGroup(name="Tổ dân phố 3"))
        db.session.commit()
    resident = page if javascript else page_nojs
    resident.goto("/dat-lich/")  # no team free at all
    resident.get_by_role("heading", name="Được gọi lại khi có giờ trống").wait_for()
    resident.get_by_role("button", name="Gọi lại cho tôi").click()  # the box not ticked: said first
    resident.locator("#error-summary").wait_for()
    assert resident.title().startswith("Lỗi: ")
    check_accessibility(resident)
    resident.get_by_label("Họ và tên người cần giúp").fill("Đỗ Văn Tám")
    resident.get_by_role("textbox", name="Số điện thoại (bắt buộc)").fill("0913 222 333")
    resident.get_by_label("Tổ dân phố").select_option(label="Tổ dân phố 3")
    resident.get_by_label("Ngày giờ nào tiện cho bác? (không bắt buộc)").fill("Sáng thứ Bảy")
    resident.get_by_label(re.compile("Tôi đồng ý để phường giữ họ tên")).check()
    resident.get_by_role("button", name="Gọi lại cho tôi").click()
    resident.get_by_role("heading", name="Bác đã có tên trong danh sách chờ").wait_for()
    check_accessibility(resident)

    leader = page_nojs if javascript else page
    sign_in(leader, live_server.create_user("leader"))
    leader.goto("/quan-tri/lich-hen/")
    leader.get_by_role("link", name="Danh sách chờ: 1 người").click()
    leader.get_by_role("heading", name="Danh sách chờ").wait_for()
    assert "Sáng thứ Bảy" in leader.locator("main").inner_text()
    check_accessibility(leader)
    leader.get_by_role("link", name=re.compile("^Đã gọi.*Đỗ Văn Tám")).click()
    leader.get_by_role("heading", name="Đưa Đỗ Văn Tám ra khỏi danh sách chờ?").wait_for()
    check_accessibility(leader)
    leader.get_by_role("button", name="Có, tôi đã gọi").click()
    leader.get_by_text("Không có ai đang chờ.").wait_for()
