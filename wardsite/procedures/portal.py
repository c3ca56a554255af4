"""Reading the national public-service portal's own procedure records (the
crawler's JSON, one file per procedure, as in ../shared/data/tthc/records/,
and its "Danh sách thủ tục hành chính" Excel lists, as in lists/) into the
import's record shape (`open_data.COLUMNS`).

The crawler flattened the portal's HTML tables into text with no separator
between header and cells ("Hình thức nộpThời gianPhí, lệ phíMô tảTrực
tuyến1Miễn phí…"). The parsers below split them back by what the cells look
like (a way of filing's name, a count such as "1 bản chính", a document number
such as 123/2015/NĐ-CP, a result code KQ.G15.000031). Whatever a parser cannot
split is kept whole, as text, and named in the record's `parse_notes`, so
nothing the portal published is lost.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from wardsite.procedures import open_data

EMPTY = "Không có thông tin"
CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
PAPERS_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
KINDS = {"Trực tiếp": "in_person", "Trực tuyến": "online", "Dịch vụ bưu chính": "post"}

_UPPER = "".join(sorted({c for c in map(chr, range(0x41, 0x1EFA)) if c.isalpha() and c.isupper()}))
_LOWER = "".join(sorted({c for c in map(chr, range(0x61, 0x1EFA)) if c.isalpha() and c.islower()}))
_ROW = re.compile(r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?=\s*(?:\d|Không có thông tin|Không quy định|Miễn phí))")
_TIME = re.compile(r"\s*(?:(\d+(?:[.,]\d+)?)\s*(Ngày làm việc|Ngày|Giờ làm việc|Giờ|Tháng|Năm|Phút)?|(Không có thông tin|Không quy định))")
_AMOUNT = r"(?:(?:Lệ phí|Phí)\s*:?\s*)?(?:Miễn phí|Không có thông tin|[\d.,]+\s*(?:Việt Nam Đồng|VNĐ|Đồng|đồng)?)"
_PARENS = r"\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)"
_FEE = re.compile(rf"\s*({_AMOUNT})\s*({_PARENS})?")
_COUNT = re.compile(r"(\d)\s*bản\s*(chính|sao|chụp)")
# A paper's row ends with its counts ("1 bản chính", "1 bản chính,1 bản sao"), and
# the next row starts with a mark or a capital letter; counts inside a paper's
# text ("(01 bản chính hoặc 01 bản sao có chứng thực)") do not end it.
_COUNTS = r"(?:(?<!\d)|(?<=\d{4}))\d\s*bản\s*(?:chính|sao|chụp)(?:\s*[,;]\s*\d\s*bản\s*(?:chính|sao|chụp))*"
_ITEM = re.compile(rf"(.*?)({_COUNTS})\s*(?=$|[-+*•(]|[{_UPPER}])", re.S)
_TEMPLATE = re.compile(r"((?:\d+\.)?[^\s().]+\.(?:docx?|pdf|xlsx?|rar|zip|odt))\s*$", re.I)
_NUMBER = re.compile(
    rf"\d+/(?:\d{{4}}/)?[A-ZĐ0-9]+[a-z]?(?:-[A-ZĐ0-9]+[a-z]?)*(?=$|[{_UPPER}][{_LOWER}])"
)
_RESULT = re.compile(r"(.*?)Mã:\s*(KQ\.[A-Z0-9]+\.\d+)", re.S)
_STEP = re.compile(r"(?m)^(?=\s*Bước\s*\d)")


def is_portal_record(item) -> bool:
    return isinstance(item, dict) and "ma_thu_tuc" in item and "ten_thu_tuc" in item


def _value(record: dict, key: str) -> str:
    value = str(record.get(key) or "").replace("\xa0", " ").strip()
    return "" if value == EMPTY else value


def parse_channels(text: str, notes: list[str]) -> list[dict]:
    body = text.removeprefix(CHANNEL_HEADER)
    starts = [match.start() for match in _ROW.finditer(body)]
    if body.strip() and (not starts or body[: starts[0]].strip()):
        notes.append("ways of filing: could not split the table; kept as written")
        return [{"kind": "in_person", "note": body.strip()}]
    channels = []
    for start, end in zip(starts, [*starts[1:], len(body)]):
        row = body[start:end]
        name = _ROW.match(row).group(1)
        rest = row[len(name):]
        channel = {"kind": KINDS[name], "processing_time": "", "time_value": "", "time_unit": "", "fee": "", "fee_note": ""}
        time = _TIME.match(rest)
        if time:
            channel["processing_time"] = time.group(0).strip() if not time.group(3) else ""
            channel["time_value"] = (time.group(1) or "").replace(",", ".")
            # A bare number is in working days: the portal's own unit when none is given.
            channel["time_unit"] = time.group(2) or ("Ngày làm việc" if time.group(1) else "")
            rest = rest[time.end():]
        fees, fee_notes = [], []
        while (fee := _FEE.match(rest)) and fee.group(0).strip():
            if fee.group(1).strip() != EMPTY:
                fees.append(fee.group(1).strip())
            if fee.group(2):
                fee_notes.append(fee.group(2)[1:-1].strip())
            rest = rest[fee.end():]
        channel["fee"] = "; ".join(fees)
        channel["fee_note"] = "\n".join(fee_notes)
        note = rest.strip()
        if note.startswith("Trường hợp"):
            condition, _, remainder = note.partition(":")
            if remainder and len(condition) < 300:
                channel["condition"], note = condition.strip(), remainder.strip()
        channel["note"] = note
        channels.append(channel)
    return channels


def _paper(text: str, counts: str, group: str) -> dict:
    name = text.strip()
    paper = {"name": name, "group": group, "originals": 0, "copies": 0, "scans": 0, "template_name": "", "is_note": False}
    template = _TEMPLATE.search(name)
    if template and template.start() > 0:
        file_name = template.group(1)
        paper["template_name"] = file_name
        paper["name"] = name[: template.start()].strip()
    for number, kind in _COUNT.findall(counts):
        key = {"chính": "originals", "sao": "copies", "chụp": "scans"}[kind]
        paper[key] += int(number)
    # The portal lists headings and notes as papers with "0 bản chính".
    paper["is_note"] = not (paper["originals"] or paper["copies"] or paper["scans"]) or name.startswith("Lưu ý")
    return paper


def parse_papers(text: str, notes: list[str]) -> list[dict]:
    papers = []
    pieces = text.split(PAPERS_HEADER)
    if len(pieces) == 1:
        if text.strip():
            notes.append("papers: no table found; kept as one note")
            papers.append({"name": text.strip(), "is_note": True})
        return papers
    # Each header follows its group's name ("* Giấy tờ phải nộp:"); the last text
    # before the next header belongs to the next group.
    group = pieces[0].strip().lstrip("*").strip()
    for number, piece in enumerate(pieces[1:], start=1):
        next_group = ""
        if number < len(pieces) - 1:
            cut = max(piece.rfind("*"), piece.rfind("--"))
            if cut >= 0:
                piece, next_group = piece[:cut], piece[cut:].lstrip("*-").strip()
        end = 0
        for item in _ITEM.finditer(piece):
            if item.group(1).strip():
                papers.append(_paper(item.group(1), item.group(2), group.rstrip(":").strip()))
            end = item.end()
        leftover = piece[end:].strip()
        if leftover:
            papers.append({"name": leftover, "group": group.rstrip(":").strip(), "is_note": True})
        group = next_group
    return papers


def parse_legal(text: str, notes: list[str]) -> list[dict]:
    body = text.removeprefix(LEGAL_HEADER).strip()
    refs, start = [], 0
    for match in _NUMBER.finditer(body):
        title = body[start: match.start()].strip()
        # "Thông tư số 53/2025/TT-BCA ngày…": a number inside the title, not the title's own.
        if title and not title.lower().endswith("số"):
            refs.append({"title": title, "number": match.group(0)})
            start = match.end()
    leftover = body[start:].strip()
    if leftover:
        notes.append("legal basis: a text without its number; kept as written")
        refs.append({"title": leftover, "number": ""})
    return refs


def parse_results(text: str, notes: list[str]) -> list[dict]:
    body = text.split("Từ khóa", 1)[0]
    results, end = [], 0
    for match in _RESULT.finditer(body):
        results.append({"name": match.group(1).strip(), "code": match.group(2)})
        end = match.end()
    if body[end:].strip():
        notes.append("results: a result without its code; kept as written")
        results.append({"name": body[end:].strip(), "code": ""})
    return results


def parse_steps(text: str) -> list[str]:
    """"Bước 1…", "Bước 2…" as steps; otherwise the whole text as one, its lines kept."""
    return [part.strip() for part in _STEP.split(text) if part.strip()]


def to_import_record(record: dict) -> dict:
    """A portal record as an import record; its `parse_notes` say what stayed unsplit."""
    notes: list[str] = []
    channels = parse_channels(_value(record, "cach_thuc_thuc_hien"), notes)
    legal_refs = parse_legal(_value(record, "can_cu_phap_ly"), notes)
    results = parse_results(_value(record, "ket_qua_xu_ly"), notes)
    authorities = [
        (label, _value(record, key))
        for label, key in (
            ("Cơ quan thực hiện", "co_quan_thuc_hien"),
            ("Cơ quan có thẩm quyền", "co_quan_co_tham_quyen"),
            ("Cơ quan được ủy quyền", "co_quan_duoc_uy_quyen"),
            ("Cơ quan phối hợp", "co_quan_phoi_hop"),
            ("Địa chỉ tiếp nhận hồ sơ", "dia_chi_tiep_nhan"),
        )
    ]
    levels = _value(record, "cap_thuc_hien")
    kinds = {channel["kind"] for channel in channels}
    return {
        "code": _value(record, "ma_thu_tuc"),
        "name": _value(record, "ten_thu_tuc"),
        "decision_number": _value(record, "so_quyet_dinh"),
        "sector": _value(record, "linh_vuc"),
        "level": "ward" if "Cấp xã" in levels else "province",
        # The record does not say whether filing is fully online; partly is what it shows.
        "online": "partial" if "online" in kinds else "none",
        "postal_send": "post" in kinds,
        "applicants": _value(record, "doi_tuong_thuc_hien"),
        "authority": "\n".join(f"{label}: {value}" for label, value in authorities if value),
        "result": "\n".join(item["name"] for item in results),
        "legal_basis": "\n".join(" ".join(filter(None, (ref["title"], ref["number"]))) for ref in legal_refs),
        "requirements": _value(record, "yeu_cau_dieu_kien"),
        "steps": parse_steps(_value(record, "trinh_tu_thuc_hien")),
        "documents": parse_papers(_value(record, "thanh_phan_ho_so"), notes),
        "channels": channels,
        "procedure_type": _value(record, "loai_thu_tuc"),
        "levels": levels,
        "related": _value(record, "thu_tuc_lien_quan"),
        "detail_url": _value(record, "detail_url"),
        "legal_refs": legal_refs,
        "results": results,
        "parse_notes": notes,
    }


# The list's header row, and what says a procedure is done at the commune (ward) level.
LIST_COLUMNS = ("Mã số", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực")
_COMMUNE = re.compile(r"cấp\s+xã|\bxã\b|phường", re.I)


def read_list(path: Path, all_levels: bool = False) -> list[dict]:
    """The rows of a portal "Danh sách TTHC" workbook as list entries: code,
    name, sector and implementing bodies only, to be created as drafts an
    editor completes. Only the procedures a commune-level body carries out,
    unless `all_levels` (a province loading every level)."""
    import openpyxl  # only the lists need it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as problem:  # openpyxl raises many kinds for a broken file
        raise open_data.ImportFileError(f"{path.name} is not a readable Excel workbook ({problem})") from None
    records = []
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        for row in rows:
            if tuple(str(cell or "").strip() for cell in row[: len(LIST_COLUMNS)]) == LIST_COLUMNS:
                break
        else:
            raise open_data.ImportFileError(
                f"{path.name} has no header row {', '.join(LIST_COLUMNS)} (the portal's list of procedures)"
            )
        for row in rows:
            code, name, issuer, bodies, sector = (str(cell or "").strip() for cell in row[:5])
            if not code and not name:
                continue
            level = "ward" if _COMMUNE.search(bodies) else "province"
            if level != "ward" and not all_levels:
                continue
            records.append({
                "code": code, "name": " ".join(name.split()), "sector": sector, "level": level,
                "authority": "\n".join(filter(None, (
                    f"Cơ quan thực hiện: {bodies}" if bodies else "", f"Cơ quan ban hành: {issuer}" if issuer else "",
                ))),
                "list_entry": True,
            })
    finally:
        workbook.close()
    return records


def read_path(path: str | Path, all_levels: bool = False) -> list[dict]:
    """The import records of a file, or of every .json, .csv and .xlsx file under a folder.

    A portal record file (one procedure, or a list of them) and a portal list
    workbook are parsed here; our own export's JSON and CSV are read by
    `open_data.read_file`.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".json", ".csv", ".xlsx"))
        if not files:
            raise open_data.ImportFileError(f"{path} holds no .json, .csv or .xlsx file")
        return [record for file in files for record in read_path(file, all_levels)]
    if path.suffix.lower() == ".xlsx":
        return read_list(path, all_levels)
    if path.suffix.lower() == ".json":
        try:
            document = json.loads(path.read_bytes().decode("utf-8-sig"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return open_data.read_file(path)  # it words the problem
        if is_portal_record(document):
            return [to_import_record(document)]
        if isinstance(document, list) and document and all(is_portal_record(item) for item in document):
            return [to_import_record(item) for item in document]
    return open_data.read_file(path)
