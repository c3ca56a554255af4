"""Finding procedures the way residents ask for them.

Residents type "làm giấy khai sinh cho con", "nhap ho khau" or "sổ đỏ", not
the catalogue's titles. So a query is cleaned before it is matched: filler
words are dropped, residents' words are replaced by the official ones (the
list is data, `data/synonyms.tsv`), a word of four or more letters that is not
in the catalogue is read as its one-letter-off neighbours, and a code may be
typed with or without its dots.

Ranking is done here in Python over an in-memory index of the published
catalogue, so SQLite and PostgreSQL give exactly the same order. The index is
rebuilt when the catalogue changes (one cheap aggregate query tells), which
keeps a search of a few thousand records well under 20 ms.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from wardsite.extensions import db
from wardsite.procedures.models import Procedure
from wardsite.text import fold

SYNONYMS_FILE = Path(__file__).parent / "data" / "synonyms.tsv"
MIN_TYPO_LENGTH = 4
MAX_VARIANTS = 8
# A record is kept only if it scores at least this share of the best one, so
# that "kết hôn" does not bring every record mentioning "kết quả" and "hơn".
KEEP_SHARE = 0.45

# Folded, so "lam" and "làm" are both dropped. Only words that never name a
# procedure on their own: "giấy" stays when the query has nothing else.
FILLER = frozenset(
    "lam xin cho con giay thu tuc o dau the nao nhu sao gi can muon toi em minh anh chi "
    "di ve viec de phai duoc khong a oi nhe voi ai hay nhung mot cai ban".split()
)
_WORD = re.compile(r"[\w]+", re.UNICODE)
_TITLE_PREFIX = ("thu", "tuc")


def _lower(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").lower()


def _words(text: str) -> list[str]:
    return _WORD.findall(_lower(text))


def _digits(code: str) -> str:
    return "".join(ch for ch in code if ch.isalnum()).upper()


def looks_like_code(text: str) -> bool:
    """"1.001193", "1001193" or "2.000815.000.00.00.H17"."""
    text = text.strip()
    if not text or not text[0].isdigit() or " " in text:
        return False
    return sum(ch.isdigit() for ch in text) >= 4 and all(ch.isdigit() or ch in ".Hh" for ch in text)


# Synonyms ------------------------------------------------------------------


def load_synonyms(path: Path = SYNONYMS_FILE) -> list[tuple[tuple[str, ...], list[list[str]]]]:
    """(folded resident's words, [official words...]) longest phrase first."""
    entries: dict[tuple[str, ...], list[list[str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        resident, official = line.split("\t", 1)
        key = tuple(fold(resident).split())
        for option in official.split("|"):
            words = _words(option)
            if key and words and words not in entries.setdefault(key, []):
                entries[key].append(words)
    return sorted(entries.items(), key=lambda item: -len(item[0]))


_SYNONYMS = load_synonyms()


def variants(words: list[str]) -> list[list[str]]:
    """The query as typed, and with residents' phrases replaced by official ones."""
    results = [list(words)]
    folded = [fold(word) for word in words]
    for key, options in _SYNONYMS:
        size = len(key)
        grown = []
        for current in results:
            current_folded = [fold(word) for word in current]
            for start in range(len(current) - size + 1):
                if tuple(current_folded[start : start + size]) == key:
                    for option in options:
                        grown.append(current[:start] + option + current[start + size :])
                    break
        for candidate in grown:
            if candidate not in results and len(results) < MAX_VARIANTS:
                results.append(candidate)
    del folded
    # The typed query stays last: an official phrase that matches is the better reading.
    return results[1:] + results[:1]


def drop_filler(words: list[str]) -> list[str]:
    kept = [word for word in words if fold(word) not in FILLER]
    return kept or words


# The index -----------------------------------------------------------------


@dataclass
class Entry:
    id: int
    code: str
    code_key: str
    name: str
    name_words: list[str]  # lower case with accents, "Thủ tục" dropped
    name_folded: list[str]
    name_folded_set: frozenset
    name_accented_set: frozenset
    body_set: frozenset
    published: bool
    sector_id: int | None
    online: str


class Index:
    def __init__(self, rows):
        self.entries: list[Entry] = []
        vocabulary: set[str] = set()
        for row in rows:
            words = _words(row.name)
            if [fold(w) for w in words[:2]] == list(_TITLE_PREFIX):
                words = words[2:]
            folded = [fold(word) for word in words]
            body = frozenset((row.body_folded or "").split())
            self.entries.append(
                Entry(row.id, row.code, _digits(row.code), row.name, words, folded, frozenset(folded),
                      frozenset(words), body, bool(row.published), row.sector_id, row.online)
            )
            vocabulary.update(folded)
            vocabulary.update(body)
        self.vocabulary = vocabulary
        self._deletes: dict[str, set[str]] = {}
        for word in vocabulary:
            if len(word) >= MIN_TYPO_LENGTH - 1:
                for variant in _deletions(word):
                    self._deletes.setdefault(variant, set()).add(word)

    def near(self, word: str) -> set[str]:
        """Catalogue words one letter away from `word` (changed, added, dropped, swapped)."""
        found: set[str] = set()
        for variant in _deletions(word):
            found.update(self._deletes.get(variant, ()))
        return {candidate for candidate in found if candidate != word and _one_edit(word, candidate)}


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


_lock = threading.Lock()
_cache: dict[str, tuple[tuple, Index]] = {}


def current_index() -> Index:
    """The index of the catalogue as it is now; rebuilt only when it changed."""
    stamp = tuple(
        db.session.execute(
            select(func.count(Procedure.id), func.max(Procedure.updated_at), func.max(Procedure.id), func.sum(Procedure.id))
        ).one()
    )
    key = str(db.engine.url) + str(id(db.engine))
    with _lock:
        cached = _cache.get(key)
        if cached and cached[0] == stamp:
            return cached[1]
    rows = db.session.execute(
        select(Procedure.id, Procedure.code, Procedure.name, Procedure.body_folded, Procedure.published,
               Procedure.sector_id, Procedure.online)
    ).all()
    index = Index(rows)
    with _lock:
        _cache[key] = (stamp, index)
    return index


# Ranking -------------------------------------------------------------------


def _score(entry: Entry, words: list[str], alternatives: list[set[str]]) -> tuple[bool, float]:
    """(every word in the name, score). Name words weigh three times body words;
    a word typed with accents that only folds the same weighs less."""
    score = 0.0
    in_name = 0
    positions: list[int | None] = []
    for word, folded_options in zip(words, alternatives):
        folded = fold(word)
        if folded in entry.name_folded_set:
            in_name += 1
            exact = word == folded or word in entry.name_accented_set
            score += 3.0 if exact else 1.8
            positions.append(entry.name_folded.index(folded))
        elif folded_options & entry.name_folded_set:
            in_name += 1
            score += 2.0
            positions.append(None)
        elif folded in entry.body_set:
            score += 1.0
            positions.append(None)
        elif folded_options & entry.body_set:
            score += 0.6
            positions.append(None)
        else:
            positions.append(None)
    # Words that follow each other in the name, as in "khai sinh".
    for first, second in zip(positions, positions[1:]):
        if first is not None and second is not None and second == first + 1:
            score += 1.0
    if positions and positions[0] == 0:
        score += 0.5
    return in_name == len(words), score


def rank(query: str, drafts: bool = False, sector_id: int | None = None, online: str | None = None) -> list[int]:
    """The ids of the procedures answering `query`, best first."""
    index = current_index()
    entries = [
        entry for entry in index.entries
        if (drafts or entry.published)
        and (sector_id is None or entry.sector_id == sector_id)
        and (online is None or entry.online == online)
    ]
    text = query.strip()
    if looks_like_code(text):
        key = _digits(text)
        hits = [entry for entry in entries if entry.code_key.startswith(key)]
        return [entry.id for entry in sorted(hits, key=lambda e: (len(e.code), e.code))]
    words = _words(text)
    if not words:
        return []
    best: dict[int, tuple] = {}
    for variant in variants(words):
        variant = drop_filler(variant)[:12]
        alternatives = []
        for word in variant:
            folded = fold(word)
            near = set()
            if len(folded) >= MIN_TYPO_LENGTH and folded not in index.vocabulary:
                near = index.near(folded)
            alternatives.append(near)
        for entry in entries:
            all_in_name, score = _score(entry, variant, alternatives)
            if score <= 0:
                continue
            # Share of the variant's full score, so a longer official phrase
            # is not favoured just for having more words.
            full = 3.0 * len(variant) + max(len(variant) - 1, 0) + 0.5
            key = (all_in_name, round(score / full, 6))
            if entry.id not in best or key > best[entry.id][0]:
                best[entry.id] = (key, entry)
    if not best:
        return []
    top = max(key[1] for key, _ in best.values())
    kept = [(key, entry) for key, entry in best.values() if key[1] >= top * KEEP_SHARE]
    kept.sort(key=lambda item: (not item[0][0], -item[0][1], len(item[1].name_words), item[1].id))
    return [entry.id for _, entry in kept]
