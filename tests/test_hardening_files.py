"""Issue 14's findings on files: a decompression bomb posted as a news cover is
refused from its header, without being decoded (finding 7); and every CSV and
workbook the site writes shows a name such as =HYPERLINK(…) as text, never as a
formula (finding 8), while the procedures' CSV still reads back to the same records."""

from __future__ import annotations

import csv
import io
import struct
import time
import zipfile
import zlib
from datetime import time as clock
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from PIL import ImageFile
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.factories import article_form, text_of
from tests.test_stats import build_figures
from wardsite import spreadsheets, uploads
from wardsite.admin.models import ResidentialGroup, WardSettings
from wardsite.extensions import db
from wardsite.news.models import Article
from wardsite.procedures.models import Procedure, Sector
from wardsite.procedures.services import ProcedureData
from wardsite.roster.models import Assignment
from wardsite.stations.models import Station
from wardsite.timeutil import local_today
from wardsite.volunteers.models import Volunteer

# Decompression bombs (finding 7) ----------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(side: int = 13_376) -> bytes:
    """A valid PNG of side × side transparent RGBA pixels, a few hundred KB on the
    wire and 716 MB once decoded; compressed a row at a time, never held whole."""
    row = b"\0" * (1 + 4 * side)  # filter byte "none", then the pixels
    # 64 rows deflated once and flushed to a block boundary, then that block
    # repeated: a valid stream (no block refers back past a full flush), built in
    # a fraction of a second where deflating 716 MB would take seconds.
    rows_per_block = 64
    assert side % rows_per_block == 0
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(row * rows_per_block) + packer.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(side):
        checksum = zlib.adler32(row, checksum)
    idat = b"\x78\xda" + block * (side // rows_per_block) + packer.flush(zlib.Z_FINISH) + struct.pack(">I", checksum)
    header = struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0)  # 8 bits, RGBA
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


REFUSAL = "Ảnh có quá nhiều điểm ảnh: tối đa 25 triệu (ví dụ 6000 × 4000). Vui lòng thu nhỏ ảnh rồi tải lên lại."


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return bomb_png()


def test_the_bomb_is_what_the_attack_posted(bomb):
    small = bomb_png(128)
    assert zlib.decompress(small[small.index(b"IDAT") + 4 : small.index(b"IEND") - 8]) == b"\0" * 128 * (1 + 4 * 128)
    assert len(bomb) < 1024 * 1024  # under the 5 MB cover limit by far
    # 178.9 million pixels: under twice Pillow's default limit (89.5 million), so only warned about before.
    assert 89_478_485 < 13_376 * 13_376 < 2 * 89_478_485
    assert 13_376 * 13_376 > 7 * uploads.MAX_PIXELS


def test_a_decompression_bomb_cover_is_refused_from_its_header(client, app, login, bomb, monkeypatch):
    decoded = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: (image.tile and decoded.append(image.size)) or real_load(image))
    login("editor")
    started = time.perf_counter()
    upload = FileStorage(io.BytesIO(bomb), "bom.png", content_type="image/png")
    # Encoded in memory: the test client would otherwise spool it to a temporary file it never closes.
    boundary, body = encode_multipart(MultiDict({**article_form(title="Bài có ảnh bom"), "cover": upload}))
    response = client.post("/quan-tri/tin-tuc/moi", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    elapsed = time.perf_counter() - started
    page = text_of(response)
    assert response.status_code == 200
    assert REFUSAL in page
    assert 'value="Bài có ảnh bom"' in page  # the form comes back as typed
    assert decoded == []  # refused from the header: no pixel was decompressed
    assert elapsed < 2
    with app.app_context():
        assert db.session.scalar(select(Article)) is None


@pytest.mark.parametrize("side", [5001, 7000, 9500])
def test_images_just_over_the_limit_and_over_twice_it_are_refused_alike(app, side):
    # Pillow warns between MAX_IMAGE_PIXELS and twice it and raises above: both are the same refusal.
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"")) + _chunk(b"IEND", b"")
    upload = io.BytesIO(png)
    with app.test_request_context(), pytest.raises(uploads.ImageRejected, match="25"):
        uploads.save_image(upload, max_bytes=5 * 1024 * 1024, max_side=1200)


def test_a_cover_and_its_thumbnail_decode_the_upload_once(client, app, login, monkeypatch):
    from PIL import Image

    decoded = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: (image.tile and decoded.append(image.size)) or real_load(image))
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), (11, 79, 156)).save(buffer, "JPEG")  # a 12-megapixel phone photo
    buffer.seek(0)
    login("editor")
    response = client.post(
        "/quan-tri/tin-tuc/moi", data=article_form(cover=(buffer, "anh.jpg")), content_type="multipart/form-data"
    )
    assert response.status_code == 303
    assert decoded == [(4000, 3000)]
    with app.app_context():
        article = db.session.scalar(select(Article))
        assert article.cover_filename and article.cover_thumb_filename
    with Image.open(app.config["UPLOAD_FOLDER"] + "/" + article.cover_thumb_filename) as thumb:
        assert thumb.size == (480, 360)
    with Image.open(app.config["UPLOAD_FOLDER"] + "/" + article.cover_filename) as cover:
        assert cover.size == (1200, 900)


# Formula injection (finding 8) ------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://phish.invalid/","Xem")',
    "+84 987 000 111",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
HYPERLINK = FORMULAS[0]


def neutralised(cell: str) -> bool:
    return cell.startswith("'") and cell[1:].startswith(spreadsheets.FORMULA_STARTS)


def csv_cells(response) -> list[str]:
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"), newline="")))
    return [cell for row in table for cell in row]


def assert_no_formula(cells: list[str]) -> None:
    for cell in cells:
        assert not cell.startswith(spreadsheets.FORMULA_STARTS), cell


@pytest.mark.parametrize("text", [*FORMULAS, "'already quoted", "''twice", "'=quoted formula", "plain", "", "-"])
def test_the_csv_quote_is_undone_exactly(text):
    written = spreadsheets.csv_cell(text)
    assert not written.startswith(spreadsheets.FORMULA_STARTS)
    assert spreadsheets.undo_csv_cell(written) == text


def test_numbers_stay_numbers():
    assert spreadsheets.csv_row([-3, 2.5, "x"]) == [-3, 2.5, "x"]


@pytest.fixture
def formula_names(app):
    """The report's data set with every name a formula: stations, groups,
    procedures, sectors, volunteers and the ward itself."""
    with app.app_context():
        build_figures()
        for model in (Station, ResidentialGroup, Procedure, Sector, Volunteer):
            for number, row in enumerate(db.session.scalars(select(model)), start=1):
                row.name = f"{FORMULAS[number % len(FORMULAS)]} {model.__name__} {number}"
        db.session.scalars(select(Volunteer)).first().name = HYPERLINK
        ward = WardSettings.current()
        ward.name = HYPERLINK
        db.session.add(ward)
        db.session.commit()


REPORT_RANGE = "tu=15/12/2025&den=15/02/2026"


def test_every_report_csv_quotes_formula_names(client, login, formula_names):
    from wardsite.stats.routes import bp  # noqa: F401  (the keys come from the report itself)
    from wardsite.stats import reports
    from datetime import date

    login("leader")
    with client.application.test_request_context():
        keys = [b.key for b in reports.build_report(date(2025, 12, 15), date(2026, 2, 15)).breakdowns]
    assert len(keys) == 6
    seen = 0
    for key in keys:
        cells = csv_cells(client.get(f"/quan-tri/bao-cao/{key}.csv?{REPORT_RANGE}"))
        assert_no_formula(cells)
        seen += sum(neutralised(cell) for cell in cells)
        if key == "gio-tinh-nguyen":
            assert "'" + HYPERLINK in cells
    assert seen >= 10  # stations, groups, procedures, sectors and volunteers all came out quoted


def test_the_report_workbook_writes_formula_names_as_text(client, login, formula_names):
    login("leader")
    response = client.get(f"/quan-tri/bao-cao/bao-cao.xlsx?{REPORT_RANGE}")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        sheets = [archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)  # no formula anywhere
    book = load_workbook(io.BytesIO(response.data))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(spreadsheets.FORMULA_STARTS):
                    assert cell.data_type == "s" and cell.quotePrefix, (sheet.title, cell.coordinate)
                    texts.append(cell.value)
    assert HYPERLINK in texts  # shown as typed, the ward's name and the volunteer's
    assert len(texts) >= 10


def test_the_hours_csv_quotes_formula_names(app, client, login):
    from tests.test_volunteers import make_shift, make_volunteer

    with app.app_context():
        day = local_today() - timedelta(days=1)
        volunteer = make_volunteer(HYPERLINK)
        volunteer.branch = "@SUM(1+1)"
        shift = make_shift(day, start=clock(8), end=clock(11), published=True)
        db.session.add(Assignment(shift=shift, volunteer=volunteer, attendance="present"))
        db.session.commit()
    login("leader")
    response = client.get(f"/quan-tri/lich-truc/gio-truc?thang={day:%Y-%m}&dang=csv")
    cells = csv_cells(response)
    assert_no_formula(cells)
    assert "'" + HYPERLINK in cells and "'@SUM(1+1)" in cells


def test_the_procedures_csv_quotes_formulas_and_reads_back_the_same(app, client, runner, make_procedure, tmp_path):
    make_procedure(
        "1.000001", HYPERLINK, sector="@Hộ tịch", check_note="+84 987 000 111", applicants="-2+3",
        authority="'Ủy ban'", result="-", requirements="'=quoted",
    )
    make_procedure("1.000002", "Đăng ký khai sinh", legal_basis="=cmd|' /C calc'!A0")
    exported = client.get("/thu-tuc/export.csv").get_data(as_text=True)
    cells = csv_cells(client.get("/thu-tuc/export.csv"))
    assert_no_formula(cells)
    assert "'" + HYPERLINK in cells and "'@Hộ tịch" in cells and "''=quoted" in cells and "''Ủy ban'" in cells

    def snapshot():
        with app.app_context():
            return {p.code: ProcedureData.of(p) for p in db.session.scalars(select(Procedure))}

    before = snapshot()
    assert before["1.000001"].name == HYPERLINK
    path = tmp_path / "thu-tuc.csv"
    path.write_text(exported, encoding="utf-8")
    assert "0 created, 0 updated, 2 unchanged, 0 rejected" in runner.invoke(args=["procedures", "import", str(path)]).output
    with app.app_context():
        for procedure in db.session.scalars(select(Procedure)):
            db.session.delete(procedure)
        db.session.commit()
    assert "2 created, 0 updated, 0 unchanged, 0 rejected" in runner.invoke(args=["procedures", "import", str(path)]).output
    assert snapshot() == before
    assert client.get("/thu-tuc/export.csv").get_data(as_text=True) == exported


def test_no_export_is_left_out(app):
    """A new .csv or .xlsx route must be added to the tests above."""
    covered = {"stats.report_csv", "stats.report_workbook_download", "procedures.export_csv"}
    exports = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.endswith((".csv", ".xlsx", ".xls", ".ods", ".tsv"))}
    assert exports == covered
