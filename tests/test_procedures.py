"""The procedure catalogue as a resident meets it: searching without accents,
filtering, the procedure page, the printable sheet and the open data."""

from __future__ import annotations

import json

import pytest

from tests.factories import titles
from wardsite.extensions import db


@pytest.mark.parametrize("query", ["dang ky khai sinh", "Đăng ký khai sinh", "DANG KY KHAI SINH", "khai sinh", "  KHAI   sinh "])
def test_search_ignores_case_and_accents(client, catalogue, query):
    response = client.get("/thu-tuc/", query_string={"q": query})
    assert response.status_code == 200
    assert titles(response)[0] == "Đăng ký khai sinh"


def test_d_with_stroke_is_found_by_d(client, catalogue):
    assert "Đăng ký khai tử" in titles(client.get("/thu-tuc/?q=dang ky khai tu"))
    assert "Đăng ký khai tử" in titles(client.get("/thu-tuc/?q=đăng ký khai tử"))


def test_name_matches_rank_above_body_matches(client, catalogue):
    found = titles(client.get("/thu-tuc/?q=khai sinh"))
    assert found == ["Đăng ký khai sinh", "Đăng ký lại khai sinh", "Cấp Giấy xác nhận tình trạng hôn nhân"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("1.001193", ["Đăng ký khai sinh"]),
        ("1.0046", []),
        ("2.000815", ["Chứng thực bản sao từ bản chính"]),
        ("1.001699", ["Xác định mức độ khuyết tật"]),
        ("1.001699.000.00.00.h17", ["Xác định mức độ khuyết tật"]),
    ],
)
def test_a_code_finds_its_procedure(client, catalogue, query, expected):
    assert titles(client.get("/thu-tuc/", query_string={"q": query})) == expected


def test_drafts_are_not_found_nor_shown(client, catalogue):
    assert titles(client.get("/thu-tuc/?q=thuong tru")) == []
    assert client.get("/thu-tuc/1.004222").status_code == 404
    assert client.get("/thu-tuc/1.004222/in").status_code == 404


def test_empty_result_says_so_and_suggests_sectors(client, catalogue):
    page = client.get("/thu-tuc/?q=giay phep xay dung").get_data(as_text=True)
    assert "Không tìm thấy thủ tục nào." in page
    assert 'href="/thu-tuc/?linh-vuc=chung-thuc"' in page
    assert "Hộ tịch (" in page


def test_filters_by_sector_and_online_level(client, catalogue):
    assert titles(client.get("/thu-tuc/?linh-vuc=chung-thuc")) == ["Chứng thực bản sao từ bản chính"]
    full = titles(client.get("/thu-tuc/?truc-tuyen=toan-trinh"))
    assert sorted(full) == ["Đăng ký khai sinh", "Đăng ký khai tử"]
    assert titles(client.get("/thu-tuc/?truc-tuyen=mot-phan&q=khai sinh")) == ["Đăng ký lại khai sinh"]


@pytest.mark.parametrize(
    "query_string",
    [
        "trang=abc", "trang=-5", "trang=99999999999999999999", "linh-vuc=khong-co", "truc-tuyen=muc-do-4",
        "q=%25", "q=_", "q=" + "a" * 5000, "q=%00%01", "q=1.", "q=' OR 1=1 --", "linh-vuc=" + "x" * 500,
    ],
)
def test_garbage_query_parameters_never_fail(client, catalogue, query_string):
    response = client.get(f"/thu-tuc/?{query_string}")
    # Ignored, or a page past the end: never an error.
    assert response.status_code == (404 if query_string.startswith("trang=9") else 200)


def test_a_page_past_the_end_is_not_found(client, catalogue):
    assert client.get("/thu-tuc/?trang=50").status_code == 404


def test_results_are_paginated(client, make_procedure):
    for number in range(45):
        make_procedure(f"1.{900000 + number:06d}", f"Thủ tục thử số {number:02d}")
    first = client.get("/thu-tuc/?q=thu tuc thu")
    assert len(titles(first)) == 20
    assert "Tìm thấy 45 thủ tục" in first.get_data(as_text=True)
    assert "Trang 1 / 3" in first.get_data(as_text=True) or "trang=2" in first.get_data(as_text=True)
    third = client.get("/thu-tuc/?q=thu tuc thu&trang=3")
    assert len(titles(third)) == 5


def test_htmx_search_gets_only_the_results(client, catalogue):
    response = client.get(
        "/thu-tuc/?q=khai sinh", headers={"HX-Request": "true", "HX-Target": "procedure-results", "HX-Current-URL": "http://localhost/thu-tuc/"}
    )
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert "Tìm thấy 3 thủ tục cho «khai sinh»." in body
    assert "HX-Request" in response.headers["Vary"]
    # The same address without htmx is the whole page with the same results.
    page = client.get("/thu-tuc/?q=khai sinh")
    assert "<html" in page.get_data(as_text=True) and titles(page) == titles(response)


def test_procedure_page_has_what_a_resident_needs(client, catalogue):
    response = client.get("/thu-tuc/1.001193")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Đăng ký khai sinh</h1>" in page
    # A checklist of papers with labels, numbered steps, time and fee.
    assert ('<label for="paper-0" class="procedure-paper"><input type="checkbox" id="paper-0"> '
            '<span class="procedure-text">Tờ khai đăng ký khai sinh</span></label>') in page
    assert '<ol class="procedure-steps">' in page and '<div class="procedure-text">Bước 2: Nộp hồ sơ tại bộ phận một cửa.</div>' in page
    assert "Trong ngày" in page and "Miễn phí nếu đúng hạn" in page
    assert "Giải quyết trong ngày, không phải hẹn" in page
    # Where: the portal link for the code, and the post.
    assert "https://dichvucong.gov.vn/p/home/dvc-chi-tiet-thu-tuc-hanh-chinh.html?ma_thu_tuc=1.001193" in page
    assert "bạn có thể nhận kết quả qua bưu điện." in page
    # Checked against the portal, with the warning note.
    assert "Thông tin được đối chiếu với Cổng dịch vụ công quốc gia ngày 01/07/2025." in page
    assert "Dữ liệu mẫu: cần đối chiếu." in page
    # The volunteer booking opens with this procedure chosen.
    assert 'href="/dat-lich/?thu-tuc=1.001193"' in page
    assert "Đặt lịch tình nguyện viên giúp tôi làm trực tuyến" in page


def test_unknown_or_malformed_codes_are_not_found(client, catalogue):
    for code in ["9.999999", "abc", "1.001193x", "%20", "1.001193.000"]:
        assert client.get(f"/thu-tuc/{code}").status_code == 404


def test_print_sheet_is_one_page_without_navigation(client, catalogue, app):
    from wardsite.admin.models import WardSettings

    with app.app_context():
        db.session.add(WardSettings(id=1, name="Phường Hòa Phong"))
        db.session.commit()
    response = client.get("/thu-tuc/1.001193/in")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Đăng ký khai sinh</h1>" in page
    assert "Phường Hòa Phong" in page
    assert "Thông tin được đối chiếu với Cổng dịch vụ công quốc gia ngày 01/07/2025." in page
    assert "<nav" not in page and "site-header" not in page and "<script" not in page
    assert "procedure-box" in page  # empty boxes to tick on paper
    assert "In ngày" in page


def test_english_is_available(client, catalogue):
    client.set_cookie("lang", "en")
    page = client.get("/thu-tuc/1.001193").get_data(as_text=True)
    assert "Papers to bring" in page and "Book a volunteer to help me do this online" in page


def test_home_page_and_menu_lead_to_the_catalogue(client, catalogue):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/thu-tuc/"' in page
    assert "Tra cứu thủ tục" in page


def test_sitemap_lists_published_procedures(client, catalogue):
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/thu-tuc/1.001193</loc>" in sitemap
    assert "1.004222" not in sitemap


def test_export_lists_published_procedures_only(client, catalogue):
    response = client.get("/thu-tuc/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    records = json.loads(response.get_data(as_text=True))["procedures"]
    codes = [record["code"] for record in records]
    assert "1.001193" in codes and "1.004222" not in codes
    birth = next(record for record in records if record["code"] == "1.001193")
    assert birth["steps"][0] == "Bước 1: Chuẩn bị tờ khai."
    assert birth["documents"][0] == {
        "name": "Tờ khai đăng ký khai sinh", "template_url": "https://dichvucong.gov.vn/mau", "originals": 1, "copies": 0,
        "group": "", "is_note": False, "template_name": "", "scans": 0,
    }
    assert birth["online"] == "full" and birth["last_checked_on"] == "2025-07-01"
    csv_response = client.get("/thu-tuc/export.csv")
    assert csv_response.mimetype == "text/csv"
    text = csv_response.get_data(as_text=True)
    assert text.startswith("code,decision_number,name,sector,")
    assert "1.004222" not in text


def test_demo_catalogue_loads_every_ward_procedure(app, client):
    from wardsite.procedures import demo

    with app.app_context():
        demo.load(logins=[], make_password=lambda: "x")
        db.session.commit()
    records = json.loads(client.get("/thu-tuc/export.json").get_data(as_text=True))["procedures"]
    assert len(records) == len(demo.PROCEDURES) == 22
    assert all(record["check_note"] and record["last_checked_on"] for record in records)
    assert all(record["steps"] and record["documents"] and record["channels"] for record in records)
    assert titles(client.get("/thu-tuc/?q=khai sinh"))[0] == "Đăng ký khai sinh"
