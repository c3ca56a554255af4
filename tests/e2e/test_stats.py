"""Journeys through the ward's figures: a volunteer on duty logs three sessions
in a row on a phone, the leader finds them in the report and downloads the
workbook; the same log without JavaScript; axe-core on every page seen."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db
from wardsite.procedures.models import Procedure, Sector
from wardsite.stations.models import Station

pytestmark = pytest.mark.e2e


def _station(live_server, name: str, code: str) -> None:
    """An e-station of its own group and a published procedure, unique to one test
    (the live server's database is shared by every browser test)."""
    with live_server.app.app_context():
        group = ResidentialGroup(name=f"Tổ {name}", position=90)
        sector = db.session.scalar(db.select(Sector).where(Sector.slug == "e2e-thong-ke")) or Sector(name="Lĩnh vực thử thống kê", slug="e2e-thong-ke")
        db.session.add_all([
            Station(name=name, kind="estation", residential_group=group, position=90),
            Procedure(code=code, name=f"Thủ tục {name}", sector=sector, published=True),
        ])
        db.session.commit()


def _log(page, station: str, people: int, dossiers: int, procedure: str | None = None) -> None:
    page.get_by_label("Nơi trực").select_option(label=station)
    page.get_by_label("Số người được hướng dẫn").fill(str(people))
    page.get_by_label("Số hồ sơ đã nộp trực tuyến").fill(str(dossiers))
    if procedure:
        page.get_by_text("Thủ tục (không bắt buộc)").click()
        page.get_by_label(procedure).check()
    page.get_by_role("button", name="Lưu và ghi lượt tiếp theo").click()


def test_three_sessions_in_a_row_then_the_leader_reads_and_downloads_them(page, live_server, sign_in, check_accessibility, tmp_path):
    _station(live_server, "Điểm thử thống kê", "1.009901")
    volunteer = live_server.create_user("volunteer")
    sign_in(page, volunteer)
    page.goto("/tinh-nguyen/ghi-nhan")
    check_accessibility(page)
    page.evaluate("window.stillTheSamePage = true")

    for number, (people, dossiers) in enumerate([(2, 1), (1, 0), (3, 2)], start=1):
        _log(page, "Điểm thử thống kê", people, dossiers, procedure="Thủ tục Điểm thử thống kê" if number == 1 else None)
        expect(page.get_by_text(f"Đã lưu: {people} người được hướng dẫn, {dossiers} hồ sơ tại Điểm thử thống kê.")).to_be_visible()
        # The form is ready for the next entry: same station, fresh numbers.
        expect(page.get_by_label("Số người được hướng dẫn")).to_have_value("1")
        expect(page.get_by_label("Số hồ sơ đã nộp trực tuyến")).to_have_value("0")
        expect(page.get_by_label("Nơi trực")).to_have_value(re.compile(r"\d+"))
    assert page.evaluate("window.stillTheSamePage") is True  # htmx swapped the form, no page load
    expect(page.get_by_text("Tại Điểm thử thống kê: 3 lượt hướng dẫn, 6 người được hướng dẫn, 3 hồ sơ nộp trực tuyến.")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_role("link", name="Cán bộ đăng nhập").wait_for()
    sign_in(page, live_server.create_user("leader"))
    page.goto("/quan-tri/")
    check_accessibility(page)
    page.goto("/quan-tri/bao-cao/")
    row = page.locator("#diem-ho-tro tbody tr", has_text="Điểm thử thống kê")
    expect(row).to_have_text(re.compile(r"Điểm thử thống kê\s*6\s*3\s*3"))
    expect(page.locator("#thu-tuc tbody tr", has_text="Thủ tục Điểm thử thống kê")).to_have_text(
        re.compile(r"Thủ tục Điểm thử thống kê\s*Lĩnh vực thử thống kê\s*1\s*2\s*1")
    )
    expect(page.locator("#diem-ho-tro svg")).to_be_attached()
    check_accessibility(page)

    with page.expect_download() as waiting:
        page.get_by_role("link", name="Tải tệp Excel").click()
    path = tmp_path / "bao-cao.xlsx"
    waiting.value.save_as(path)
    book = load_workbook(path, read_only=True)
    assert "Theo điểm hỗ trợ" in book.sheetnames and "Theo tháng" in book.sheetnames
    stations = {row[0]: row[1:] for row in book["Theo điểm hỗ trợ"].iter_rows(min_row=2, values_only=True)}
    assert stations["Điểm thử thống kê"] == (6, 3, 3)
    book.close()


def test_logging_without_javascript(page_nojs, live_server, sign_in, check_accessibility):
    _station(live_server, "Điểm thử không JS", "1.009902")
    page = page_nojs
    sign_in(page, live_server.create_user("volunteer"))
    page.goto("/tinh-nguyen/ghi-nhan")
    page.get_by_label("Nơi trực").select_option(label="Điểm thử không JS")
    page.get_by_label("Số người được hướng dẫn").fill("0")
    page.get_by_role("button", name="Lưu và ghi lượt tiếp theo").click()
    expect(page.locator("small.error", has_text="Vui lòng nhập một số từ 1 đến 200.")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Số người được hướng dẫn").fill("4")
    page.get_by_role("button", name="Lưu và ghi lượt tiếp theo").click()
    expect(page.get_by_text("Đã lưu: 4 người được hướng dẫn, 0 hồ sơ tại Điểm thử không JS.")).to_be_visible()
    expect(page.get_by_label("Nơi trực").locator("option[selected]")).to_have_text("Điểm thử không JS")
    check_accessibility(page)


def test_public_figures_and_a_bad_report_date_pass_axe(page, live_server, sign_in, check_accessibility):
    page.goto("/thong-ke/")
    expect(page.get_by_role("heading", name="Số liệu", exact=True)).to_be_visible()
    check_accessibility(page)
    sign_in(page, live_server.create_user("leader"))
    page.goto("/quan-tri/bao-cao/?tu=31/02/2026")
    expect(page.locator("small.error", has_text="Vui lòng nhập ngày theo dạng dd/mm/yyyy")).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Từ ngày").fill("01/01/2026")
    page.get_by_label("Đến ngày").fill("2026-12-31")
    page.get_by_role("button", name="Xem số liệu").click()
    expect(page.get_by_role("heading", name="Từ 01/01/2026 đến 31/12/2026")).to_be_visible()
