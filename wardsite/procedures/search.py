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

import numpy as np
from flask import g

from wardsite.procedures.reading import (  # noqa: F401  (re-exported: the tests and callers read them here)
    MAX_WORDS, SYNONYMS_FILE, Reading, code_key, fold, has_accents, looks_like_code, readings, untyped_marks, words_of,
)
from wardsite.procedures.search_index import (  # noqa: F401  (re-exported)
    _EMPTY, _SPECIAL_FOLDED, MIN_WEIGHT, RECHECK_SECONDS, SPECIAL_CASES, Entry, Index, current_index,
)

MIN_TYPO_LENGTH = 4

# How much one query word's best match in a record counts, times the word's
# weight (rarer words weigh more, at least MIN_WEIGHT).
NAME_EXACT = 1.0  # in the name, with the accents typed (or typed without any)
NAME_FOLDED = 0.8  # in the name, only once accents are folded ("hơn" for "hôn")
NAME_NEAR = 0.7  # in the name, one letter away
BODY = 0.4  # elsewhere in the record
BODY_NEAR = 0.25
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
# The special case of a procedure, said in its name: a name holding one of the
# phrases of search_index.SPECIAL_CASES, when the query does not say it, loses SPECIAL_CASE for each, so that
# the general, domestic, ward-level procedure comes first among near-identical
# siblings ("Đăng ký tạm trú" before "Gia hạn tạm trú" for "tạm trú cho sinh viên").
SPECIAL_CASE = 0.04
# Words that say a special case without its words: a lost paper is issued again
# ("mất căn cước" is "cấp lại thẻ căn cước"), a worn one exchanged.
IMPLIED = {"mat": ("lai",), "hong": ("doi",), "rach": ("doi",)}


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
