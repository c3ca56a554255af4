"""Compression of kept pages: Flask-Compress's, the site's one compression
path, with its cache backend pointed at the kept page. A page without
per-visitor values is compressed once per algorithm, when it is first sent,
and the copy lives and dies with the kept page; a page with them (a form's
CSRF token) is compressed as sent, like any rendered page.

Flask-Compress calls `cache_key(request)` for every response it compresses;
only a kept page without per-visitor values (noted by `serving` in
`g.page_cache_compress`) gets a key, every other response goes uncached."""

from __future__ import annotations

from flask import g, has_request_context

from wardsite.page_cache.store import Entry

NO_KEY = "-"  # Flask-Compress asks for a key even when there is nothing to keep


def note(entry: Entry) -> None:
    """This response is exactly `entry`'s page: its compressed copies may be kept with it."""
    if not entry.slots:
        g.page_cache_compress = entry


def _entry(key: str) -> tuple[Entry, str] | None:
    algorithm, _, digest = key.partition(";")
    entry = g.get("page_cache_compress") if has_request_context() else None
    if entry is None or digest != entry.digest:
        return None
    return entry, algorithm


def cache_key(request) -> str:
    entry = g.get("page_cache_compress")
    return entry.digest if entry is not None else NO_KEY


class CompressedCopies:
    """Flask-Compress's COMPRESS_CACHE_BACKEND: copies kept in the kept page."""

    def get(self, key: str) -> bytes | None:
        found = _entry(key)
        return None if found is None else found[0].compressed.get(found[1])

    def set(self, key: str, value: bytes) -> None:
        found = _entry(key)
        if found is not None:
            found[0].compressed[found[1]] = value
