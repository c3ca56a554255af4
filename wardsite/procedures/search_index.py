"""The in-memory index the procedure search ranks over (`wardsite.procedures.search`):
each catalogue word and the records holding it, in names and in the rest of the
records, as numpy arrays; kept per database and rebuilt when the catalogue changes."""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from flask import g, has_request_context
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from wardsite.extensions import db
from wardsite.page_cache.version import area_id, read_versions
from wardsite.procedures.models import ONLINE_LEVELS, Procedure, Sector
from wardsite.procedures.reading import code_key, fold, words_of

_TITLE_PREFIX = ("thu", "tuc")  # "Thủ tục" at the start of a name is ignored
MIN_WEIGHT = 0.2  # the least a word weighs, however common in names
# The special case of a procedure, said in its name (see SPECIAL_CASE in search.py).
SPECIAL_CASES = tuple(
    tuple(words_of(phrase))  # matched with their accents in names: "dừng" is not the "dụng" of "áp dụng"
    for phrase in (
        "lại", "cấp đổi", "gia hạn", "điều chỉnh", "sửa đổi", "bổ sung", "đính chính", "thay đổi", "xóa", "hủy",
        "chấm dứt", "thu hồi", "tạm ngừng", "dừng", "lưu động", "nước ngoài", "biên giới", "cấp huyện", "cấp tỉnh",
        "cấp bộ", "ban quản lý", "tạm thời", "giám sát", "doanh nghiệp",
        # made for organisations, not residents
        "cho cơ quan", "đối với tổ chức", "là tổ chức",
    )
)

_SPECIAL_FOLDED = [frozenset(fold(word) for word in phrase) for phrase in SPECIAL_CASES]
_SPECIAL_SPACED = [f" {' '.join(phrase)} " for phrase in SPECIAL_CASES]


# The index -----------------------------------------------------------------


@dataclass
class Entry:
    id: int
    code: str
    code_key: str
    name_words: list[str]  # lower case with accents, "Thủ tục" dropped
    name_folded: list[str]
    name_accented: frozenset
    name_pairs: frozenset  # folded words next to each other in the name
    core_length: int  # words of the name outside brackets
    published: bool
    sector_id: int | None
    online: str
    same_day: bool = False
    sector_name: str = ""  # what the residents' list shows, so that it is drawn from here (`listed`)
    name: str = ""  # as written

    @property
    def sector(self):
        return _Sector(self.sector_name) if self.sector_name else None

    @property
    def online_label(self) -> str:
        return str(ONLINE_LEVELS.get(self.online, self.online))


@dataclass(frozen=True)
class _Sector:
    name: str


_EMPTY = np.zeros(0, dtype=np.int32)
_BRACKETS = re.compile(r"\([^()]*\)")


class Postings(dict):
    """word -> numpy array of entry numbers, made from its set the first time a
    query asks for it (most of a catalogue's words are never asked for)."""

    def __init__(self, sets: dict):
        super().__init__()
        self._sets = sets

    def __missing__(self, key):
        numbers = self._sets[key]  # KeyError for a word no record holds
        array = self[key] = np.fromiter(numbers, dtype=np.int32, count=len(numbers))
        return array

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key) -> bool:
        return key in self._sets

    def sizes(self) -> dict:
        return {key: len(numbers) for key, numbers in self._sets.items()}


@dataclass
class Index:
    """The catalogue's words, and for each the records (by number) holding it.

    Postings are numpy arrays of record numbers, so that a query is scored for
    every record at once, in a few dozen array operations, however large the
    catalogue.
    """

    entries: list[Entry] = field(default_factory=list)
    # folded word -> entry numbers whose name holds it
    name_postings: dict[str, np.ndarray] = field(default_factory=dict)
    # folded word -> entry numbers whose body (not name) holds it
    body_postings: dict[str, np.ndarray] = field(default_factory=dict)
    # the word with its accents -> entry numbers whose name holds it so
    accented_postings: dict[str, np.ndarray] = field(default_factory=dict)
    # two folded words side by side in a name -> entry numbers
    pair_postings: dict[tuple, np.ndarray] = field(default_factory=dict)
    first_postings: dict[str, np.ndarray] = field(default_factory=dict)  # the name's first word
    frequency: dict[str, int] = field(default_factory=dict)  # records holding the word anywhere
    name_frequency: dict[str, int] = field(default_factory=dict)  # records holding it in the name
    core_lengths: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    special: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int8))  # SPECIAL_CASES x entries

    @property
    def size(self) -> int:
        return len(self.entries)

    @classmethod
    def build(cls, rows) -> Index:
        index = cls()
        names: dict[str, set] = {}
        bodies: dict[str, set] = {}
        accented: dict[str, set] = {}
        pairs: dict[tuple, set] = {}
        firsts: dict[str, set] = {}
        specials = []
        for number, row in enumerate(rows):
            words = words_of(row.name)
            folded = [fold(word) for word in words]
            core = len(words_of(_BRACKETS.sub(" ", row.name))) or len(words)
            if tuple(folded[:2]) == _TITLE_PREFIX and len(words) > 2:
                words, folded, core = words[2:], folded[2:], max(1, core - 2)
            name_pairs = frozenset(zip(folded, folded[1:]))
            index.entries.append(
                Entry(row.id, row.code, code_key(row.code), words, folded, frozenset(words),
                      name_pairs, core, bool(row.published), row.sector_id, row.online,
                      bool(getattr(row, "same_day", False)), getattr(row, "sector_name", None) or "", row.name)
            )
            in_name = set(folded)
            for word in in_name:
                names.setdefault(word, set()).add(number)
            for word in set(words):
                accented.setdefault(word, set()).add(number)
            for pair in name_pairs:
                pairs.setdefault(pair, set()).add(number)
            if folded:
                firsts.setdefault(folded[0], set()).add(number)
            for word in set((row.body_folded or "").split()) - in_name:
                bodies.setdefault(word, set()).add(number)
            spaced = f" {' '.join(words)} "
            specials.append([phrase in spaced for phrase in _SPECIAL_SPACED])
        index.name_frequency = {word: len(numbers) for word, numbers in names.items()}
        index.frequency = {word: len(numbers) for word, numbers in bodies.items()}
        for word, count in index.name_frequency.items():
            index.frequency[word] = index.frequency.get(word, 0) + count
        index.name_postings, index.body_postings = Postings(names), Postings(bodies)
        index.accented_postings, index.pair_postings, index.first_postings = Postings(accented), Postings(pairs), Postings(firsts)
        index.core_lengths = np.array([entry.core_length for entry in index.entries], dtype=np.float64)
        index.ids = np.array([entry.id for entry in index.entries], dtype=np.int64)
        index.special = np.array(specials, dtype=np.int8).reshape(len(index.entries), len(SPECIAL_CASES)).T.copy()
        return index

    def near(self, word: str) -> set[str]:
        """Catalogue words one letter away from `word` (changed, added, dropped, swapped)."""
        return {candidate for candidate in _edits(word) if candidate in self.frequency and candidate != word}

    def permitted(self, key: tuple, allowed) -> np.ndarray | None:
        """Which entries a search may return (published, sector, online level), kept per filter."""
        cache = self.__dict__.setdefault("_permitted", {})
        if key not in cache:
            mask = np.fromiter((allowed(entry) for entry in self.entries), dtype=bool, count=len(self.entries))
            cache[key] = None if mask.all() else mask
        return cache[key]

    def weight(self, word: str) -> float:
        """How telling a word is in a name: rare ones more than "đăng", "ký" or "cấp"."""
        count = self.name_frequency.get(word, 0)
        return max(MIN_WEIGHT, math.log((len(self.entries) + 1) / (count + 0.5)))


_LETTERS = "abcdefghijklmnopqrstuvwxyz"  # folded words have no other letters


def _edits(word: str) -> set[str]:
    """Every string one letter away from `word`: a few hundred, each looked up once."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return (
        {left + right[1:] for left, right in splits if right}
        | {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
        | {left + letter + right[1:] for left, right in splits if right for letter in _LETTERS}
        | {left + letter + right for left, right in splits for letter in _LETTERS}
    )


_lock = threading.Lock()
_cache: dict[str, _Cached] = {}
_generation = 0  # raised by every flush that touches a procedure in this process
PAGE_CACHE_AREA = "procedures"  # the models' page-cache area (procedures/models.py)
RECHECK_SECONDS = 2.0  # how stale another process's change may be when there is no content version to read
MAX_CACHED = 4


@dataclass
class _Cached:
    stamp: tuple  # what the aggregate query said of the table
    generation: int
    version: int | None  # the content version it was checked at
    checked_at: float
    index: Index


@event.listens_for(Session, "after_flush")
def _procedures_changed(session, _context) -> None:
    global _generation
    if any(isinstance(item, Procedure) for item in (*session.new, *session.dirty, *session.deleted)):
        _generation += 1


def _content_version() -> int | None:
    """The procedures area's content version (`wardsite.page_cache.version`),
    which every commit changing a procedure or a sector raises, in the same
    transaction. The page cache has read the versions for this request already
    when the request may be served from memory; otherwise one query on the
    small version table reads them."""
    versions = g.get("page_cache_versions") if has_request_context() else None
    if versions is None:
        versions = read_versions()
    return None if versions is None else versions.get(area_id(PAGE_CACHE_AREA), 0)


def current_index() -> Index:
    """The index of the catalogue as it is now.

    A change made in this process is seen at once; one made by another worker
    from the very next request, through the content version read per request.
    When that has moved (any content changed), one aggregate query tells
    whether the procedures did, and the index is rebuilt only then.
    """
    from wardsite import page_cache

    page_cache.reads(Procedure.__tablename__)  # a page using the index depends on the catalogue
    key = f"{db.engine.url}#{id(db.engine)}"
    now = time.monotonic()
    version = _content_version()
    with _lock:
        cached = _cache.get(key)
    if cached and cached.generation == _generation:
        if version is not None and cached.version == version:
            return cached.index
        if version is None and now - cached.checked_at < RECHECK_SECONDS:
            return cached.index
    generation = _generation
    stamp = tuple(
        db.session.execute(
            select(func.count(Procedure.id), func.max(Procedure.updated_at), func.max(Procedure.id), func.sum(Procedure.id),
                   select(func.sum(func.length(Sector.name))).scalar_subquery())
        ).one()
    )
    if cached and cached.stamp == stamp and cached.generation == generation:
        index = cached.index
    else:
        rows = db.session.execute(
            select(Procedure.id, Procedure.code, Procedure.name, Procedure.body_folded, Procedure.published,
                   Procedure.sector_id, Procedure.online, Procedure.same_day, Sector.name.label("sector_name"))
            .outerjoin(Sector, Sector.id == Procedure.sector_id)
            .order_by(Procedure.id)
        ).all()
        index = Index.build(rows)
    with _lock:
        _cache[key] = _Cached(stamp, generation, version, now, index)
        while len(_cache) > MAX_CACHED:  # one per database; tests make many
            _cache.pop(next(iter(_cache)))
    return index

