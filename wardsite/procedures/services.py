"""What the procedure catalogue does, reachable without HTTP: search, saving a
record from the editor's form or an import row, publishing, checking, and the
open-data export and import.

Every way a procedure is written (the editor's form, the importer, the demo)
goes through `ProcedureData` and `save()`, so the rules and the folded search
text are the same whichever way the data came in.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, case, false, func, literal_column, or_, select
from sqlalchemy.orm import selectinload

from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.forms import strip_control
from wardsite.procedures.models import (
    CHANNEL_KINDS,
    LEVELS,
    ONLINE_LEVELS,
    Channel,
    Document,
    Procedure,
    Sector,
    Step,
    is_valid_code,
)
from wardsite.text import fold, slugify
from wardsite.timeutil import local_today

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 8
MAX_STEPS = 40
MAX_DOCUMENTS = 40
MAX_CHANNELS = 6
MAX_COPIES = 50


_WILDCARDS = str.maketrans("", "", "%_\\")
_SLUG = re.compile(r"^[a-z0-9-]{1,120}\Z")


def clean_text(value: str) -> str:
    """Without control characters (PostgreSQL refuses NUL; none belongs in a procedure)."""
    return strip_control(value or "")


# Search ----------------------------------------------------------------------


def looks_like_code(text: str) -> bool:
    """"1.001193", "1.0011" or "2.000815.000.00.00.H17": digits and dots, starting "d."."""
    text = text.strip()
    return len(text) >= 2 and text[0].isdigit() and text[1] == "." and all(ch.isdigit() or ch in ".H" for ch in text.upper())


def search(query: str = "", sector: Sector | None = None, online: str | None = None, drafts: bool = False):
    """The procedures matching `query`, best first: a code match, then the whole
    phrase in the name, then every word in the name, then matches in the body.

    The query and the stored text are both folded (lower case, no accents,
    đ as d), so "dang ky khai sinh" finds "Đăng ký khai sinh".
    """
    statement = select(Procedure)
    if not drafts:
        statement = statement.where(Procedure.published == True)  # noqa: E712  ("IS 1" would not use the index)
    if sector is not None:
        statement = statement.where(Procedure.sector_id == sector.id)
    if online:
        statement = statement.where(Procedure.online == online)
    text = clean_text(query).strip()[:MAX_QUERY_LENGTH]
    if not text:
        return statement.order_by(Procedure.name_folded, Procedure.id)
    if looks_like_code(text):
        code = text.upper()  # the provincial suffix is stored as "H17"
        return statement.where(Procedure.code.like(f"{code.translate(_WILDCARDS)}%")).order_by(
            func.length(Procedure.code), Procedure.code
        )
    # LIKE's wildcards (and PostgreSQL's escape character) are dropped rather
    # than escaped: they are never part of a procedure's words, and a plain
    # pattern keeps the scan as quick as it can be.
    phrase = " ".join(fold(text).translate(_WILDCARDS).split())
    words = phrase.split()[:MAX_QUERY_WORDS]
    if not words:
        return statement.where(false())
    in_name = [Procedure.name_folded.like(f"%{word}%") for word in words]
    in_body = [Procedure.body_folded.like(f"%{word}%") for word in words]
    statement = statement.where(*(or_(name, body) for name, body in zip(in_name, in_body)))
    rank = case(
        (Procedure.name_folded.like(f"{phrase}%"), literal_column("0")),
        (Procedure.name_folded.like(f"%{phrase}%"), literal_column("1")),
        (and_(*in_name), literal_column("2")),
        else_=literal_column("3"),
    )
    return statement.order_by(rank, Procedure.name_folded, Procedure.id)


class SearchPage(Pagination):
    """One page of a search, from a single scan of the table.

    The search statement is run once for the ids of every match, in order:
    that gives the count and the page together, where the usual pagination
    scans the folded text twice (once for the count). Then only the page's
    procedures are loaded.
    """

    def __init__(self, statement, page: int, per_page: int):
        self._ids = list(db.session.scalars(statement.with_only_columns(Procedure.id)))
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False)

    def _query_items(self) -> list[Procedure]:
        chosen = self._ids[(self.page - 1) * self.per_page : self.page * self.per_page]
        if not chosen:
            return []
        found = {p.id: p for p in db.session.scalars(select(Procedure).where(Procedure.id.in_(chosen)))}
        return [found[procedure_id] for procedure_id in chosen if procedure_id in found]

    def _query_count(self) -> int:
        return len(self._ids)


def sectors() -> list[Sector]:
    return list(db.session.scalars(select(Sector).order_by(Sector.name)))


def sectors_in_use() -> list[tuple[Sector, int]]:
    """Sectors with how many published procedures each has, for browsing."""
    statement = (
        select(Sector, func.count(Procedure.id))
        .join(Procedure, Procedure.sector_id == Sector.id)
        .where(Procedure.published.is_(True))
        .group_by(Sector.id)
        .order_by(Sector.name)
    )
    return [(sector, count) for sector, count in db.session.execute(statement)]


def sector_by_slug(slug: str | None) -> Sector | None:
    if not slug or not _SLUG.match(slug):
        return None
    return db.session.scalar(select(Sector).where(Sector.slug == slug))


def find_or_create_sector(name: str) -> Sector | None:
    """The sector with this name, ignoring case and accents; created if new."""
    name = " ".join((name or "").split())[:120]
    if not name:
        return None
    slug = slugify(name, max_length=120)
    sector = db.session.scalar(select(Sector).where(Sector.slug == slug))
    if sector is None:
        sector = Sector(name=name, slug=slug)
        db.session.add(sector)
    return sector


def by_code(code: str) -> Procedure | None:
    if not is_valid_code(code):
        return None
    return db.session.scalar(select(Procedure).where(Procedure.code == code))


def stale_procedures(days: int, limit: int = 10) -> list[Procedure]:
    """Published procedures never checked, or not checked for `days` days, oldest first."""
    since = local_today() - timedelta(days=days)
    statement = (
        select(Procedure)
        .where(Procedure.published.is_(True), or_(Procedure.last_checked_on.is_(None), Procedure.last_checked_on < since))
        .order_by(Procedure.last_checked_on.is_not(None), Procedure.last_checked_on, Procedure.code)
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def code_taken(code: str, procedure_id: int | None = None) -> bool:
    statement = select(Procedure.id).where(Procedure.code == code)
    if procedure_id is not None:
        statement = statement.where(Procedure.id != procedure_id)
    return db.session.scalar(statement) is not None


# Writing ---------------------------------------------------------------------


@dataclass
class ChannelData:
    kind: str = "in_person"
    processing_time: str = ""
    fee: str = ""
    note: str = ""


@dataclass
class DocumentData:
    name: str = ""
    template_url: str = ""
    originals: int = 0
    copies: int = 0


@dataclass
class ProcedureData:
    """A procedure as plain values: what the form, the importer and the export share."""

    code: str
    name: str
    decision_number: str = ""
    sector: str = ""
    level: str = "ward"
    online: str = "none"
    postal_send: bool = False
    postal_receive: bool = False
    same_day: bool = False
    applicants: str = ""
    authority: str = ""
    result: str = ""
    legal_basis: str = ""
    requirements: str = ""
    published: bool = False
    last_checked_on: date | None = None
    check_note: str = ""
    steps: list[str] = field(default_factory=list)
    documents: list[DocumentData] = field(default_factory=list)
    channels: list[ChannelData] = field(default_factory=list)

    @classmethod
    def of(cls, procedure: Procedure) -> ProcedureData:
        return cls(
            code=procedure.code,
            name=procedure.name,
            decision_number=procedure.decision_number,
            sector=procedure.sector.name if procedure.sector else "",
            level=procedure.level,
            online=procedure.online,
            postal_send=procedure.postal_send,
            postal_receive=procedure.postal_receive,
            same_day=procedure.same_day,
            applicants=procedure.applicants,
            authority=procedure.authority,
            result=procedure.result,
            legal_basis=procedure.legal_basis,
            requirements=procedure.requirements,
            published=procedure.published,
            last_checked_on=procedure.last_checked_on,
            check_note=procedure.check_note,
            steps=[step.text for step in procedure.steps],
            documents=[DocumentData(d.name, d.template_url, d.originals, d.copies) for d in procedure.documents],
            channels=[ChannelData(c.kind, c.processing_time, c.fee, c.note) for c in procedure.channels],
        )


def save(procedure: Procedure, data: ProcedureData) -> None:
    """Copy `data` into `procedure` (new or existing) and refresh its search text.

    Callers have validated `data` (see `validate_record` and the form) and
    record the audit entry.
    """
    data = _cleaned(data)
    procedure.code = data.code
    procedure.name = data.name
    procedure.decision_number = data.decision_number
    procedure.sector = find_or_create_sector(data.sector)
    procedure.level = data.level
    procedure.online = data.online
    procedure.postal_send = data.postal_send
    procedure.postal_receive = data.postal_receive
    procedure.same_day = data.same_day
    procedure.applicants = data.applicants
    procedure.authority = data.authority
    procedure.result = data.result
    procedure.legal_basis = data.legal_basis
    procedure.requirements = data.requirements
    procedure.published = data.published
    procedure.last_checked_on = data.last_checked_on
    procedure.check_note = data.check_note
    # Lists are replaced whole: positions follow the order given.
    procedure.steps = [Step(position=n, text=text) for n, text in enumerate(data.steps)]
    procedure.documents = [
        Document(position=n, name=d.name, template_url=d.template_url, originals=d.originals, copies=d.copies)
        for n, d in enumerate(data.documents)
    ]
    procedure.channels = [
        Channel(position=n, kind=c.kind, processing_time=c.processing_time, fee=c.fee, note=c.note)
        for n, c in enumerate(data.channels)
    ]
    procedure.refresh_search_text()


def _cleaned(data: ProcedureData) -> ProcedureData:
    def clean(value):
        if isinstance(value, str):
            return clean_text(value)
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, (DocumentData, ChannelData)):
            return type(value)(**{key: clean(item) for key, item in vars(value).items()})
        return value

    return ProcedureData(**{key: clean(value) for key, value in vars(data).items()})


def publish(procedure: Procedure) -> None:
    procedure.published = True
    record_audit("procedure.published", procedure, str(procedure))


def unpublish(procedure: Procedure) -> None:
    procedure.published = False
    record_audit("procedure.unpublished", procedure, str(procedure))


def mark_checked(procedure: Procedure) -> None:
    """Checked against the national portal today: the warning note is no longer needed."""
    procedure.last_checked_on = local_today()
    procedure.check_note = ""
    record_audit("procedure.checked", procedure, f"{procedure} ({procedure.last_checked_on.isoformat()})")


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
            procedure = Procedure()
            save(procedure, data)
            db.session.add(procedure)
            db.session.flush()
            record_audit("procedure.created", procedure, f"{procedure} (import)")
            report.created.append(data.code)
        elif ProcedureData.of(procedure) == data:
            report.unchanged.append(data.code)
        else:
            save(procedure, data)
            db.session.flush()
            record_audit("procedure.updated", procedure, f"{procedure} (import)")
            report.updated.append(data.code)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report
