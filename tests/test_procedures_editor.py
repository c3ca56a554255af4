"""Editors keep the catalogue true: create and edit procedures with ordered
lists of steps, papers and ways of filing (with and without htmx), publish,
unpublish, mark as checked; codes are validated; every change is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import titles
from wardsite.audit import AuditEntry
from wardsite.extensions import db
from wardsite.procedures.models import Procedure
from wardsite.timeutil import local_today


GOOD = {
    "code": "1.001193",
    "decision_number": "1085/QĐ-BTP",
    "name": "Đăng ký khai sinh",
    "sector_name": "Hộ tịch",
    "level": "ward",
    "online": "full",
    "same_day": "y",
    "applicants": "Cha, mẹ của trẻ.",
    "channels-0-kind": "in_person",
    "channels-0-processing_time": "Trong ngày",
    "channels-0-fee": "Miễn phí",
    "channels-0-note": "",
    "steps-0-text": "Bước 1: Chuẩn bị tờ khai.",
    "steps-1-text": "Bước 2: Nộp hồ sơ.",
    "documents-0-name": "Giấy chứng sinh",
    "documents-0-originals": "1",
    "documents-0-copies": "0",
    "documents-0-template_url": "",
    "last_checked_on": "2026-11-01",
    "check_note": "",
    "save": "1",
}


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def load(app, code: str) -> Procedure:
    with app.app_context():
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == code))
        procedure.steps, procedure.documents, procedure.channels, procedure.sector  # load while the session is open
        db.session.expunge(procedure)
        return procedure


def test_editor_creates_a_draft_then_publishes_it(client, login, app):
    login("editor")
    response = client.post("/quan-tri/thu-tuc/moi", data=GOOD)
    assert response.status_code == 303
    procedure = load(app, "1.001193")
    assert not procedure.published
    assert procedure.sector.name == "Hộ tịch" and procedure.same_day
    assert [step.text for step in procedure.steps] == ["Bước 1: Chuẩn bị tờ khai.", "Bước 2: Nộp hồ sơ."]
    assert procedure.documents[0].name == "Giấy chứng sinh" and procedure.documents[0].originals == 1
    assert procedure.channels[0].processing_time == "Trong ngày"
    assert procedure.name_folded == "dang ky khai sinh" and "giay chung sinh" in procedure.body_folded
    assert "Đã lưu thủ tục «Đăng ký khai sinh»." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/thu-tuc/1.001193").status_code == 200  # editors preview drafts

    response = client.post(f"/quan-tri/thu-tuc/{procedure.id}/dang")
    assert response.status_code == 303
    assert load(app, "1.001193").published
    assert audit_actions(app) == ["procedure.created", "procedure.published"]
    client.post("/dang-xuat")
    assert titles(client.get("/thu-tuc/?q=khai sinh")) == ["Đăng ký khai sinh"]


def test_editing_replaces_the_lists_and_refreshes_the_search_text(client, login, app, make_procedure):
    procedure_id = make_procedure("1.001193", "Đăng ký khai sinh", steps=["Cũ"])
    login("editor")
    page = client.get(f"/quan-tri/thu-tuc/{procedure_id}").get_data(as_text=True)
    assert 'value="Hộ tịch"' in page and "Cũ</textarea>" in page
    data = dict(GOOD, name="Đăng ký khai sinh cho trẻ em", **{"steps-0-text": "Mới"})
    del data["steps-1-text"]
    assert client.post(f"/quan-tri/thu-tuc/{procedure_id}", data=data).status_code == 303
    procedure = load(app, "1.001193")
    assert [step.text for step in procedure.steps] == ["Mới"]
    assert procedure.published  # editing keeps the published state
    assert titles(client.get("/thu-tuc/?q=tre em")) == ["Đăng ký khai sinh cho trẻ em"]
    assert audit_actions(app) == ["procedure.updated"]


@pytest.mark.parametrize("code", ["1001193", "1.00119", "1.0011933", "A.001193", "1.001193.H17", "1.001193.000.00.00.17", "1.001193\n1", ""])
def test_bad_codes_are_refused_next_to_the_field(client, login, app, code):
    login("editor")
    response = client.post("/quan-tri/thu-tuc/moi", data=dict(GOOD, code=code))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("Mã thủ tục có dạng 1.001193" in page) or ("Vui lòng nhập mã thủ tục." in page)
    assert 'id="code-error"' in page
    assert "Bước 1: Chuẩn bị tờ khai." in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(Procedure.id)) is None


def test_provincial_suffix_is_accepted(client, login, app):
    login("editor")
    assert client.post("/quan-tri/thu-tuc/moi", data=dict(GOOD, code="1.001699.000.00.00.H17")).status_code == 303


def test_a_duplicate_code_is_refused_with_a_clear_message(client, login, app, make_procedure):
    make_procedure("1.001193", "Đăng ký khai sinh")
    other = make_procedure("1.000656", "Đăng ký khai tử")
    login("editor")
    response = client.post("/quan-tri/thu-tuc/moi", data=GOOD)
    assert response.status_code == 200
    assert "Đã có thủ tục khác dùng mã 1.001193." in response.get_data(as_text=True)
    response = client.post(f"/quan-tri/thu-tuc/{other}", data=dict(GOOD, name="Đăng ký khai tử"))
    assert "Đã có thủ tục khác dùng mã 1.001193." in response.get_data(as_text=True)
    assert audit_actions(app) == []


def test_bad_input_in_the_lists_gets_messages_not_errors(client, login, app):
    login("editor")
    data = dict(GOOD, **{"documents-0-originals": "hai", "documents-0-template_url": "javascript:alert(1)", "steps-1-text": "  ",
                        "channels-0-kind": "bay", "last_checked_on": "31/02/2026"})
    response = client.post("/quan-tri/thu-tuc/moi", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Vui lòng nhập một số nguyên, ví dụ 1." in page
    assert "Vui lòng nhập địa chỉ trang web bắt đầu bằng https://" in page
    assert "Vui lòng ghi nội dung bước này, hoặc xóa bước đi." in page
    assert "Vui lòng chọn một cách nộp trong danh sách." in page
    assert "Vui lòng nhập ngày, ví dụ 22/11/2026." in page
    assert 'value="hai"' in page


@pytest.mark.parametrize(
    "op, steps",
    [
        ("steps-add", ["A", "B", "C", ""]),
        ("steps-remove-1", ["A", "C"]),
        ("steps-up-2", ["A", "C", "B"]),
        ("steps-down-0", ["B", "A", "C"]),
        ("steps-up-0", ["A", "B", "C"]),
        ("steps-down-2", ["A", "B", "C"]),
        ("steps-remove-9", ["A", "B", "C"]),
    ],
)
def test_list_buttons_work_without_javascript(client, login, app, op, steps):
    login("editor")
    data = dict(GOOD, **{"steps-0-text": "A", "steps-1-text": "B", "steps-2-text": "C", "op": op})
    del data["save"]
    response = client.post("/quan-tri/thu-tuc/moi", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" in page
    shown = [text for _, text in sorted(
        (int(n), t.strip()) for n, t in __import__("re").findall(r'name="steps-(\d+)-text"[^>]*>([^<]*)</textarea>', page)
    )]
    assert shown == steps
    assert "Bước %d" % len(steps) in page  # each step has its own label
    with app.app_context():
        assert db.session.scalar(select(Procedure.id)) is None  # nothing saved yet


def test_list_buttons_with_htmx_swap_only_the_lists(client, login):
    login("editor")
    data = dict(GOOD, op="documents-add")
    response = client.post("/quan-tri/thu-tuc/moi", data=data, headers={"HX-Request": "true", "HX-Target": "procedure-lists"})
    page = response.get_data(as_text=True)
    assert "<html" not in page and 'id="procedure-lists"' in page
    assert 'name="documents-1-name"' in page and "Giấy tờ 2: tên" in page


def test_unknown_list_action_is_a_bad_request(client, login):
    login("editor")
    assert client.post("/quan-tri/thu-tuc/moi", data=dict(GOOD, op="steps-explode-1")).status_code == 400


def test_unpublish_and_mark_checked(client, login, app, make_procedure):
    from datetime import date

    procedure_id = make_procedure("1.001193", "Đăng ký khai sinh", check_note="Dữ liệu mẫu.", last_checked_on=date(2025, 7, 1))
    login("editor")
    assert client.post(f"/quan-tri/thu-tuc/{procedure_id}/da-kiem-tra").status_code == 303
    procedure = load(app, "1.001193")
    assert procedure.last_checked_on == local_today() and procedure.check_note == ""
    response = client.post(f"/quan-tri/thu-tuc/{procedure_id}/go-xuong", data={"back": "/quan-tri/thu-tuc/?trang-thai=nhap"})
    assert response.headers["Location"] == "/quan-tri/thu-tuc/?trang-thai=nhap"
    assert not load(app, "1.001193").published
    assert audit_actions(app) == ["procedure.checked", "procedure.unpublished"]
    assert client.post(f"/quan-tri/thu-tuc/{procedure_id}/dang", data={"back": "https://evil.example/"}).headers["Location"] == "/quan-tri/thu-tuc/"


def test_editor_list_filters_and_counts(client, login, catalogue):
    login("editor")
    page = client.get("/quan-tri/thu-tuc/").get_data(as_text=True)
    assert "Đang đăng: 6 · Bản nháp: 1" in page
    drafts = client.get("/quan-tri/thu-tuc/?trang-thai=nhap").get_data(as_text=True)
    assert "Đăng ký thường trú (bản nháp)" in drafts and "Đăng ký khai sinh" not in drafts
    assert "Đăng ký khai sinh" in client.get("/quan-tri/thu-tuc/?q=khai sinh").get_data(as_text=True)
    assert client.get("/quan-tri/thu-tuc/?trang-thai=xyz&trang=abc").status_code == 200


def test_unknown_ids_are_not_found(client, login):
    login("editor")
    for url in ["/quan-tri/thu-tuc/99", "/quan-tri/thu-tuc/99999999999999"]:
        assert client.get(url).status_code == 404
    assert client.post("/quan-tri/thu-tuc/99/dang").status_code == 404


@pytest.mark.parametrize("role", ["leader", "volunteer"])
def test_other_staff_cannot_edit(client, login, make_procedure, role):
    procedure_id = make_procedure("1.001193", "Đăng ký khai sinh")
    login(role)
    assert client.post(f"/quan-tri/thu-tuc/{procedure_id}", data=GOOD).status_code == 403
    assert client.get("/thu-tuc/1.001193").get_data(as_text=True).count("/quan-tri/thu-tuc/") == 0


def test_dashboard_lists_procedures_to_check(client, login, make_procedure):
    from datetime import date

    make_procedure("1.001193", "Đăng ký khai sinh", last_checked_on=date(2020, 1, 1))
    make_procedure("1.000656", "Đăng ký khai tử", last_checked_on=local_today())
    login("editor")
    page = client.get("/quan-tri/").get_data(as_text=True)
    assert "1.001193 Đăng ký khai sinh" in page and "1.000656" not in page
