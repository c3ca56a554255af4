"""The procedure catalogue in a real browser: the search box finds "khai sinh"
as the resident types (no page load, the address follows), the same search
works with JavaScript off by submitting the form, the procedure page and its
printable sheet pass axe-core, and an editor builds the ordered lists with
htmx."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_catalogue(live_server):
    from wardsite.extensions import db
    from wardsite.procedures import demo

    with live_server.app.app_context():
        demo.load(logins=[], make_password=lambda: "x")
        db.session.commit()
    return live_server


def test_typing_in_the_search_box_shows_results_without_a_page_load(page, demo_catalogue, check_accessibility):
    page.goto("/thu-tuc/")
    page.get_by_role("heading", level=1, name="Thủ tục hành chính").wait_for()
    check_accessibility(page)
    page.evaluate("() => { window.stillTheSamePage = true; }")
    page.get_by_label("Tên hoặc mã thủ tục").press_sequentially("khai sinh", delay=40)
    page.get_by_text("Tìm thấy 3 thủ tục cho «khai sinh».").wait_for()
    results = page.locator("#procedure-results")
    assert results.get_by_role("link").first.inner_text() == "Đăng ký khai sinh"
    assert page.evaluate("() => window.stillTheSamePage === true"), "the page was reloaded"
    # The address bar follows, so the search can be shared or bookmarked.
    assert re.search(r"/thu-tuc/\?q=khai(\+|%20)sinh", page.url), page.url
    check_accessibility(page)

    # A word found nowhere says so and offers the sectors.
    box = page.get_by_label("Tên hoặc mã thủ tục")
    box.fill("")
    box.press_sequentially("giay phep lai tau", delay=20)
    page.get_by_text("Không tìm thấy thủ tục nào.").wait_for()
    assert page.locator(".procedure-sectors").get_by_role("link", name=re.compile("Hộ tịch")).is_visible()
    check_accessibility(page)

    # The address bar's URL opened afresh gives the same results.
    page.goto("/thu-tuc/?q=DANG+KY+KHAI+SINH")
    assert page.locator("#procedure-results").get_by_role("link").first.inner_text() == "Đăng ký khai sinh"


def test_search_without_javascript_submits_the_form(page_nojs, demo_catalogue, check_accessibility):
    page = page_nojs
    page.goto("/thu-tuc/")
    page.get_by_label("Tên hoặc mã thủ tục").fill("khai sinh")
    page.get_by_label("Trực tuyến", exact=True).select_option("toan-trinh")
    page.get_by_role("button", name="Tìm", exact=True).click()
    page.wait_for_url(re.compile(r"/thu-tuc/\?q=khai\+sinh.*truc-tuyen=toan-trinh"))
    page.get_by_text(re.compile(r"Tìm thấy \d+ thủ tục cho «khai sinh».")).wait_for()
    assert page.locator("#procedure-results").get_by_role("link").first.inner_text() == "Đăng ký khai sinh"
    assert "Đăng ký lại khai sinh" not in page.locator("#procedure-results").inner_text()  # partly online only
    page.get_by_role("link", name="Đăng ký khai sinh", exact=True).click()
    page.get_by_role("heading", level=1, name="Đăng ký khai sinh").wait_for()
    check_accessibility(page)


def test_procedure_page_and_printable_sheet(page, demo_catalogue, check_accessibility):
    page.goto("/thu-tuc/1.001193")
    page.get_by_role("heading", level=1, name="Đăng ký khai sinh").wait_for()
    # The papers are a checklist a resident can tick.
    paper = page.get_by_label("Giấy chứng sinh do cơ sở y tế cấp")
    paper.check()
    assert paper.is_checked()
    assert page.locator("ol.procedure-steps li").count() == 4
    booking = page.get_by_role("button", name="Đặt lịch tình nguyện viên giúp tôi làm trực tuyến")
    assert booking.get_attribute("href") == "/dat-lich/?thu-tuc=1.001193"
    assert page.get_by_text("Dữ liệu mẫu để minh họa").is_visible()
    check_accessibility(page)

    page.get_by_role("button", name="Tờ hướng dẫn để in").click()
    page.wait_for_url("**/thu-tuc/1.001193/in")
    page.get_by_role("heading", level=1, name="Đăng ký khai sinh").wait_for()
    assert page.locator("nav").count() == 0
    assert page.get_by_text("Thông tin được đối chiếu với Cổng dịch vụ công quốc gia ngày 01/07/2025.").is_visible()
    check_accessibility(page)
    # Printed on A4: the sheet fits one page.
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1


def test_editor_builds_the_lists_with_htmx(page, demo_catalogue, sign_in, check_accessibility):
    editor = demo_catalogue.create_user("editor")
    sign_in(page, editor)
    page.goto("/quan-tri/thu-tuc/moi")
    page.get_by_label(re.compile(r"^Mã ")).fill("1.009999")
    page.get_by_label("Tên thủ tục").fill("Thủ tục thử trên trình duyệt")
    page.get_by_label("Lĩnh vực").fill("Hộ tịch")
    page.get_by_label("Bước 1").fill("Thứ hai")
    page.evaluate("() => { window.stillTheSamePage = true; }")
    page.get_by_role("button", name="Thêm bước").click()
    page.get_by_label("Bước 2").fill("Thứ nhất")
    page.get_by_role("button", name="Chuyển lên bước 2").click()
    expect(page.get_by_label("Bước 1")).to_have_value("Thứ nhất")
    expect(page.get_by_label("Bước 2")).to_have_value("Thứ hai")
    assert page.evaluate("() => window.stillTheSamePage === true"), "the page was reloaded"
    page.get_by_role("button", name="Xóa giấy tờ 1").click()
    expect(page.get_by_label("Giấy tờ 1: tên")).to_have_count(0)
    check_accessibility(page)
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.get_by_text("Đã lưu thủ tục «Thủ tục thử trên trình duyệt».").wait_for()
    check_accessibility(page)
    page.get_by_role("link", name="Mở trang người dân xem").click()
    expect(page.locator("ol.procedure-steps li")).to_have_text(["Thứ nhất", "Thứ hai"])


def test_editor_lists_work_without_javascript(page_nojs, demo_catalogue, sign_in, check_accessibility):
    page = page_nojs
    editor = demo_catalogue.create_user("editor")
    sign_in(page, editor)
    page.goto("/quan-tri/thu-tuc/moi")
    page.get_by_label("Bước 1").fill("Bước đã gõ")
    page.get_by_role("button", name="Thêm bước").click()
    page.get_by_label("Bước 2").wait_for()
    expect(page.get_by_label("Bước 1")).to_have_value("Bước đã gõ")  # what was typed is kept
    page.get_by_role("button", name="Xóa bước 1").click()
    expect(page.get_by_label("Bước 2")).to_have_count(0)
    expect(page.get_by_label("Bước 1")).to_have_value("")
    # Saving with a bad code keeps everything and says what is wrong.
    page.get_by_label(re.compile(r"^Mã ")).fill("1.0011")
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.locator("small.error", has_text="Mã thủ tục có dạng 1.001193").wait_for()
    check_accessibility(page)


RECORDS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "tthc" / "records"


def _longest_records() -> list[Path]:
    """Three of the longest real records: the longest name, the most papers, the longest steps."""
    files = sorted(RECORDS.rglob("*.json"))
    records = {path: json.loads(path.read_text(encoding="utf-8")) for path in files}
    chosen: list[Path] = []
    for key in ("ten_thu_tuc", "thanh_phan_ho_so", "trinh_tu_thuc_hien"):
        best = max((p for p in files if p not in chosen), key=lambda p: len(records[p][key]))
        chosen.append(best)
    return chosen


@pytest.fixture
def long_records(live_server):
    from wardsite.procedures import open_data, portal

    paths = _longest_records()
    with live_server.app.app_context():
        records = [record for path in paths for record in portal.read_path(path)]
        report = open_data.import_records(records, publish=True)
        assert not report.rejected
    return [record["code"] for record in records]


@pytest.mark.skipif(not RECORDS.is_dir(), reason="the portal's records are not beside the tree")
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_longest_real_records_read_on_a_phone_and_print(request, javascript, long_records, check_accessibility):
    page = request.getfixturevalue("page" if javascript else "page_nojs")
    for code in long_records:
        page.goto(f"/thu-tuc/{code}")
        page.locator("h1").wait_for()
        # The summary first, then the papers by group and the steps, all on a 390 px phone.
        assert page.locator("dl.procedure-summary").is_visible()
        assert page.locator(".procedure-checklist li").count() > 0
        check_accessibility(page)
        page.get_by_role("button", name="Tờ hướng dẫn để in").click()
        page.wait_for_url(f"**/thu-tuc/{code}/in")
        assert page.locator("img.sheet-qr").is_visible()
        check_accessibility(page)
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        assert 1 <= pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") <= 2, code
