"""What the procedure catalogue does, reachable without HTTP: search, saving a
record from the editor's form or an import row, publishing and checking. The
open-data export and import are in `wardsite.procedures.open_data`.

Every way a procedure is written (the editor's form, the importer, the demo)
goes through `ProcedureData` and `save()`, so the rules and the folded search
text are the same whichever way the data came in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import bindparam, false, func, or_, select
from sqlalchemy.orm import load_only

from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.forms import strip_control
from wardsite.procedures import search as procedure_search
from wardsite.procedures.models import Channel, Document, Procedure, Sector, Step, is_valid_code
from wardsite.text import fold, slugify
from wardsite.timeutil import local_today

MAX_QUERY_LENGTH = 200
# Real portal records have up to ~90 papers and ~12 ways of filing; these bounds only stop a broken file.
MAX_STEPS = 200
MAX_DOCUMENTS = 400
MAX_CHANNELS = 60
MAX_COPIES = 50


_SLUG = re.compile(r"^[a-z0-9-]{1,120}\Z")


def clean_text(value: str) -> str:
    """Without control characters (PostgreSQL refuses NUL; none belongs in a procedure)."""
    return strip_control(value or "")


# Search ----------------------------------------------------------------------


def search(query: str = "", sector: Sector | None = None, online: str | None = None, drafts: bool = False,
           published: bool | None = None):
    """The procedures matching `query`, best first (see `wardsite.procedures.search`
    for how a query is read and ranked); without a query, all of them by name.

    The query and the stored text are both folded (lower case, no accents,
    đ as d), so "dang ky khai sinh" finds "Đăng ký khai sinh". With a query,
    the statement carries the ranked ids as its execution option "ranked_ids":
    `SearchPage` pages them without asking the database for the order again.
    """
    statement = select(Procedure)
    if not drafts:
        statement = statement.where(Procedure.published == True)  # noqa: E712  ("IS 1" would not use the index)
    if published is not None:
        statement = statement.where(Procedure.published.is_(published))
    if sector is not None:
        statement = statement.where(Procedure.sector_id == sector.id)
    if online:
        statement = statement.where(Procedure.online == online)
    text = clean_text(query).strip()[:MAX_QUERY_LENGTH]
    if not text:
        return statement.order_by(Procedure.name_folded, Procedure.id)
    # Ranking is in wardsite.procedures.search, the same on every database.
    ids = procedure_search.rank(
        text, drafts=drafts, sector_id=sector.id if sector is not None else None, online=online or None,
        published=published,
    )
    if not ids:
        return statement.where(false())
    # One expanding parameter, not a literal per id: a common word ranks thousands.
    ranked = bindparam("ranked_ids", value=list(ids), expanding=True)
    return statement.where(Procedure.id.in_(ranked)).execution_options(ranked_ids=tuple(ids))


# What the lists show (the residents' results, the editors' list): the rest of a
# record (its body text, legal basis, the portal's tables) is several kilobytes
# each and is loaded only if something reads it.
LISTED_COLUMNS = (
    Procedure.id, Procedure.code, Procedure.name, Procedure.sector_id, Procedure.online, Procedure.same_day,
    Procedure.published, Procedure.last_checked_on, Procedure.updated_at,
)


class SearchPage(Pagination):
    """One page of a search, from a single scan of the table.

    The search statement is run once for the ids of every match, in order:
    that gives the count and the page together, where the usual pagination
    scans the folded text twice (once for the count). Then only the page's
    procedures are loaded.
    """

    def __init__(self, statement, page: int, per_page: int, from_index: bool = False):
        ranked = statement.get_execution_options().get("ranked_ids")
        # The residents' list shows only what the search index holds: the page is drawn from it.
        self._from_index = from_index and ranked is not None
        if ranked is not None:
            self._ids = list(ranked)  # already filtered and ordered by the search
        else:
            self._ids = list(db.session.scalars(statement.with_only_columns(Procedure.id)))
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False)

    def _query_items(self) -> list[Procedure]:
        chosen = self._ids[(self.page - 1) * self.per_page : self.page * self.per_page]
        if not chosen:
            return []
        if self._from_index:
            return procedure_search.listed(chosen)
        statement = select(Procedure).where(Procedure.id.in_(chosen)).options(load_only(*LISTED_COLUMNS))
        found = {p.id: p for p in db.session.scalars(statement)}
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
    condition: str = ""
    time_value: str = ""
    time_unit: str = ""
    fee_note: str = ""


@dataclass
class DocumentData:
    name: str = ""
    template_url: str = ""
    originals: int = 0
    copies: int = 0
    group: str = ""
    is_note: bool = False
    template_name: str = ""
    scans: int = 0


# The portal's fields a procedure holds beyond the editor's form; the form keeps them as they are.
PORTAL_FIELDS = ("procedure_type", "levels", "related", "detail_url", "legal_refs", "results", "parse_notes")


def portal_fields(procedure: Procedure | None) -> dict:
    if procedure is None:
        return {}
    return {name: getattr(procedure, name) or ([] if name in ("legal_refs", "results", "parse_notes") else "") for name in PORTAL_FIELDS}


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
    procedure_type: str = ""
    levels: str = ""
    related: str = ""
    detail_url: str = ""
    legal_refs: list[dict] = field(default_factory=list)  # [{"title", "number"}]
    results: list[dict] = field(default_factory=list)  # [{"name", "code"}]
    parse_notes: list[str] = field(default_factory=list)

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
            documents=[
                DocumentData(d.name, d.template_url, d.originals, d.copies, d.group, d.is_note, d.template_name, d.scans)
                for d in procedure.documents
            ],
            channels=[
                ChannelData(c.kind, c.processing_time, c.fee, c.note, c.condition, c.time_value, c.time_unit, c.fee_note)
                for c in procedure.channels
            ],
            **portal_fields(procedure),
        )


def save(procedure: Procedure, data: ProcedureData) -> None:
    """Copy `data` into `procedure` (new or existing) and refresh its search text.

    Callers have validated `data` (see `open_data.validate_record` and the
    form); `create` and `update` also record the audit entry.
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
    for name in PORTAL_FIELDS:
        setattr(procedure, name, getattr(data, name))
    # Lists are replaced whole: positions follow the order given.
    procedure.steps = [Step(position=n, text=text) for n, text in enumerate(data.steps)]
    procedure.documents = [Document(position=n, **vars(d)) for n, d in enumerate(data.documents)]
    procedure.channels = [Channel(position=n, **vars(c)) for n, c in enumerate(data.channels)]
    procedure.refresh_search_text()


def create(data: ProcedureData, imported: bool = False) -> Procedure:
    """A new procedure from `data`, with its audit entry."""
    procedure = Procedure()
    save(procedure, data)
    db.session.add(procedure)
    db.session.flush()
    record_audit("procedure.created", procedure, f"{procedure} (import)" if imported else str(procedure))
    return procedure


def update(procedure: Procedure, data: ProcedureData, imported: bool = False) -> None:
    save(procedure, data)
    db.session.flush()
    record_audit("procedure.updated", procedure, f"{procedure} (import)" if imported else str(procedure))


def _cleaned(data: ProcedureData) -> ProcedureData:
    def clean(value):
        if isinstance(value, str):
            return clean_text(value)
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
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
