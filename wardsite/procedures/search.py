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
the catalogue changes (one cheap aggregate query tells).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from wardsite.extensions import db
from wardsite.procedures.models import Procedure
from wardsite.procedures.reading import (  # noqa: F401  (re-exported: the tests and callers read them here)
    MAX_WORDS, SYNONYMS_FILE, Reading, code_key, fold, has_accents, looks_like_code, readings, words_of,
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
RARE = 2  # a word found in at most this many records may also be a typo
# Bonuses on top of the 0..1 share of the query matched (words and pairs).
PAIR = 1.0  # two neighbouring query words side by side in the name, as a share of their weight
AT_START = 0.03  # the name begins with the query's first word
COVERAGE = 0.15  # the share of the name the query covers (the more specific name)
MISSED_SHARE = 0.6  # a record lacking some words is left out if they carry more than this of the query's weight
TYPED_READING = 0.05  # the typed words lose this to an official reading of them


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


_EMPTY: frozenset = frozenset()
_BRACKETS = re.compile(r"\([^()]*\)")


@dataclass
class Index:
    entries: list[Entry] = field(default_factory=list)
    # folded word -> entry numbers whose name holds it
    name_postings: dict[str, set[int]] = field(default_factory=dict)
    # folded word -> entry numbers whose body (not name) holds it
    body_postings: dict[str, set[int]] = field(default_factory=dict)
    frequency: dict[str, int] = field(default_factory=dict)  # records holding the word anywhere
    name_frequency: dict[str, int] = field(default_factory=dict)  # records holding it in the name

    @classmethod
    def build(cls, rows) -> Index:
        index = cls()
        for number, row in enumerate(rows):
            words = words_of(row.name)
            folded = [fold(word) for word in words]
            core = len(words_of(_BRACKETS.sub(" ", row.name))) or len(words)
            if tuple(folded[:2]) == _TITLE_PREFIX and len(words) > 2:
                words, folded, core = words[2:], folded[2:], max(1, core - 2)
            index.entries.append(
                Entry(row.id, row.code, code_key(row.code), words, folded, frozenset(words),
                      frozenset(zip(folded, folded[1:])), core, bool(row.published), row.sector_id, row.online)
            )
            in_name = set(folded)
            for word in in_name:
                index.name_postings.setdefault(word, set()).add(number)
            for word in set((row.body_folded or "").split()) - in_name:
                index.body_postings.setdefault(word, set()).add(number)
        for postings in (index.name_postings, index.body_postings):
            for word, numbers in postings.items():
                index.frequency[word] = index.frequency.get(word, 0) + len(numbers)
        index.name_frequency = {word: len(numbers) for word, numbers in index.name_postings.items()}
        return index

    def near(self, word: str) -> set[str]:
        """Catalogue words one letter away from `word` (changed, added, dropped, swapped)."""
        return {candidate for candidate in _edits(word) if candidate in self.frequency and candidate != word}

    def permitted(self, key: tuple, allowed) -> frozenset | None:
        """The entry numbers a search may return (published, sector, online level), kept per filter."""
        cache = self.__dict__.setdefault("_permitted", {})
        if key not in cache:
            numbers = frozenset(n for n, entry in enumerate(self.entries) if allowed(entry))
            cache[key] = None if len(numbers) == len(self.entries) else numbers
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
_cache: dict[str, tuple[tuple, int, float, Index]] = {}
_generation = 0  # raised by every flush that touches a procedure in this process
RECHECK_SECONDS = 2.0  # how stale another process's change may be
MAX_CACHED = 4


@event.listens_for(Session, "after_flush")
def _procedures_changed(session, _context) -> None:
    global _generation
    if any(isinstance(item, Procedure) for item in (*session.new, *session.dirty, *session.deleted)):
        _generation += 1


def current_index() -> Index:
    """The index of the catalogue as it is now.

    A change made in this process is seen at once; one made by another worker
    within RECHECK_SECONDS, when one cheap aggregate query tells whether the
    table changed. The index is rebuilt only when it did.
    """
    from wardsite import page_cache

    page_cache.reads(Procedure.__tablename__)  # a page using the index depends on the catalogue
    key = f"{db.engine.url}#{id(db.engine)}"
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
    if cached and cached[1] == _generation and now - cached[2] < RECHECK_SECONDS:
        return cached[3]
    generation = _generation
    stamp = tuple(
        db.session.execute(
            select(func.count(Procedure.id), func.max(Procedure.updated_at), func.max(Procedure.id), func.sum(Procedure.id))
        ).one()
    )
    if cached and cached[0] == stamp and cached[1] == generation:
        index = cached[3]
    else:
        rows = db.session.execute(
            select(Procedure.id, Procedure.code, Procedure.name, Procedure.body_folded, Procedure.published,
                   Procedure.sector_id, Procedure.online).order_by(Procedure.id)
        ).all()
        index = Index.build(rows)
    with _lock:
        _cache[key] = (stamp, generation, now, index)
        while len(_cache) > MAX_CACHED:  # one per database; tests make many
            _cache.pop(next(iter(_cache)))
    return index


# Ranking -------------------------------------------------------------------


def needed(count: int) -> int:
    """How many of a reading's words a record must match: all of one or two, most of
    more (and then one at least in the name: see `_score_reading`)."""
    return count if count <= 2 else math.ceil(count * 0.6)


def _score_reading(index: Index, words: list[str], permitted, official: frozenset = frozenset()) -> dict[int, tuple]:
    """{entry number: rank key} for one reading of the query.

    Sets do the heavy part in C: which records hold each word where, and which
    hold enough of the words; only those are then scored one by one.
    """
    count = len(words)
    folded_words = [fold(word) for word in words]
    weights: list[float] = []
    places: list[tuple[set, set, set, set]] = []  # per word: name, name one letter off, body, body one letter off
    counts: Counter = Counter()
    for folded in folded_words:
        frequency = index.frequency.get(folded, 0)
        near = set()
        if len(folded) >= MIN_TYPO_LENGTH and frequency <= RARE:
            near = {c for c in index.near(folded) if index.frequency.get(c, 0) > frequency}
        weights.append(index.weight(folded) if frequency or not near else max(index.weight(c) for c in near))
        name = index.name_postings.get(folded, _EMPTY)
        body = index.body_postings.get(folded, _EMPTY)
        near_name = near_body = _EMPTY
        if near:
            near_name = set().union(*(index.name_postings.get(c, _EMPTY) for c in near)) - name
            body = body - near_name
            near_body = set().union(*(index.body_postings.get(c, _EMPTY) for c in near)) - name - near_name - body
        places.append((name, near_name, body, near_body))
        counts.update(name | near_name | body | near_body)
    least = needed(count)
    # A word the catalogue holds nowhere, not even one letter off ("tàu" in
    # "giấy phép lái tàu"), is what was asked for: the catalogue does not have it.
    if any(not (name or near_name or body or near_body) for name, near_name, body, near_body in places):
        least = count
    # A record whose name holds the whole official phrase a resident's words
    # stand for ("tách khẩu" -> "tách hộ") is kept, whatever else was said.
    phrase = [slot for slot, folded in enumerate(folded_words) if folded in official]
    whole = set.intersection(*(set(places[slot][0]) for slot in phrase)) if phrase else _EMPTY
    # Vietnamese words are mostly two or more syllables ("khai tử", "tạm trú"):
    # the query's neighbouring words found side by side in a name weigh as
    # much again as the words themselves.
    pairs = [(pair, (weights[i] + weights[i + 1]) / 2) for i, pair in enumerate(zip(folded_words, folded_words[1:]))]
    words_weight = sum(weights)
    total = words_weight + PAIR * sum(weight for _, weight in pairs)
    accented = [has_accents(word) for word in words]
    first = folded_words[0]
    entries = index.entries
    keys: dict[int, tuple] = {}
    in_names = set().union(*(name | near_name for name, near_name, _body, _near_body in places))
    # A record holding every word, none in its name nor one letter off: the same value for all.
    plain_body = BODY * sum(weights) / total if not any(near_body for *_rest, near_body in places) else None
    # Per word: where it is, what a match there is worth, and the word as typed if it has accents.
    slots = [
        (name, body, near_name, near_body, NAME_EXACT * weight, NAME_FOLDED * weight, BODY * weight,
         NAME_NEAR * weight, BODY_NEAR * weight, word if is_accented else None, weight)
        for (name, near_name, body, near_body), weight, word, is_accented in zip(places, weights, words, accented)
    ]
    for number, hits in counts.items():
        if hits < least and number not in whole:
            continue
        if permitted is not None and number not in permitted:
            continue
        if number not in in_names:
            if hits < count:
                continue  # some of the words, none in the name: only mentioned in passing
            if plain_body is not None:
                keys[number] = (False, plain_body)
                continue
        entry = entries[number]
        accents = entry.name_accented
        value = 0.0
        names = exact = 0
        missed = 0.0
        for name, body, near_name, near_body, exact_value, folded_value, body_value, near_value, near_body_value, typed, weight in slots:
            if number in name:
                names += 1
                if typed is None or typed in accents:
                    exact += 1
                    value += exact_value
                else:
                    value += folded_value
            elif number in body:
                value += body_value
            elif near_name and number in near_name:
                names += 1
                value += near_value
            elif near_body and number in near_body:
                value += near_body_value
            else:
                missed += weight
        if missed > MISSED_SHARE * words_weight and number not in whole:
            continue  # the words it lacks are the telling ones ("giấy phép lái tàu" is not "cấp lại giấy phép")
        if names > 1:
            name_pairs = entry.name_pairs
            for pair, weight in pairs:
                if pair in name_pairs:
                    value += PAIR * weight
        value /= total
        if names:
            if entry.name_folded and entry.name_folded[0] == first:
                value += AT_START
            value += COVERAGE * min(1.0, names / entry.core_length)
        # "Every word in the name" means with the accents typed: "kết hôn" is not in "... kết ... hơn".
        keys[number] = (exact == count, value)
    return keys


def rank(query: str, drafts: bool = False, sector_id: int | None = None, online: str | None = None,
         published: bool | None = None) -> list[int]:
    """The ids of the procedures answering `query`, best first."""
    index = current_index()

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
    if not words:
        return []
    best: dict[int, tuple] = {}
    options = readings(words[: MAX_WORDS * 2])
    for reading in options:
        penalty = TYPED_READING if reading.typed and len(options) > 1 else 0.0
        content = reading.content()
        official = frozenset(fold(word) for word, is_official in zip(reading.words, reading.official) if is_official)
        for number, key in _score_reading(index, content, permitted, official).items():
            if penalty:
                key = (key[0], key[1] - penalty)
            if number not in best or key > best[number]:
                best[number] = key
    entries = index.entries
    ordered = sorted((not tier, -value, entries[n].core_length, entries[n].id) for n, (tier, value) in best.items())
    return [key[3] for key in ordered]
