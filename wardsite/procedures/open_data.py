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

# Open data: export -----------------------------------------------------------

# The columns of the CSV and the keys of the JSON export and import, in order.
COLUMNS = [
    "code", "decision_number", "name", "sector", "level", "online", "postal_send", "postal_receive", "same_day",
    "published", "last_checked_on", "check_note", "applicants", "authority", "result", "legal_basis", "requirements",
    "steps", "documents", "channels",
]
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
    return str(value)


def export_csv() -> str:
    """One row per procedure; steps, documents and channels one per line inside their cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for procedure in _published_procedures():
        record = to_record(procedure)
        record["steps"] = "\n".join(record["steps"])
        record["documents"] = "\n".join(
            LIST_SEPARATOR.join([d["name"], str(d["originals"]), str(d["copies"]), d["template_url"]]) for d in record["documents"]
        )
        record["channels"] = "\n".join(
            LIST_SEPARATOR.join([c["kind"], c["processing_time"], c["fee"], c["note"]]) for c in record["channels"]
        )
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
    raise ImportFileError(f"{path.name}: the file name must end in .json or .csv")


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
            records.append({key.strip(): value for key, value in row.items() if key})
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
    """A JSON list as it is, or a CSV cell as its non-empty lines."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
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
    if value and not (value.startswith("https://") or value.startswith("http://")) or len(value) > 500:
        raise RowError(f"{what} must be a web address starting with https://")
    return value


def _documents(value) -> list[DocumentData]:
    documents = []
    for item in _lines(value):
        if isinstance(item, str):
            # "name | originals | copies | template link": the name may itself contain "|".
            parts = [part.strip() for part in item.rsplit("|", 3)]
            if len(parts) != 4:
                raise RowError(f"document {item[:40]!r} must be 'name | originals | copies | link'")
            item = dict(zip(("name", "originals", "copies", "template_url"), parts))
        if not isinstance(item, dict):
            raise RowError("each document must be an object")
        name = _text(item, "name", 1000, required=True)
        documents.append(
            DocumentData(
                name=name,
                template_url=_url(_text(item, "template_url", 500), f"template_url of {name[:40]!r}"),
                originals=_count(item.get("originals", 0), f"originals of {name[:40]!r}"),
                copies=_count(item.get("copies", 0), f"copies of {name[:40]!r}"),
            )
        )
    if len(documents) > MAX_DOCUMENTS:
        raise RowError(f"at most {MAX_DOCUMENTS} documents")
    return documents


def _channels(value) -> list[ChannelData]:
    channels = []
    for item in _lines(value):
        if isinstance(item, str):
            parts = [part.strip() for part in item.split("|", 3)]
            parts += [""] * (4 - len(parts))
            item = dict(zip(("kind", "processing_time", "fee", "note"), parts))
        if not isinstance(item, dict):
            raise RowError("each channel must be an object")
        channels.append(
            ChannelData(
                kind=_choice(item, "kind", CHANNEL_KINDS, "in_person"),
                processing_time=_text(item, "processing_time", 300),
                fee=_text(item, "fee", 300),
                note=_text(item, "note", 2000),
            )
        )
    if len(channels) > MAX_CHANNELS:
        raise RowError(f"at most {MAX_CHANNELS} channels")
    return channels


def _steps(value) -> list[str]:
    steps = []
    for item in _lines(value):
        if not isinstance(item, str):
            raise RowError("each step must be text")
        if item.strip():
            steps.append(item.strip()[:4000])
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
        name=_text(record, "name", 300, required=True),
        decision_number=_text(record, "decision_number", 120),
        sector=_text(record, "sector", 120),
        level=_choice(record, "level", LEVELS, "ward"),
        online=_choice(record, "online", ONLINE_LEVELS, "none"),
        postal_send=_flag(record, "postal_send"),
        postal_receive=_flag(record, "postal_receive"),
        same_day=_flag(record, "same_day"),
        applicants=_text(record, "applicants", 4000),
        authority=_text(record, "authority", 4000),
        result=_text(record, "result", 4000),
        legal_basis=_text(record, "legal_basis", 8000),
        requirements=_text(record, "requirements", 8000),
        published=_flag(record, "published"),
        last_checked_on=_day(record, "last_checked_on"),
        check_note=_text(record, "check_note", 2000),
        steps=steps,
        documents=_documents(record.get("documents")),
        channels=_channels(record.get("channels")),
    )


def import_records(records: list[dict], dry_run: bool = False) -> ImportReport:
    """Create or update procedures by code, in one transaction.

    Rows that fail validation are reported and skipped; the others are saved
    together. Importing the same file twice changes nothing the second time.
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
