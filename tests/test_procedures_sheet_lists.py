"""The portal's "Danh sách TTHC" Excel lists import as drafts to complete, and
the notice-board sheet (/thu-tuc/<code>/in) of a real record holds its summary,
its papers to tick (shortened visibly when one page cannot hold them) and a QR
code to the whole page."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from wardsite.extensions import db
from wardsite.procedures.models import Procedure
from wardsite.procedures.sheet import ELLIPSIS, shorten

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "tthc"
TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập – Tự do – Hạnh phúc\n\nDANH SÁCH THỦ TỤC HÀNH CHÍNH\n"
HEADER = ("Mã số", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực")


def write_list(path: Path, rows: list[tuple]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách TTHC"
    sheet.append((TITLE, None, None, None, None))
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


ROWS = [
    ("3.000323", "Đăng ký giám sát việc giám hộ", "Bộ Tư pháp", "Ủy ban nhân dân cấp xã", "Hộ tịch"),
    ("1.002099", "Đăng ký hoạt động của chi nhánh của tổ chức hành nghề luật sư", "Bộ Tư pháp", "Sở Tư Pháp", "Luật sư"),
    ("1.115148", "Thủ tục tính hoặc tính lại tiền sử dụng đất", "Bộ Tài chính",
     "Ủy ban nhân dân cấp xã\nThuế tỉnh, thành phố\nThuế cơ sở", "Tài chính đất đai"),
]


def codes_and_states(app) -> dict[str, bool]:
    with app.app_context():
        return {p.code: p.published for p in db.session.scalars(select(Procedure))}


def test_a_list_imports_the_commune_level_as_drafts_and_again_changes_nothing(runner, app, client, tmp_path):
    path = write_list(tmp_path / "danh-sach.xlsx", ROWS)
    result = runner.invoke(args=["procedures", "import", str(path), "--publish"])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 unchanged, 0 rejected" in result.output
    # Drafts, even with --publish: a line of the list is not yet a page a resident can use.
    assert codes_and_states(app) == {"3.000323": False, "1.115148": False}
    assert client.get("/thu-tuc/3.000323").status_code == 404
    with app.app_context():
        draft = db.session.scalar(select(Procedure).where(Procedure.code == "1.115148"))
        assert draft.name == "Thủ tục tính hoặc tính lại tiền sử dụng đất" and draft.sector.name == "Tài chính đất đai"
        assert "Cơ quan thực hiện: Ủy ban nhân dân cấp xã\nThuế tỉnh, thành phố" in draft.authority
    again = runner.invoke(args=["procedures", "import", str(path)])
    assert "0 created, 0 updated, 2 unchanged, 0 rejected" in again.output
    every_level = runner.invoke(args=["procedures", "import", str(path), "--all-levels"])
    assert "1 created, 0 updated, 2 unchanged, 0 rejected" in every_level.output
    assert set(codes_and_states(app)) == {"3.000323", "1.115148", "1.002099"}


def test_a_list_never_overwrites_a_procedure_already_here(runner, app, tmp_path):
    record = tmp_path / "giam-ho.json"
    record.write_text('[{"code": "3.000323", "name": "Đăng ký giám sát việc giám hộ", "steps": ["Bước 1: Nộp tờ khai."], '
                      '"published": true}]', encoding="utf-8")
    assert runner.invoke(args=["procedures", "import", str(record)]).exit_code == 0
    result = runner.invoke(args=["procedures", "import", str(write_list(tmp_path / "ds.xlsx", ROWS[:1]))])
    assert "0 created, 0 updated, 1 unchanged" in result.output
    with app.app_context():
        kept = db.session.scalar(select(Procedure).where(Procedure.code == "3.000323"))
        assert kept.published and [s.text for s in kept.steps] == ["Bước 1: Nộp tờ khai."]


def test_a_workbook_that_is_not_the_portals_list_is_refused_whole(runner, app, tmp_path):
    path = tmp_path / "khac.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(("Họ tên", "Điện thoại"))
    workbook.save(path)
    result = runner.invoke(args=["procedures", "import", str(path)])
    assert result.exit_code != 0 and "has no header row Mã số, Tên" in result.output and "Nothing was imported." in result.output
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"not a workbook")
    result = runner.invoke(args=["procedures", "import", str(broken)])
    assert result.exit_code != 0 and "is not a readable Excel workbook" in result.output
    assert codes_and_states(app) == {}


@pytest.mark.skipif(not (DATA / "lists").is_dir(), reason="the portal's lists are not beside the tree")
def test_the_portals_own_lists_import_their_commune_level_procedures(runner, app):
    result = runner.invoke(args=["procedures", "import", str(DATA / "lists")])
    assert result.exit_code == 0, result.output
    created = int(re.search(r"(\d+) created", result.output).group(1))
    assert created > 200  # 277 of the 2,639 rows name a commune-level body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Procedure).where(Procedure.published.is_(True))) == 0
    assert f"0 created, 0 updated, {created} unchanged, 0 rejected" in runner.invoke(
        args=["procedures", "import", str(DATA / "lists")]).output


def test_shorten_cuts_at_a_word_and_says_so():
    assert shorten("Tờ khai  đăng ký\nkhai sinh", 100) == ("Tờ khai đăng ký khai sinh", False)
    text, cut = shorten("Giấy chứng sinh do cơ sở y tế nơi trẻ em sinh ra cấp", 30)
    assert cut and text.endswith(ELLIPSIS) and len(text) <= 30
    assert "Giấy chứng sinh do cơ sở y tế".startswith(text[:-1])


def sheet_text(client, code: str) -> tuple[str, str]:
    response = client.get(f"/thu-tuc/{code}/in")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page, " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.mark.skipif(not (DATA / "records").is_dir(), reason="the portal's records are not beside the tree")
def test_the_sheet_of_a_long_real_record_shortens_visibly_and_links_to_the_whole(runner, app, client):
    runner.invoke(args=["procedures", "import", str(DATA / "records" / "bo-tu-phap" / "1.001193.json"), "--publish"])
    page, text = sheet_text(client, "1.001193")
    assert '<img class="sheet-qr" src="data:image/svg+xml;base64,' in page
    assert "Quét mã QR hoặc mở http://localhost/thu-tuc/1.001193 để xem các bước" in text
    assert "Những dòng kết thúc bằng … đã được rút gọn trên tờ này." in text
    with app.app_context():
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == "1.001193"))
        papers = [" ".join(d.name.split()) for d in procedure.documents]
        steps = [" ".join(s.text.split()) for s in procedure.steps]
    # Every paper is there, from its beginning; a long one is cut with "…", never silently.
    for paper in papers:
        assert paper[:40] in text, paper[:40]
    shortened = [paper for paper in papers if paper not in text]
    assert shortened and all(paper[:40] in text for paper in shortened)
    assert text.count("…") >= len(shortened)
    # The steps are on the page, not on the sheet.
    assert steps[0][:60] not in text
    assert page.count('class="procedure-box"') == sum(1 for d in procedure.documents if not d.is_note)


def test_the_sheet_of_a_short_record_holds_every_paper_whole(client, catalogue):
    _page, text = sheet_text(client, "1.001193")
    assert "Tờ khai đăng ký khai sinh (1 bản chính)" in text and "Giấy chứng sinh (1 bản chính)" in text
    assert "rút gọn" not in text
    assert "Thời gian giải quyết Trong ngày" in text and "Phí, lệ phí Miễn phí nếu đúng hạn" in text


class _FormValues(HTMLParser):
    """What a browser would send for the page's main form: inputs, checked boxes, textareas, chosen options."""

    def __init__(self):
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values.append((a["name"], a.get("value") or ("y" if a.get("type") == "checkbox" else "")))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.values.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select":
            self._select = None


@pytest.mark.skipif(not (DATA / "records").is_dir(), reason="the portal's records are not beside the tree")
def test_an_editor_saving_an_imported_record_unchanged_loses_nothing(runner, app, client, login):
    from werkzeug.datastructures import MultiDict

    from wardsite.procedures.services import ProcedureData

    codes = ["1.002755", "1.001193", "1.013225"]  # groups and notes, the longest papers, 53 papers
    for code in codes:
        path = next((DATA / "records").rglob(f"{code}.json"))
        assert runner.invoke(args=["procedures", "import", str(path), "--publish"]).exit_code == 0
    with app.app_context():
        before = {p.code: (p.id, ProcedureData.of(p)) for p in db.session.scalars(select(Procedure))}
    login("editor")
    for code, (procedure_id, data) in before.items():
        parser = _FormValues()
        parser.feed(client.get(f"/quan-tri/thu-tuc/{procedure_id}").get_data(as_text=True))
        fields = MultiDict([(name, value) for name, value in parser.values if name not in ("q", "lang")])
        response = client.post(f"/quan-tri/thu-tuc/{procedure_id}", data=fields)
        assert response.status_code == 303, (code, re.findall(r'class="error"[^>]*>([^<]+)', response.get_data(as_text=True))[:3])
        with app.app_context():
            assert ProcedureData.of(db.session.get(Procedure, procedure_id)) == data, code
