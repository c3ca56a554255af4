"""The national portal's real ward-level records (../shared/data/tthc/records/):
they import whole through `flask procedures import PATH`, the flattened tables
split into papers, ways of filing, legal basis and results, a second run
changes nothing, the exports re-import to identical records, and each step's,
paper's and fee's whole text appears on the procedure's page."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from wardsite.extensions import db
from wardsite.procedures.models import Procedure
from wardsite.procedures.portal import parse_legal, to_import_record

RECORDS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "tthc" / "records"
pytestmark = pytest.mark.skipif(not RECORDS.is_dir(), reason="the portal's records are not beside the tree")


def _files() -> list[Path]:
    return sorted(RECORDS.rglob("*.json")) if RECORDS.is_dir() else []


def _subset() -> list[Path]:
    """25 varied records: the longest name, step and paper, the most papers and
    ways of filing, two known ones, and records spread over every ministry."""
    files = _files()
    if not files:
        return []
    records = {path: json.loads(path.read_text(encoding="utf-8")) for path in files}
    chosen = {
        max(files, key=lambda p: len(records[p]["ten_thu_tuc"])),
        max(files, key=lambda p: len(records[p]["trinh_tu_thuc_hien"])),
        max(files, key=lambda p: len(records[p]["thanh_phan_ho_so"])),
        max(files, key=lambda p: records[p]["thanh_phan_ho_so"].count(" bản ")),
        max(files, key=lambda p: len(re.findall("Trực tiếp|Trực tuyến|Dịch vụ bưu chính", records[p]["cach_thuc_thuc_hien"]))),
        RECORDS / "bo-cong-an" / "1.002755.json",
        RECORDS / "bo-tu-phap" / "1.000080.json",
    }
    for path in files[:: len(files) // 18]:
        if len(chosen) < 25:
            chosen.add(path)
    return sorted(chosen)


def copy_records(paths: list[Path], folder: Path) -> Path:
    for path in paths:
        target = folder / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return folder


def page_text(client, code: str) -> str:
    """What a reader sees: the page without its tags, spaces collapsed."""
    response = client.get(f"/thu-tuc/{code}")
    assert response.status_code == 200
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def flat(text: str) -> str:
    return " ".join(text.split())


def assert_every_text_on_its_page(client) -> None:
    """Each step's, paper's and fee's whole text of every procedure appears on its page."""
    expected = {
        p.code: ([s.text for s in p.steps], [d.name for d in p.documents], [t for c in p.channels for t in (c.fee, c.fee_note, c.note)])
        for p in db.session.scalars(select(Procedure))
    }
    assert expected
    for code, (steps, papers, fees) in expected.items():
        text = page_text(client, code)
        for part in [*steps, *papers, *fees]:
            assert flat(part) in text, (code, part[:80])


def assert_exports_reimport_identical(runner, client, tmp_path, count: int) -> None:
    exported_json = client.get("/thu-tuc/export.json").get_data(as_text=True)
    exported_csv = client.get("/thu-tuc/export.csv").get_data(as_text=True)
    assert any("\n" in step for record in json.loads(exported_json)["procedures"] for step in record["steps"])
    for name, content in (("thu-tuc.csv", exported_csv), ("thu-tuc.json", exported_json)):
        db.session.execute(delete(Procedure))
        db.session.commit()
        path = tmp_path / name
        path.write_text(content, encoding="utf-8", newline="")
        result = runner.invoke(args=["procedures", "import", str(path)])
        assert f"{count} created, 0 updated, 0 unchanged, 0 rejected" in result.output, result.output
        assert client.get("/thu-tuc/export.json").get_data(as_text=True) == exported_json
        assert client.get("/thu-tuc/export.csv").get_data(as_text=True) == exported_csv


def test_a_portal_record_splits_into_its_structure():
    record = to_import_record(json.loads((RECORDS / "bo-cong-an" / "1.002755.json").read_text(encoding="utf-8")))
    assert (record["name"], record["sector"], record["level"]) == ("Gia hạn tạm trú", "Đăng ký, quản lý cư trú", "ward")
    online, in_person = record["channels"]
    assert (online["kind"], online["time_value"], online["time_unit"], online["fee"]) == ("online", "3", "Ngày làm việc", "5,000 Việt Nam Đồng")
    assert "7.000 đồng/lần đăng ký" in online["fee_note"] and online["note"].startswith("- Nộp hồ sơ trực tuyến")
    assert (in_person["kind"], in_person["fee"]) == ("in_person", "10,000 Việt Nam Đồng")
    first = record["documents"][0]
    assert first["group"] == "Gia hạn tạm trú theo danh sách, hồ sơ gồm"
    assert first["template_name"] == "1.MuCT01banhnhkmtheoThngts53.doc" and first["originals"] == 1
    assert first["name"].endswith("53/2025/TT-BCA).")
    notes = [paper for paper in record["documents"] if paper["is_note"]]
    assert notes and notes[0]["name"].startswith("Lưu ý:")
    assert [result["code"] for result in record["results"]] == ["KQ.G01.000064", "KQ.G01.000065", "KQ.G01.000067", "KQ.G01.000066"]
    assert {"title": "Thông tư số 75/2022/TT-BTC của Bộ Tài chính: Quy định mức thu, chế độ thu, nộp và quản lý lệ phí đăng ký cư trú", "number": "75/2022/TT-BTC"} in record["legal_refs"]


def test_legal_basis_splits_title_from_number():
    refs = parse_legal("Tên văn bản pháp lýMã văn bảnLuật Hộ tịch60/2014/QH13Nghị định quy định chi tiết123/2015/NĐ-CPQuyết định về thủ tục15/2025/QĐ-TTg", [])
    assert refs == [
        {"title": "Luật Hộ tịch", "number": "60/2014/QH13"},
        {"title": "Nghị định quy định chi tiết", "number": "123/2015/NĐ-CP"},
        {"title": "Quyết định về thủ tục", "number": "15/2025/QĐ-TTg"},
    ]
    notes: list[str] = []
    assert parse_legal("Tên văn bản pháp lýMã văn bảnMột văn bản không số", notes) == [{"title": "Một văn bản không số", "number": ""}]
    assert notes == ["legal basis: a text without its number; kept as written"]


def test_a_subset_imports_whole_shows_every_text_and_reimports_unchanged(runner, app, client, tmp_path):
    paths = _subset()
    assert len(paths) == 25
    folder = copy_records(paths, tmp_path / "records")
    result = runner.invoke(args=["procedures", "import", str(folder), "--publish"])
    assert result.exit_code == 0, result.output
    assert "25 created, 0 updated, 0 unchanged, 0 rejected" in result.output
    again = runner.invoke(args=["procedures", "import", str(folder), "--publish"])
    assert "0 created, 0 updated, 25 unchanged, 0 rejected" in again.output

    longest = max(paths, key=lambda p: len(json.loads(p.read_text(encoding="utf-8"))["ten_thu_tuc"]))
    source = json.loads(longest.read_text(encoding="utf-8"))
    with app.app_context():
        procedure = db.session.scalar(select(Procedure).where(Procedure.code == source["ma_thu_tuc"]))
        assert len(procedure.name) > 300 and procedure.name == " ".join(source["ten_thu_tuc"].replace("\xa0", " ").split(" ")).strip()
        longest_step = max(len(step.text) for p in db.session.scalars(select(Procedure)) for step in p.steps)
        assert longest_step > 4000
        assert_every_text_on_its_page(client)


def test_exports_reimport_to_identical_records(runner, app, client, tmp_path):
    folder = copy_records(_subset(), tmp_path / "records")
    runner.invoke(args=["procedures", "import", str(folder), "--publish"])
    with app.app_context():
        assert_exports_reimport_identical(runner, client, tmp_path, 25)


def test_all_588_records_import_whole_show_every_text_and_reimport_unchanged(runner, app, client, tmp_path):
    """The whole catalogue: imported twice, every text of every record on its
    page, and both exports re-imported to identical records (the slowest test
    of the procedures; the subset above is the quick version)."""
    result = runner.invoke(args=["procedures", "import", str(RECORDS), "--publish"])
    assert result.exit_code == 0, result.output
    assert "588 created, 0 updated, 0 unchanged, 0 rejected" in result.output
    again = runner.invoke(args=["procedures", "import", str(RECORDS), "--publish"])
    assert "0 created, 0 updated, 588 unchanged, 0 rejected" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Procedure).where(Procedure.published.is_(True))) == 588
        assert_every_text_on_its_page(client)
        assert_exports_reimport_identical(runner, client, tmp_path, 588)
