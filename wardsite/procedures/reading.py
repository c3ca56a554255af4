"""How a resident's query is read before it is matched (see `wardsite.procedures.search`):
its words, the filler dropped from them, and its readings with residents' phrases
replaced by the official ones of `data/synonyms.tsv`."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from wardsite.text import fold as _fold


@lru_cache(maxsize=20000)
def fold(word: str) -> str:
    return _fold(word)


SYNONYMS_FILE = Path(__file__).parent / "data" / "synonyms.tsv"
MAX_VARIANTS = 8
MAX_WORDS = 12

# Filler: dropped from what a resident typed. Written with accents: a word
# typed with accents is dropped only if its accents are these ("bản" is kept,
# "bạn" is not listed at all); a word typed without accents is dropped if it
# folds to one of them. Only words that never name a procedure on their own.
FILLER_WORDS = (
    "làm xin cho con giấy muốn cần tôi em mình cháu ở đâu thế nào gì phải được không ạ ơi nhé "
    "với để đi cái của và thì là bị giúp hỏi ai "
    # words that place or time the question, never what is asked for ("về quê", "trong giấy khai sinh")
    "về quê trong khi sau đã lúc nữa rồi vừa đang sẽ phường "
    # how residents ask ("gồm những gì", "mất bao lâu", "hướng dẫn cách làm")
    "gồm những nào bao lâu nhiêu mấy cách hướng dẫn vậy nhỉ"
).split()
# ...except before these words: "giấy tờ", "giấy phép" name things.
FILLER_KEPT_BEFORE = {"giay": ("to", "phep")}
FILLER_PHRASES = (("thủ", "tục"), ("như", "thế", "nào"), ("làm", "sao"), ("ở", "đâu"), ("mất", "bao", "lâu"),
                  ("bao", "nhiêu", "tiền"))
_FILLER_FOLDED = {fold(word): word for word in FILLER_WORDS}
PREPOSITIONS = {fold(word) for word in "với cho ở của để về trong khi sau".split()}
_WORD = re.compile(r"\w+", re.UNICODE)


# The tone mark of "oa", "oe", "uy" at the end of a word is written on either
# vowel ("hoà" and "hòa", "thuỷ" and "thủy", "khoẻ" and "khỏe"): both are read as
# the second form, so that the accents typed compare equal ("qu" is left alone:
# "quý" is the only spelling).
_TONE_MOVED = {}
for _plain, _toned in (("a", "àáảãạ"), ("e", "èéẻẽẹ"), ("y", "ỳýỷỹỵ")):
    _first, _marked = ("u", "ùúủũụ") if _plain == "y" else ("o", "òóỏõọ")
    for _number, _letter in enumerate(_toned):
        _TONE_MOVED[_first + _letter] = _marked[_number] + _plain
_OLD_TONE = re.compile(r"(?<!q)(?:o[àáảãạèéẻẽẹ]|u[ỳýỷỹỵ])(?!\w)")


def _lower(text: str) -> str:
    lowered = unicodedata.normalize("NFC", text or "").lower()
    return _OLD_TONE.sub(lambda match: _TONE_MOVED[match.group()], lowered) if "o" in lowered or "u" in lowered else lowered


def words_of(text: str) -> list[str]:
    """The words, lower case; numbers without their leading zeros ("mức 2" is "mức độ 02")."""
    return [str(int(word)) if word.isdigit() and len(word) < 12 else word for word in _WORD.findall(_lower(text))]


def has_accents(word: str) -> bool:
    return fold(word) != word


def code_key(code: str) -> str:
    return "".join(ch for ch in code if ch.isalnum()).upper()


def looks_like_code(text: str) -> bool:
    """"1.001193", "1001193" or "2.000815.000.00.00.H17"."""
    text = text.strip()
    if not text or not text[0].isdigit() or " " in text:
        return False
    return sum(ch.isdigit() for ch in text) >= 4 and all(ch.isdigit() or ch in ".Hh" for ch in text)


_TELEX = (("dd", "d"), ("aa", "a"), ("aw", "a"), ("ee", "e"), ("oo", "o"), ("ow", "o"), ("uw", "u"), ("w", "u"))
_TONE_KEYS = "sfrxj"


def untyped_marks(word: str) -> str:
    """A folded word as a keyboard without its Vietnamese input method left it,
    read back: Telex ("ddawngs" -> "dang", "kys" -> "ky") or VNI ("d9a8ng" ->
    "dang"). No Vietnamese syllable ends in s, f, r, x or j, nor holds a digit."""
    if any(ch.isdigit() for ch in word) and any(ch.isalpha() for ch in word):
        return "".join(ch for ch in word if not ch.isdigit())
    for typed, letter in _TELEX:
        word = word.replace(typed, letter)
    if len(word) > 1 and word[-1] in _TONE_KEYS:
        word = word[:-1]
    return word


# Synonyms ------------------------------------------------------------------


def load_synonyms(path: Path = SYNONYMS_FILE) -> list[tuple[tuple[str, ...], list[list[str]]]]:
    """(folded resident's words, [official words...]), longest phrase first."""
    entries: dict[tuple[str, ...], list[list[str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        resident, official = line.split("\t")[:2]  # a third column says where the line comes from
        key = tuple(fold(resident).split())
        for option in official.split("|"):
            words = words_of(option)
            if key and words and words not in entries.setdefault(key, []):
                entries[key].append(words)
    return sorted(entries.items(), key=lambda item: -len(item[0]))


_SYNONYMS = load_synonyms()


@dataclass
class Reading:
    """One way of reading the query: its words, and which came from the synonyms list."""

    words: list[str]
    official: list[bool]
    typed: bool = True  # the resident's own words, no synonym applied
    folded: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.folded = [fold(word) for word in self.words]

    def content(self) -> list[str]:
        """The words to match: filler dropped from the resident's words, never from official ones."""
        return self.content_and_tail()[0]

    def content_and_tail(self) -> tuple[list[str], list[bool]]:
        """The words to match, and for each whether it comes after a preposition
        the resident typed ("tranh chấp đất với hàng xóm"): such words say with
        whom, for whom or where, rather than what is asked for."""
        kept: list[str] = []
        tail: list[bool] = []
        after = False
        skip = 0
        for index, (word, official) in enumerate(zip(self.words, self.official)):
            if skip:
                skip -= 1
                continue
            if not official:
                phrase = _filler_phrase(self.words, self.official, index)
                if phrase:
                    skip = phrase - 1
                    continue
                following = self.folded[index + 1] if index + 1 < len(self.words) else ""
                if _is_filler(word) and following not in FILLER_KEPT_BEFORE.get(fold(word), ()):
                    after = after or (kept and self.folded[index] in PREPOSITIONS)
                    continue
            kept.append(word)
            tail.append(bool(after))
        if not kept:
            kept = [word for word in self.words if fold(word) not in ("thu", "tuc")] or list(self.words)
            tail = [False] * len(kept)
        return kept[:MAX_WORDS], tail[:MAX_WORDS]


def _is_filler(word: str) -> bool:
    folded = fold(word)
    if folded not in _FILLER_FOLDED:
        return False
    return not has_accents(word) or word == _FILLER_FOLDED[folded]


def _filler_phrase(words: list[str], official: list[bool], start: int) -> int:
    for phrase in FILLER_PHRASES:
        size = len(phrase)
        window = words[start : start + size]
        if len(window) == size and not any(official[start : start + size]):
            if all(w == p or (not has_accents(w) and fold(w) == fold(p)) for w, p in zip(window, phrase)):
                return size
    return 0


def readings(words: list[str]) -> list[Reading]:
    """The query as typed, and with residents' phrases replaced by official ones."""
    results = [Reading(list(words), [False] * len(words))]
    for key, options in _SYNONYMS:
        size = len(key)
        grown = []
        for current in results:
            folded = current.folded
            for start in range(len(current.words) - size + 1):
                if tuple(folded[start : start + size]) == key and not any(current.official[start : start + size]):
                    for option in options:
                        grown.append(
                            Reading(
                                current.words[:start] + option + current.words[start + size :],
                                current.official[:start] + [True] * len(option) + current.official[start + size :],
                                typed=False,
                            )
                        )
                    break
        for candidate in grown:
            if len(results) >= MAX_VARIANTS:
                break
            if all(candidate.words != existing.words for existing in results):
                results.append(candidate)
    return results
