"""`flask procedures import FILE`: CSV and JSON, idempotent by code, bad rows
reported and skipped, a broken file refused whole; the open-data export comes
back through the importer unchanged."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from wardsite.audit import AuditEntry
from wardsite.extensions import db
from wardsite.procedures.models import Procedure
from wardsite.procedures.services import ProcedureData

BIRTH = {
    "code": "1.001193",
    "decision_number": "1085/QĐ-BTP",
    "name": "Đăng ký khai sinh",
    "sector": "Hộ tịch",
    "online": "full",
    "same_day": True,
    "published": True,
    "last_checked_on": "2026-11-01",
    "steps": ["Bước 1: Chuẩn bị tờ khai.", "Bước 2: Nộp hồ sơ."],
    "documents": [{"name": "Giấy chứng sinh", "originals": 1, "copies": 0, "template_url": ""}],
    "channels": [{"kind": "in_person", "processing_time": "Trong ngày", "fee": "Miễn phí", "note": ""}],
}
DEATH = {"code": "1.000656", "name": "Đăng ký khai tử", "sector": "Hộ tịch", "published": "true"}

CSV_GOOD = (
    "code,name,sector,online,same_day,published,last_checked_on,steps,documents,channels\n"
    '1.001193,Đăng ký khai sinh,Hộ tịch,full,có,true,01/11/2026,"Bước 1: Chuẩn bị tờ khai.\nBước 2: Nộp hồ sơ.",'
    '"Giấy chứng sinh | 1 | 0 | \nTờ khai | 1 | 0 | https://dichvucong.gov.vn/mau","in_person | Trong ngày | Miễn phí | "\n'
    "2.000815,Chứng thực bản sao từ bản chính,Chứng thực,none,x,1,,,,\n"
)


def write(tmp_path, name: str, content) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return str(path)


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Procedure))


def test_import_a_good_json_file_then_again(runner, app, client, tmp_path):
    path = write(tmp_path, "thu-tuc.json", {"procedures": [BIRTH, DEATH]})
    result = runner.invoke(args=["procedures", "import", path])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 unchanged, 0 rejected" in result.output
    page = client.get("/thu-tuc/1.001193").get_data(as_text=True)
    assert "Giấy chứng sinh" in page and "Bước 2: Nộp hồ sơ." in page
    # Idempotent: the same file again changes nothing.
    again = runner.invoke(args=["procedures", "import", path])
    assert "0 created, 0 updated, 2 unchanged, 0 rejected" in again.output
    assert count(app) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "procedure.created")) == 2
    # A changed row updates the procedure found by its code.
    changed = dict(BIRTH, name="Đăng ký khai sinh cho trẻ em", steps=["Một bước duy nhất."])
    result = runner.invoke(args=["procedures", "import", write(tmp_path, "b.json", [changed])])
    assert "0 created, 1 updated" in result.output
    assert "Một bước duy nhất." in client.get("/thu-tuc/1.001193").get_data(as_text=True)
    assert count(app) == 2


def test_import_a_good_csv_file(runner, app, client, tmp_path):
    result = runner.invoke(args=["procedures", "import", write(tmp_path, "thu-tuc.csv", CSV_GOOD)])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    with app.app_context():
        birth = db.session.scalar(select(Procedure).where(Procedure.code == "1.001193"))
        assert [step.text for step in birth.steps] == ["Bước 1: Chuẩn bị tờ khai.", "Bước 2: Nộp hồ sơ."]
        assert [(d.name, d.originals, d.template_url) for d in birth.documents] == [
            ("Giấy chứng sinh", 1, ""), ("Tờ khai", 1, "https://dichvucong.gov.vn/mau")
        ]
        assert birth.channels[0].fee == "Miễn phí" and birth.same_day and birth.last_checked_on.isoformat() == "2026-11-01"
    assert client.get("/thu-tuc/?q=chung thuc ban sao").status_code == 200


def test_bad_rows_are_reported_and_skipped(runner, app, tmp_path):
    rows = [
        BIRTH,
        {"code": "1.00119", "name": "Mã sai"},
        {"code": "1.000656", "name": ""},
        {"code": "1.004873", "name": "Sai trực tuyến", "online": "muc-do-4"},
        {"code": "1.004884", "name": "Sai ngày", "last_checked_on": "31/02/2026"},
        {"code": "1.004859", "name": "Sai giấy tờ", "documents": [{"name": "Tờ khai", "copies": "hai"}]},
        {"code": "1.004837", "name": "Sai đường dẫn", "documents": [{"name": "Tờ khai", "template_url": "javascript:alert(1)"}]},
        dict(BIRTH, name="Trùng mã trong tệp"),
        {"code": "1.001022", "name": "Sai cờ", "published": "có lẽ"},
        DEATH,
    ]
    result = runner.invoke(args=["procedures", "import", write(tmp_path, "bad.json", rows)])
    assert result.exit_code == 1
    output = result.output
    assert "2 created, 0 updated, 0 unchanged, 8 rejected" in output
    assert "rejected row 2 (1.00119): code '1.00119' is not like 1.001193" in output
    assert "rejected row 3 (1.000656): name is empty" in output
    assert "rejected row 4 (1.004873): online must be one of full, partial, none" in output
    assert "rejected row 5 (1.004884): last_checked_on must be a date" in output
    assert "rejected row 6 (1.004859): document 1 ('Tờ khai'): copies must be a whole number" in output
    assert "rejected row 7 (1.004837): document 1 ('Tờ khai'): template_url must be a web address" in output
    assert "rejected row 8 (1.001193): code 1.001193 appears twice in the file" in output
    assert "rejected row 9 (1.001022): published must be true or false" in output
    assert count(app) == 2


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("broken.json", '{"procedures": [{"code": "1.001193", "name": "Đăng ký khai sinh"},', "not valid JSON"),
        ("object.json", '{"code": "1.001193"}', "JSON must be a list"),
        ("numbers.json", "[1, 2]", "record 1 is not a JSON object"),
        ("header.csv", "ma,ten\n1.001193,Đăng ký khai sinh\n", "lacks the column(s) code, name"),
        ("cells.csv", "code,name\n1.001193,Đăng ký khai sinh,thừa\n", "line 2 has more cells than the header"),
        ("quote.csv", 'code,name\n1.001193,"Đăng ký khai sinh\n', "not valid CSV"),
        ("latin.csv", None, "is not UTF-8"),
        ("table.ods", "code,name\n", "must end in .json, .csv or .xlsx"),
    ],
)
def test_a_malformed_file_is_refused_whole(runner, app, tmp_path, name, content, reason):
    path = tmp_path / name
    if content is None:
        path.write_bytes("code,name\n1.001193,Đăng ký khai sinh\n".encode("cp1258", errors="replace") + b"\xff\xfe")
    else:
        path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["procedures", "import", str(path)])
    assert result.exit_code != 0
    assert reason in result.output
    assert "Nothing was imported." in result.output
    assert count(app) == 0


def test_missing_file(runner, tmp_path):
    result = runner.invoke(args=["procedures", "import", str(tmp_path / "khong-co.json")])
    assert result.exit_code != 0 and "does not exist" in result.output


def test_dry_run_saves_nothing(runner, app, tmp_path):
    result = runner.invoke(args=["procedures", "import", "--dry-run", write(tmp_path, "a.json", [BIRTH])])
    assert "Checked (dry run, nothing saved): 1 created" in result.output
    assert count(app) == 0


def _snapshot(app) -> dict[str, ProcedureData]:
    with app.app_context():
        return {p.code: ProcedureData.of(p) for p in db.session.scalars(select(Procedure).where(Procedure.published.is_(True)))}


@pytest.mark.parametrize("extension", ["json", "csv"])
def test_export_round_trips_through_the_importer(runner, app, client, tmp_path, extension):
    from wardsite.procedures import demo

    with app.app_context():
        demo.load(logins=[], make_password=lambda: "x")
        db.session.commit()
    before = _snapshot(app)
    exported = client.get(f"/thu-tuc/export.{extension}").get_data(as_text=True)
    path = write(tmp_path, f"export.{extension}", exported)
    # Importing the export over the same catalogue changes nothing...
    result = runner.invoke(args=["procedures", "import", path])
    assert f"0 created, 0 updated, {len(before)} unchanged, 0 rejected" in result.output
    # ...and into an empty catalogue gives back the same records.
    with app.app_context():
        for procedure in db.session.scalars(select(Procedure)):
            db.session.delete(procedure)
        db.session.commit()
    result = runner.invoke(args=["procedures", "import", path])
    assert f"{len(before)} created, 0 updated, 0 unchanged, 0 rejected" in result.output
    assert _snapshot(app) == before
    assert client.get(f"/thu-tuc/export.{extension}").get_data(as_text=True) == exported
