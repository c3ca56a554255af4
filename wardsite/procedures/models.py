"""Procedures (thủ tục hành chính) with their sector, channels, steps and documents.

A procedure keeps two folded copies of its text, maintained on every save by
`Procedure.refresh_search_text()`: its name, and the words of everything else
a resident might type (steps, documents, who may apply...). Search
(`wardsite.procedures.search`) reads both into an in-memory index of whole
words, so it ranks the same on SQLite and PostgreSQL, a match in the name
above a match in the body.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardsite.extensions import db
from wardsite.text import fold
from wardsite.timeutil import UTCDateTime, utcnow

# National codes look like 1.001193; provinces add a suffix (1.001699.000.00.00.H17).
CODE_PATTERN = re.compile(r"^\d\.\d{6}(\.\d{3}\.\d{2}\.\d{2}\.H\d{2})?\Z")
PORTAL_DETAIL_URL = "https://dichvucong.gov.vn/p/home/dvc-chi-tiet-thu-tuc-hanh-chinh.html?ma_thu_tuc={code}"

LEVELS = {
    "ward": _l("Ward level"),
    "province": _l("Province level"),
}

# Decree 42/2022: fully online (toàn trình), partly online (một phần), or not online.
ONLINE_LEVELS = {
    "full": _l("Fully online"),
    "partial": _l("Partly online"),
    "none": _l("Not online"),
}
# The public filter's values, in the Vietnamese the address bar shows.
ONLINE_FILTERS = {"toan-trinh": "full", "mot-phan": "partial"}

CHANNEL_KINDS = {
    "in_person": _l("In person"),
    "online": _l("Online"),
    "post": _l("By post"),
}


def is_valid_code(code: str) -> bool:
    return bool(CODE_PATTERN.match(code or ""))


class Sector(db.Model):
    """A lĩnh vực: hộ tịch, chứng thực, cư trú..."""

    __tablename__ = "procedure_sector"
    __table_args__ = {"info": {"page_cache": "procedures"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)

    def __str__(self) -> str:
        return self.name


class Procedure(db.Model):
    __tablename__ = "procedure"
    __table_args__ = (Index("ix_procedure_published_name", "published", "name_folded"), {"info": {"page_cache": "procedures"}})

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    # Codes change when a procedure is re-published: the decision says which one is current.
    decision_number: Mapped[str] = mapped_column(Text, default="")
    # No length limits on the portal's texts: real names reach 1,100 characters.
    name: Mapped[str] = mapped_column(Text)
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_sector.id", ondelete="SET NULL"), index=True)
    level: Mapped[str] = mapped_column(String(20), default="ward")
    online: Mapped[str] = mapped_column(String(20), default="none")
    postal_send: Mapped[bool] = mapped_column(default=False)
    postal_receive: Mapped[bool] = mapped_column(default=False)
    same_day: Mapped[bool] = mapped_column(default=False)
    applicants: Mapped[str] = mapped_column(Text, default="")
    authority: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[str] = mapped_column(Text, default="")
    # What the national portal publishes beyond our first fields (issue 12).
    procedure_type: Mapped[str] = mapped_column(Text, default="")
    levels: Mapped[str] = mapped_column(Text, default="")  # "Cấp bộ, Cấp tỉnh, Cấp xã" as given
    related: Mapped[str] = mapped_column(Text, default="")
    detail_url: Mapped[str] = mapped_column(Text, default="")  # the portal's detail link as given
    # [{"title", "number"}], [{"name", "code"}] and the importer's notes on what it could not split.
    legal_refs: Mapped[list] = mapped_column(JSON, default=list)
    results: Mapped[list] = mapped_column(JSON, default=list)
    parse_notes: Mapped[list] = mapped_column(JSON, default=list)
    published: Mapped[bool] = mapped_column(default=False)
    last_checked_on: Mapped[date | None] = mapped_column(Date)
    # Shown to residents as a warning until an editor marks the record as checked.
    check_note: Mapped[str] = mapped_column(Text, default="")
    name_folded: Mapped[str] = mapped_column(Text, default="")
    body_folded: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sector: Mapped[Sector | None] = relationship(lazy="joined")
    channels: Mapped[list[Channel]] = relationship(
        cascade="all, delete-orphan", order_by="Channel.position", back_populates="procedure"
    )
    steps: Mapped[list[Step]] = relationship(cascade="all, delete-orphan", order_by="Step.position", back_populates="procedure")
    documents: Mapped[list[Document]] = relationship(
        cascade="all, delete-orphan", order_by="Document.position", back_populates="procedure"
    )

    @property
    def sector_name(self) -> str:
        return self.sector.name if self.sector else ""

    @property
    def portal_url(self) -> str:
        return self.detail_url or PORTAL_DETAIL_URL.format(code=self.code)

    @property
    def paper_groups(self) -> list[tuple[str, list[Document]]]:
        """The papers in their named groups ("Giấy tờ phải nộp"...), in order."""
        groups: list[tuple[str, list[Document]]] = []
        for document in self.documents:
            if not groups or groups[-1][0] != document.group:
                groups.append((document.group, []))
            groups[-1][1].append(document)
        return groups

    @property
    def level_label(self) -> str:
        return str(LEVELS.get(self.level, self.level))

    @property
    def online_label(self) -> str:
        return str(ONLINE_LEVELS.get(self.online, self.online))

    @property
    def is_online(self) -> bool:
        return self.online in ("full", "partial")

    def refresh_search_text(self) -> None:
        """Fold the name and the rest of the record for search; call after every change."""
        self.name_folded = fold(self.name)
        parts = [
            self.code,
            self.decision_number,
            self.sector.name if self.sector else "",
            self.applicants,
            self.authority,
            self.result,
            self.requirements,
            *(step.text for step in self.steps),
            *(document.name for document in self.documents),
        ]
        # Each word once, in order: search looks for words, not phrases, in the
        # body, and a shorter text is quicker to scan.
        words = dict.fromkeys(fold(" ".join(part for part in parts if part)).split())
        self.body_folded = " ".join(words)

    def can_edit(self, user) -> bool:
        return user.is_authenticated and user.has_role("editor")

    def can_view(self, user) -> bool:
        """Residents see published procedures; editors also preview drafts."""
        return self.published or self.can_edit(user)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Channel(db.Model):
    """One way to file the procedure (in person, online, by post) with its time and fee."""

    __tablename__ = "procedure_channel"
    __table_args__ = {"info": {"page_cache": "procedures"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20), default="in_person")
    # Several rows may share a kind, each with its own condition (e.g. "Trường hợp ...").
    condition: Mapped[str] = mapped_column(Text, default="")
    processing_time: Mapped[str] = mapped_column(Text, default="")  # as the portal wrote it
    time_value: Mapped[str] = mapped_column(String(40), default="")  # "3", "0.5"
    time_unit: Mapped[str] = mapped_column(Text, default="")  # "Ngày làm việc"
    fee: Mapped[str] = mapped_column(Text, default="")
    fee_note: Mapped[str] = mapped_column(Text, default="")  # the fee's explanation
    note: Mapped[str] = mapped_column(Text, default="")

    procedure: Mapped[Procedure] = relationship(back_populates="channels")

    @property
    def kind_label(self) -> str:
        return str(CHANNEL_KINDS.get(self.kind, self.kind))


class Step(db.Model):
    __tablename__ = "procedure_step"
    __table_args__ = {"info": {"page_cache": "procedures"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)

    procedure: Mapped[Procedure] = relationship(back_populates="steps")


class Document(db.Model):
    """A paper to bring: its name, its group, the form template, how many originals, copies and photocopies."""

    __tablename__ = "procedure_document"
    __table_args__ = {"info": {"page_cache": "procedures"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(Text)
    # The named group or case the paper is listed under; a note is shown as a note, not a paper to tick.
    group: Mapped[str] = mapped_column(Text, default="")
    is_note: Mapped[bool] = mapped_column(default=False)
    template_name: Mapped[str] = mapped_column(Text, default="")
    template_url: Mapped[str] = mapped_column(Text, default="")
    originals: Mapped[int] = mapped_column(default=0)  # bản chính
    copies: Mapped[int] = mapped_column(default=0)  # bản sao
    scans: Mapped[int] = mapped_column(default=0)  # bản chụp

    procedure: Mapped[Procedure] = relationship(back_populates="documents")
