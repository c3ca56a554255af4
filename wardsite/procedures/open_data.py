"""The procedure catalogue as open data: the JSON and CSV export residents and
other sites read at /thu-tuc/export.json and .csv, and the import that reads
the same files back (`flask --app wardsite procedures import FILE`).

An import row is checked field by field into a `ProcedureData` (or refused
with the reason) and saved through the catalogue's own `create` and `update`,
so an imported procedure follows the same rules as one typed by an editor.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wardsite.extensions import db
from wardsite.procedures.models import CHANNEL_KINDS, LEVELS, ONLINE_LEVELS, Procedure, is_valid_code
from wardsite.procedures.services import (
    MAX_CHANNELS,
    MAX_COPIES,
    MAX_DOCUMENTS,
    MAX_STEPS,
    ChannelData,
    DocumentData,
    ProcedureData,
    by_code,
    clean_text,
    create,
    update,
)
from wardsite.spreadsheets import csv_cell, undo_csv_cell

# Open data: export -----------------------------------------------------------

# The columns of the CSV and the keys of the JSON export and import, in order.
COLUMNS = [
    "code", "decision_number", "name", "sector", "level", "online", "postal_send", "postal_receive", "same_day",
    "published", "last_checked_on", "check_note", "applicants", "authority", "result", "legal_basis", "requirements",
    "steps", "documents", "channels", "procedure_type", "levels", "related", "detail_url", "legal_refs", "results",
    "parse_notes",
]
# The list columns: a CSV cell holds them as JSON, so multi-line texts come back exactly.
LIST_COLUMNS = ("steps", "documents", "channels", "legal_refs", "results", "parse_notes")
# The limits that remain, far above the longest real record (name ~1,100, a step ~4,500,
# a paper ~1,500, requirements ~8,500 characters); a longer value is refused with its place named.
NAME_LIMIT = 4000
TEXT_LIMIT = 100_000
ITEM_LIMIT = 50_000
REQUIRED_COLUMNS = {"code", "name"}
LIST_SEPARATOR = " | "


def to_record(procedure: Procedure) -> dict:
    """One procedure as the JSON export writes it."""
    data = ProcedureData.of(procedure)
    record = {name: getattr(data, name) for name in COLUMNS}
    record["last_checked_on"] = data.last_checked_on.isoformat() if data.last_checked_on else ""
    record["documents"] = [vars(d) for d in data.documents]
    record["channels"] = [vars(c) for c in data.channels]
    return record


def _published_procedures():
    # Steps, documents and channels in one query each, not one per procedure.
    return db.session.scalars(
        select(Procedure)
        .where(Procedure.published.is_(True))
        .order_by(Procedure.code)
        .options(selectinload(Procedure.steps), selectinload(Procedure.documents), selectinload(Procedure.channels))
    )


def export_json() -> str:
    records = [to_record(procedure) for procedure in _published_procedures()]
    return json.dumps({"procedures": records}, ensure_ascii=False, indent=1)


def _csv_cell(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    # A name such as "=HYPERLINK(…)" must not run in a spreadsheet; the import takes the quote off.
    return csv_cell(str(value))


def export_csv() -> str:
    """One row per procedure; the list columns as JSON inside their cell, line breaks kept."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for procedure in _published_procedures():
        record = to_record(procedure)
        for name in LIST_COLUMNS:
            record[name] = json.dumps(record[name], ensure_ascii=False)
        writer.writerow([_csv_cell(record[name]) for name in COLUMNS])
    return out.getvalue()


# Open data: import -----------------------------------------------------------


class ImportFileError(Exception):
    """The file as a whole cannot be read: nothing is imported."""


class RowError(ValueError):
    """One row is refused, with the reason."""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (row number, code, reason)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (code, what could not be split)


def read_file(path: str | Path) -> list[dict]:
    """The records of a .json or .csv file; ImportFileError if the file is broken."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as problem:
        raise ImportFileError(f"cannot read {path}: {problem.strerror}") from problem
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise ImportFileError(f"{path.name} is not UTF-8 text (byte {problem.start})") from problem
    suffix = path.suffix.lower()
    if suffix == ".json":
        return parse_json(content)
    if suffix == ".csv":
        return parse_csv(content)
    raise ImportFileError(f"{path.name}: the file name must end in .json, .csv or .xlsx (a portal list)")


def parse_json(content: str) -> list[dict]:
    try:
        document = json.loads(content)
    except json.JSONDecodeError as problem:
        raise ImportFileError(f"not valid JSON: {problem.msg} at line {problem.lineno}, column {problem.colno}") from problem
    records = document.get("procedures") if isinstance(document, dict) else document
    if not isinstance(records, list):
        raise ImportFileError('JSON must be a list of procedures or an object {"procedures": [...]}')
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise ImportFileError(f"record {number} is not a JSON object")
    return records


def parse_csv(content: str) -> list[dict]:
    try:
        reader = csv.DictReader(io.StringIO(content, newline=""), strict=True)
        header = reader.fieldnames or []
        missing = REQUIRED_COLUMNS - {name.strip() for name in header}
        if missing:
            raise ImportFileError(f"the CSV header lacks the column(s) {', '.join(sorted(missing))}")
        records = []
        for row in reader:
            if None in row:
                raise ImportFileError(f"line {reader.line_num} has more cells than the header")
            records.append({key.strip(): undo_csv_cell(value) for key, value in row.items() if key})
    except csv.Error as problem:
        raise ImportFileError(f"not valid CSV: {problem}") from problem
    return records


def _text(record: dict, key: str, limit: int, required: bool = False) -> str:
    value = record.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise RowError(f"{key} must be text")
    value = clean_text(str(value)).strip()
    if required and not value:
        raise RowError(f"{key} is empty")
    if len(value) > limit:
        raise RowError(f"{key} is longer than {limit} characters")
    return value


TRUE_WORDS = {"true", "1", "yes", "y", "có", "x"}
FALSE_WORDS = {"false", "0", "no", "n", "không", ""}


def _flag(record: dict, key: str) -> bool:
    value = record.get(key, False)
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise RowError(f"{key} must be true or false, not {str(value)[:20]!r}")


def _choice(record: dict, key: str, choices, default: str) -> str:
    value = _text(record, key, 20) or default
    if value not in choices:
        raise RowError(f"{key} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _day(record: dict, key: str) -> date | None:
    value = _text(record, key, 20)
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise RowError(f"{key} must be a date like 2026-11-22 or 22/11/2026, not {value!r}")


def _lines(value) -> list:
    """A JSON list as it is; a CSV cell holding a JSON list; or (older exports) a cell's non-empty lines."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        if value.lstrip().startswith("["):
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError as problem:
                raise RowError(f"is not a valid JSON list ({problem.msg})") from None
            if isinstance(parsed, list):
                return parsed
        return [line for line in value.splitlines() if line.strip()]
    raise RowError("must be a list")


def _count(value, what: str) -> int:
    try:
        number = int(str(value).strip() or 0)
    except ValueError:
        raise RowError(f"{what} must be a whole number, not {str(value)[:20]!r}") from None
    if not 0 <= number <= MAX_COPIES:
        raise RowError(f"{what} must be between 0 and {MAX_COPIES}")
    return number


def _url(value: str, what: str) -> str:
    value = value.strip()
    if value and not (value.startswith("https://") or value.startswith("http://")) or len(value) > 2000:
        raise RowError(f"{what} must be a web address starting with https://")
    return value


def _documents(value) -> list[DocumentData]:
    documents = []
    for number, item in enumerate(_lines(value), start=1):
        if isinstance(item, str):
            # "name | originals | copies | template link": the name may itself contain "|".
            parts = [part.strip() for part in item.rsplit("|", 3)]
            if len(parts) != 4:
                raise RowError(f"document {item[:40]!r} must be 'name | originals | copies | link'")
            item = dict(zip(("name", "originals", "copies", "template_url"), parts))
        if not isinstance(item, dict):
            raise RowError("each document must be an object")
        try:
            name = _text(item, "name", ITEM_LIMIT, required=True)
            documents.append(
                DocumentData(
                    name=name,
                    template_url=_url(_text(item, "template_url", 2000), "template_url"),
                    originals=_count(item.get("originals", 0), "originals"),
                    copies=_count(item.get("copies", 0), "copies"),
                    group=_text(item, "group", ITEM_LIMIT),
                    is_note=_flag(item, "is_note"),
                    template_name=_text(item, "template_name", 2000),
                    scans=_count(item.get("scans", 0), "scans"),
                )
            )
        except RowError as problem:
            label = str(item.get("name", ""))[:40]
            raise RowError(f"document {number} ({label!r}): {problem}") from None
    if len(documents) > MAX_DOCUMENTS:
        raise RowError(f"at most {MAX_DOCUMENTS} documents")
    return documents


def _channels(value) -> list[ChannelData]:
    channels = []
    for number, item in enumerate(_lines(value), start=1):
        if isinstance(item, str):
            parts = [part.strip() for part in item.split("|", 3)]
            parts += [""] * (4 - len(parts))
            item = dict(zip(("kind", "processing_time", "fee", "note"), parts))
        if not isinstance(item, dict):
            raise RowError("each channel must be an object")
        try:
            channels.append(
                ChannelData(
                    kind=_choice(item, "kind", CHANNEL_KINDS, "in_person"),
                    processing_time=_text(item, "processing_time", ITEM_LIMIT),
                    fee=_text(item, "fee", ITEM_LIMIT),
                    note=_text(item, "note", ITEM_LIMIT),
                    condition=_text(item, "condition", ITEM_LIMIT),
                    time_value=_text(item, "time_value", 40),
                    time_unit=_text(item, "time_unit", 200),
                    fee_note=_text(item, "fee_note", ITEM_LIMIT),
                )
            )
        except RowError as problem:
            raise RowError(f"channel {number}: {problem}") from None
    if len(channels) > MAX_CHANNELS:
        raise RowError(f"at most {MAX_CHANNELS} channels")
    return channels


def _steps(value) -> list[str]:
    steps = []
    for number, item in enumerate(_lines(value), start=1):
        if not isinstance(item, str):
            raise RowError("each step must be text")
        item = clean_text(item).strip()
        if len(item) > ITEM_LIMIT:
            # Never cut: a step cut mid-word reads as a whole one.
            raise RowError(f"step {number} is longer than {ITEM_LIMIT} characters")
        if item:
            steps.append(item)
    if len(steps) > MAX_STEPS:
        raise RowError(f"at most {MAX_STEPS} steps")
    return steps


def validate_record(record: dict) -> ProcedureData:
    """One import record as ProcedureData, or RowError with the reason."""
    code = _text(record, "code", 40, required=True)
    if not is_valid_code(code):
        raise RowError(f"code {code!r} is not like 1.001193 or 1.001699.000.00.00.H17")
    try:
        steps = _steps(record.get("steps"))
    except RowError as problem:
        raise RowError(f"steps {problem}") from None
    return ProcedureData(
        code=code,
        name=_text(record, "name", NAME_LIMIT, required=True),
        decision_number=_text(record, "decision_number", 2000),
        sector=_text(record, "sector", 120),
        level=_choice(record, "level", LEVELS, "ward"),
        online=_choice(record, "online", ONLINE_LEVELS, "none"),
        postal_send=_flag(record, "postal_send"),
        postal_receive=_flag(record, "postal_receive"),
        same_day=_flag(record, "same_day"),
        applicants=_text(record, "applicants", TEXT_LIMIT),
        authority=_text(record, "authority", TEXT_LIMIT),
        result=_text(record, "result", TEXT_LIMIT),
        legal_basis=_text(record, "legal_basis", TEXT_LIMIT),
        requirements=_text(record, "requirements", TEXT_LIMIT),
        published=_flag(record, "published"),
        last_checked_on=_day(record, "last_checked_on"),
        check_note=_text(record, "check_note", 2000),
        steps=steps,
        documents=_documents(record.get("documents")),
        channels=_channels(record.get("channels")),
        procedure_type=_text(record, "procedure_type", ITEM_LIMIT),
        levels=_text(record, "levels", 2000),
        related=_text(record, "related", TEXT_LIMIT),
        detail_url=_url(_text(record, "detail_url", 2000), "detail_url"),
        legal_refs=_pairs(record.get("legal_refs"), "legal_refs", ("title", "number")),
        results=_pairs(record.get("results"), "results", ("name", "code")),
        parse_notes=[_text({"note": note}, "note", TEXT_LIMIT) for note in _lines(record.get("parse_notes"))],
    )


def _pairs(value, what: str, keys: tuple[str, str]) -> list[dict]:
    items = []
    for number, item in enumerate(_lines(value), start=1):
        if not isinstance(item, dict):
            raise RowError(f"{what} {number} must be an object with {' and '.join(keys)}")
        items.append({key: _text(item, key, ITEM_LIMIT) for key in keys})
    return items


def import_records(records: list[dict], dry_run: bool = False, publish: bool = False) -> ImportReport:
    """Create or update procedures by code, in one transaction.

    Rows that fail validation are reported and skipped; the others are saved
    together. Importing the same file twice changes nothing the second time.
    `publish` publishes every record; a record that does not say (the portal's)
    keeps an existing procedure's state, and a new one is a draft.
    """
    report = ImportReport()
    seen: set[str] = set()
    for number, record in enumerate(records, start=1):
        code = str(record.get("code") or "").strip()[:40]
        try:
            data = validate_record(record)
            if data.code in seen:
                raise RowError(f"code {data.code} appears twice in the file")
        except RowError as problem:
            report.rejected.append((number, code, str(problem)))
            continue
        seen.add(data.code)
        procedure = by_code(data.code)
        if record.get("list_entry"):
            # A line of the portal's list: a draft to complete, never over a procedure already here.
            if procedure is None:
                data.published = False
                create(data, imported=True)
                report.created.append(data.code)
            else:
                report.unchanged.append(data.code)
            continue
        if publish:
            data.published = True
        elif "published" not in record and procedure is not None:
            data.published = procedure.published
        report.notes.extend((data.code, note) for note in data.parse_notes)
        if procedure is None:
            create(data, imported=True)
            report.created.append(data.code)
        elif ProcedureData.of(procedure) == data:
            report.unchanged.append(data.code)
        else:
            update(procedure, data, imported=True)
            report.updated.append(data.code)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report
