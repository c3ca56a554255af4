"""Finding procedures the way residents ask for them.

Residents type "làm giấy khai sinh cho con", "nhap ho khau" or "sổ đỏ", not
the catalogue's titles. So a query is read before it is matched:

- a code is found with or without its dots ("1001193" is 1.001193);
- residents' words are also read as the official ones (the list is data,
  `data/synonyms.tsv`, with its sources), and each reading is tried;
- filler words ("làm", "xin", "cho", "con", "giấy", "thủ tục"...) are dropped
  from what the resident typed, never from an official phrase;
- a word of four or more letters found nowhere in the catalogue is read as the
  catalogue's words one letter away from it.

Words are compared folded (no accents, đ as d), whole words, not parts of
words ("hon" is not in "thông"). When the resident typed a word with accents,
a name word with the same accents weighs more than one that only folds the
same, so "kết hôn" puts "hôn" before "hơn".

The order, best first:
1. every word of the query in the name ("Thủ tục" at the start of a name is
   ignored), then
2. the most words matched, in the name or the rest of the record, then
3. the most of them in the name (name before body), then
4. how well they match: same accents, the words next to each other as typed,
   at the start of the name; then
5. the shorter name (the more specific procedure), then the oldest record.
Nothing is ever ordered alphabetically. Every record that matches enough of the
words is returned: all of one or two words, most of three or more.

Ranking is done here in Python over an in-memory index of the catalogue, so
SQLite and PostgreSQL give exactly the same order. The index is rebuilt when
the catalogue changes: the content version, read once per request, says
when anything changed, and one aggregate query then whether procedures did.
"""

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
from wardsite.procedures.reading import (  # noqa: F401  (re-exported: the tests and callers read them here)
    MAX_WORDS, SYNONYMS_FILE, Reading, code_key, fold, has_accents, looks_like_code, readings, untyped_marks, words_of,
)

MIN_TYPO_LENGTH = 4
_TITLE_PREFIX = ("thu", "tuc")  # "Thủ tục" at the start of a name is ignored

# How much one query word's best match in a record counts, times the word's
# weight (rarer words weigh more, at least MIN_WEIGHT).
NAME_EXACT = 1.0  # in the name, with the accents typed (or typed without any)
NAME_FOLDED = 0.8  # in the name, only once accents are folded ("hơn" for "hôn")
NAME_NEAR = 0.7  # in the name, one letter away
BODY = 0.4  # elsewhere in the record
BODY_NEAR = 0.25
MIN_WEIGHT = 0.2
# A word that only the rest of records hold ("ông", "trọ"), no name, tells
# little about which procedure was meant: it weighs at most this, and a record
# need not hold it.
CONTEXT_WEIGHT = 0.5
RARE = 2  # a word found in at most this many records may also be a typo
# Bonuses on top of the 0..1 share of the query matched (words and pairs).
PAIR = 1.0  # two neighbouring query words side by side in the name, as a share of their weight
LOOSE_PAIR = 0.5  # two query words side by side in the name, but not so in the query ("kinh doanh hộ" for "hộ kinh doanh")
AT_START = 0.03  # the name begins with the query's first word
COVERAGE = 0.15  # the share of the name the query covers (the more specific name)
MISSED_SHARE = 0.6  # a record lacking some words is left out if they carry more than this of the query's weight
TYPED_READING = 0.05  # the typed words lose this to an official reading of them
# The special case of a procedure, said in its name: a name holding one of these
# phrases, when the query does not say it, loses SPECIAL_CASE for each, so that
# the general, domestic, ward-level procedure comes first among near-identical
# siblings ("Đăng ký tạm trú" before "Gia hạn tạm trú" for "tạm trú cho sinh viên").
SPECIAL_CASE = 0.04
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

# Words that say a special case without its words: a lost paper is issued again
# ("mất căn cước" is "cấp lại thẻ căn cước"), a worn one exchanged.
IMPLIED = {"mat": ("lai",), "hong": ("doi",), "rach": ("doi",)}
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


# Ranking -------------------------------------------------------------------


def needed(count: int) -> int:
    """How many of a reading's words a record must match: all of one or two, most of
    more (and then one at least in the name: see `_score_reading`)."""
    return count if count <= 2 else math.ceil(count * 0.6)


def _mask(size: int, *postings: np.ndarray) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    for numbers in postings:
        mask[numbers] = True
    return mask


def _score_reading(index: Index, words: list[str], permitted, official: frozenset = frozenset(),
                   said: frozenset = frozenset(), known: frozenset = frozenset(),
                   tail: list[bool] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kept, every telling word in the name, value), each an array over the entries,
    for one reading of the query.

    `said` holds every folded word of the reading, filler included: a special
    case ("lại", "nước ngoài") the query says is not held against a name.
    `known` are residents' words that another reading replaces ("cccd"): in
    this one they are never mere context, whatever names hold. `tail` says
    which words came after a preposition ("với hàng xóm").
    """
    tail = tail or [False] * len(words)
    size = index.size
    count = len(words)
    folded_words = [fold(word) for word in words]
    value = np.zeros(size)
    names = np.zeros(size, dtype=np.int16)  # telling words found in the name (or one letter off)
    exact = np.zeros(size, dtype=np.int16)  # telling words in the name with the accents typed
    hits = np.zeros(size, dtype=np.int16)  # telling words found anywhere
    missed = np.zeros(size)
    name_masks: list[np.ndarray | None] = []
    weights: list[float] = []
    telling: list[bool] = []
    found_masks: list[np.ndarray] = []
    near_masks: list[np.ndarray] = []
    exact_masks: list[np.ndarray] = []
    nowhere = asked_nowhere = False
    for word, folded in zip(words, folded_words):
        frequency = index.frequency.get(folded, 0)
        near: set = set()
        plain = untyped_marks(folded) if not frequency else folded
        if plain != folded and plain in index.frequency:  # typed without the input method: "ddawng kys"
            near = {plain}
        elif len(folded) >= MIN_TYPO_LENGTH and frequency <= RARE:
            near = {c for c in index.near(folded) if index.frequency.get(c, 0) > frequency}
        weight = index.weight(folded) if frequency or not near else max(index.weight(c) for c in near)
        name = index.name_postings.get(folded, _EMPTY)
        body = index.body_postings.get(folded, _EMPTY)
        near_name = [index.name_postings[c] for c in near if c in index.name_postings]
        near_body = [index.body_postings[c] for c in near if c in index.body_postings]
        is_telling = bool(len(name) or near_name) or folded in known
        if not is_telling:
            if len(body) or near_body:
                weight = min(weight, CONTEXT_WEIGHT)
            else:  # found nowhere: what was asked for is not in the catalogue, and weighs its full weight
                nowhere = True
                asked_nowhere = asked_nowhere or not tail[len(weights)]
        # Where the word is, best place first: 4 name, 3 name one letter off, 2 body, 1 body one letter off.
        place = np.zeros(size, dtype=np.int8)
        for numbers in near_body:
            place[numbers] = 1
        place[body] = 2
        for numbers in near_name:
            place[numbers] = 3
        place[name] = 4
        worth = np.array([0.0, BODY_NEAR, BODY, NAME_NEAR, NAME_EXACT]) * weight
        value += worth[place]
        in_name = place >= 3
        found = place > 0
        if has_accents(word) and len(name):
            folded_only = _mask(size, name) & ~_mask(size, index.accented_postings.get(word, _EMPTY))
            value -= folded_only * ((NAME_EXACT - NAME_FOLDED) * weight)
            exact_here = (place == 4) & ~folded_only
        else:
            exact_here = place == 4
        is_tail = tail[len(weights)]
        if is_telling:
            names += in_name
            exact += exact_here
            if not is_tail:  # what comes after "cho", "với", "ở" ("cho con đã lớn") need not be found
                hits += found
        if not is_tail:
            missed += ~found * weight
        weights.append(weight)
        telling.append(is_telling)
        name_masks.append(place == 4)
        near_masks.append(place == 3)
        exact_masks.append(exact_here)
        found_masks.append(found)
    core = sum(1 for slot, is_telling in enumerate(telling) if is_telling and not tail[slot])
    every = sum(telling)  # "every word in the name" counts those after a preposition too
    if not every:  # only words no name holds: every one must be found, as in a search of the text
        core = every = count
        hits = np.sum(found_masks, axis=0, dtype=np.int16)
    elif not core:  # every telling word came after a preposition: they are what was asked for after all
        core = every
        hits = np.sum([mask for mask, is_telling in zip(found_masks, telling) if is_telling], axis=0, dtype=np.int16)
    least = needed(core)
    # A record whose name holds the whole official phrase a resident's words
    # stand for ("tách khẩu" -> "tách hộ") is kept, whatever else was said.
    phrase = [slot for slot, folded in enumerate(folded_words) if folded in official]
    whole = np.logical_and.reduce([name_masks[slot] for slot in phrase]) if phrase else np.zeros(size, dtype=bool)
    # Vietnamese words are mostly two or more syllables ("khai tử", "tạm trú"):
    # the query's neighbouring words found side by side in a name weigh as
    # much again as the words themselves; side by side in the name but not in
    # the query ("kinh doanh hộ gia đình"), half as much.
    words_weight = sum(weights)
    adjacent = {}
    for i, pair in enumerate(zip(folded_words, folded_words[1:])):
        adjacent.setdefault(pair, (weights[i] + weights[i + 1]) / 2)
    total = words_weight + PAIR * sum(adjacent.values())
    for pair, weight in adjacent.items():
        numbers = index.pair_postings.get(pair)
        if numbers is not None:
            value[numbers] += PAIR * weight
    loose = set()
    for i, left in enumerate(folded_words):
        for j, right in enumerate(folded_words):
            pair = (left, right)
            if i != j and left != right and pair not in adjacent and pair not in loose and pair in index.pair_postings:
                loose.add(pair)
                value[index.pair_postings[pair]] += LOOSE_PAIR * (weights[i] + weights[j]) / 2
    value /= total
    first = index.first_postings.get(folded_words[0])
    if first is not None:
        value[first] += AT_START
    value += COVERAGE * np.minimum(1.0, names / index.core_lengths)
    unsaid = [k for k, phrase_words in enumerate(_SPECIAL_FOLDED) if not phrase_words <= said]
    if unsaid:
        value -= SPECIAL_CASE * index.special[unsaid].sum(axis=0)
    kept = (hits >= least) | whole
    # Some of the words, none in the name: only mentioned in passing.
    kept &= (names > 0) | (hits >= core)
    # A word the catalogue holds nowhere, not even one letter off: in what was
    # asked for ("giấy phép lái tàu"), the catalogue does not have it, and
    # every word must match; after a preposition ("tranh chấp đất với hàng
    # xóm") it only says with whom or where, and a name must then hold every
    # telling word before it, with the accents typed.
    if asked_nowhere:
        kept = whole.copy()
    elif nowhere:
        for slot, word in enumerate(words):
            if telling[slot] and not tail[slot]:
                kept &= exact_masks[slot] | near_masks[slot]
    # The words it lacks are the telling ones ("giấy phép lái tàu" is not "cấp lại giấy phép").
    kept &= (missed <= MISSED_SHARE * words_weight) | whole
    if permitted is not None:
        kept &= permitted
    # "Every word in the name" means with the accents typed: "kết hôn" is not in "... kết ... hơn".
    return kept, exact >= every, value


def rank(query: str, drafts: bool = False, sector_id: int | None = None, online: str | None = None,
         published: bool | None = None) -> list[int]:
    """The ids of the procedures answering `query`, best first."""
    index = current_index()
    g.procedure_search_index = index  # what `listed` shows them from

    def allowed(entry: Entry) -> bool:
        return (
            (drafts or entry.published)
            and (published is None or entry.published == published)
            and (sector_id is None or entry.sector_id == sector_id)
            and (online is None or entry.online == online)
        )

    permitted = index.permitted((drafts, published, sector_id, online), allowed)

    text = query.strip()
    if looks_like_code(text):
        key = code_key(text)
        hits = [entry for entry in index.entries if entry.code_key.startswith(key) and allowed(entry)]
        if hits or "." in text:
            return [entry.id for entry in sorted(hits, key=lambda e: (len(e.code), e.code))]
    words = words_of(text)
    if not words or not index.size:
        return []
    found = np.zeros(index.size, dtype=bool)
    best_tier = np.zeros(index.size, dtype=bool)
    best_value = np.full(index.size, -np.inf)
    options = readings(words[: MAX_WORDS * 2])
    known = frozenset(word for reading in options[1:] for word in set(options[0].folded) - set(reading.folded))
    for reading in options:
        penalty = TYPED_READING if reading.typed and len(options) > 1 else 0.0
        content, tail = reading.content_and_tail()
        official = frozenset(fold(word) for word, is_official in zip(reading.words, reading.official) if is_official)
        said = frozenset(reading.folded).union(*(IMPLIED.get(word, ()) for word in reading.folded))
        kept, tier, value = _score_reading(index, content, permitted, official, said, known, tail)
        value -= penalty
        better = kept & ((tier & ~best_tier) | ((tier == best_tier) & (value > best_value)))
        best_tier = np.where(better, tier, best_tier)
        best_value = np.where(better, value, best_value)
        found |= kept
    numbers = np.nonzero(found)[0]
    if not len(numbers):
        return []
    order = np.lexsort((index.ids[numbers], index.core_lengths[numbers], -best_value[numbers], ~best_tier[numbers]))
    return index.ids[numbers[order]].tolist()


def listed(ids: list[int]) -> list[Entry]:
    """What the residents' list shows of these procedures (code, name, sector,
    online level, same day), from the index the search ranked them with: no
    query, and as current as the ranking."""
    index = g.get("procedure_search_index") or current_index()
    by_id = index.__dict__.get("_by_id")
    if by_id is None:
        by_id = index.__dict__["_by_id"] = {entry.id: entry for entry in index.entries}
    return [by_id[procedure_id] for procedure_id in ids if procedure_id in by_id]
