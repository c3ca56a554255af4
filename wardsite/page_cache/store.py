"""The kept pages of one worker: least recently used first out, each with the
versions of the areas it was made from, its expiry, the areas' next scheduled
changes, and the replies the fast path may send again."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from wardsite.page_cache.version import current

MAX_REPLIES = 8  # per kept page: the variants of Accept-Encoding, If-None-Match and method

# (next_change, clock): next_change() is the next moment the area's content
# changes by itself (or None), compared with clock().
SCHEDULES: list[tuple[Callable[[], datetime | None], Callable[[], datetime]]] = []


def add_schedule(next_change: Callable[[], datetime | None], clock: Callable[[], datetime]) -> None:
    if all(existing[0] is not next_change for existing in SCHEDULES):
        SCHEDULES.append((next_change, clock))


@dataclass
class Reply:
    """A response exactly as Flask sent it from a kept page, and its log line's fields."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes
    path: str
    endpoint: str | None
    htmx: bool


@dataclass
class Entry:
    versions: tuple[tuple[int, int], ...]  # (area id, version) of each area it read
    expires: float  # PageCache.clock()
    deadlines: list  # [(moment, clock)]
    headers: list[tuple[str, str]]
    segments: list[bytes]  # the page, cut at its slots
    slot_ids: list[int]  # slot_ids[i] goes between segments[i] and segments[i + 1]
    slots: list[tuple]  # ("csrf",), ("token",) or ("live", name, *args)
    digest: str
    compressed: dict[str, object] = field(default_factory=dict)
    # What Flask sent for this page, by FastPath's key of the request (no slots only).
    replies: dict[tuple, Reply] = field(default_factory=dict)

    def expired(self, now: float) -> bool:
        return now >= self.expires or any(clock() >= moment for moment, clock in self.deadlines)


class PageCache:
    clock = staticmethod(time.monotonic)

    def __init__(self, max_entries: int, seconds: float):
        self.max_entries = max_entries
        self.seconds = seconds
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.lock = threading.Lock()
        self._schedule_memo: tuple[tuple, list] | None = None
        # FastPath's key of a request -> the key of the entry holding its reply.
        self.fast_keys: OrderedDict[tuple, tuple] = OrderedDict()
        # Served from memory (by Flask, or before it), rendered though eligible,
        # kept: for tests and the benchmark's hit rate.
        self.counts = {"served": 0, "served_before_flask": 0, "rendered": 0, "kept": 0}

    def count(self, what: str) -> None:
        self.counts[what] += 1  # under the GIL: a lost count at worst, never a wrong page

    def reply(self, fast_key: tuple) -> tuple[tuple, Entry, Reply] | None:
        """The reply Flask gave this request, if its page is still kept (the version unchecked)."""
        with self.lock:
            key = self.fast_keys.get(fast_key)
            entry = self.entries.get(key) if key is not None else None
            reply = entry.replies.get(fast_key) if entry is not None else None
            if reply is None:
                return None
            self.fast_keys.move_to_end(fast_key)
            return key, entry, reply

    def keep_reply(self, fast_key: tuple, key: tuple, entry: Entry, reply: Reply) -> None:
        with self.lock:
            if self.entries.get(key) is not entry or len(entry.replies) >= MAX_REPLIES:
                return
            entry.replies[fast_key] = reply
            self.fast_keys[fast_key] = key
            self.fast_keys.move_to_end(fast_key)
            while len(self.fast_keys) > self.max_entries * MAX_REPLIES:
                self.fast_keys.popitem(last=False)

    def get(self, key: tuple, versions: dict[int, int]) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if not current(entry.versions, versions) or entry.expired(self.clock()):
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: Entry) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def deadlines(self, versions: dict[int, int]) -> list:
        """The areas' next changes, asked once per set of versions (and again once one passed)."""
        version = tuple(sorted(versions.items()))
        memo = self._schedule_memo
        if memo is None or memo[0] != version or any(clock() >= moment for moment, clock in memo[1]):
            found = [(next_change(), clock) for next_change, clock in SCHEDULES]
            memo = (version, [(moment, clock) for moment, clock in found if moment is not None])
            self._schedule_memo = memo
        return memo[1]
