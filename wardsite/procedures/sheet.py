"""The notice-board sheet of a procedure (/thu-tuc/<code>/in): the summary, the
papers to bring as a checklist, and a QR code to the full page, on one A4 page
for most real records and two at most.

The portal's papers can run to a thousand characters each and forty to a
record, so the sheet shortens what does not fit: every paper keeps its
beginning (where the portal names it), up to a share of the sheet's space, and
a shortened one ends in "…". The sheet says that the QR code and the address
lead to the whole text; nothing is dropped from the page itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wardsite.procedures.models import Document, Procedure

# Characters of papers' text one A4 sheet holds beside its summary and QR code
# in two columns at the print size (procedures.css), measured with
# benchmarks/print_sheets.py.
PAPERS_BUDGET = 2200
# No paper is shortened below this on a one-page sheet, so that each stays
# recognisable; a record with too many papers for that gets two pages, and its
# papers down to MIN_TWO_PAGES characters.
MIN_SHARE = 90
TWO_PAGES_BUDGET = 4800
MIN_TWO_PAGES = 30
# Notes (the portal's cases and remarks among the papers) keep less: the page has them whole.
NOTE_LIMIT = 100
GROUP_NAME_LIMIT = 140
FEE_LIMIT = 160
ELLIPSIS = "…"


def shorten(text: str, limit: int) -> tuple[str, bool]:
    """`text` on one line, cut at a word before `limit` characters with "…"
    when longer; and whether it was shortened."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat, False
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + ELLIPSIS, True


@dataclass
class SheetPaper:
    text: str
    document: Document
    shortened: bool


@dataclass
class SheetGroup:
    name: str
    papers: list[SheetPaper] = field(default_factory=list)


@dataclass
class Sheet:
    groups: list[SheetGroup]
    fee: str
    shortened: bool
    dense: bool  # too many papers for one page: they print smaller, in three columns


def _fit(lengths: list[int], budget: int) -> int:
    """The longest a paper may be so that papers of these (sorted) lengths fit
    `budget`: long papers give up space, short ones keep all of theirs."""
    left = len(lengths)
    for length in lengths:
        if length * left > budget:
            return budget // left
        budget -= length
        left -= 1
    return max(lengths, default=budget)


def _share(documents: list[Document]) -> tuple[int, bool]:
    """One page when each paper keeps at least MIN_SHARE characters; else
    (a hundred papers or more) two pages, each paper down to its first words."""
    lengths = sorted(min(len(" ".join(d.name.split())), NOTE_LIMIT if d.is_note else PAPERS_BUDGET) for d in documents)
    share = _fit(lengths, PAPERS_BUDGET)
    if share >= MIN_SHARE:
        return share, False
    return max(MIN_TWO_PAGES, min(MIN_SHARE, _fit(lengths, TWO_PAGES_BUDGET))), True


def build(procedure: Procedure) -> Sheet:
    documents = list(procedure.documents)
    share, dense = _share(documents)
    shortened = False
    groups: list[SheetGroup] = []
    for group_name, group_documents in procedure.paper_groups:
        name, cut = shorten(group_name, GROUP_NAME_LIMIT) if group_name else ("", False)
        shortened |= cut
        group = SheetGroup(name)
        for document in group_documents:
            text, cut = shorten(document.name, min(share, NOTE_LIMIT) if document.is_note else share)
            shortened |= cut
            group.papers.append(SheetPaper(text, document, cut))
        groups.append(group)
    first = procedure.channels[0] if procedure.channels else None
    fee, cut = shorten(first.fee, FEE_LIMIT) if first is not None and first.fee else ("", False)
    return Sheet(groups, fee, shortened or cut, dense=dense)
