"""The page cache inside Flask: the before_request hook that answers from a
kept page, and the after_request hook that keeps a page (cut at its
per-visitor values) and tags every eligible response."""

from __future__ import annotations

import hashlib
from itertools import chain

from flask import current_app, g, request
from flask_login import current_user
from werkzeug.wrappers import Response

from wardsite.extensions import limiter
from wardsite.page_cache import compression, eligibility, visitor_values
from wardsite.page_cache import version as versions_store
from wardsite.page_cache.conditional import etag, finish
from wardsite.page_cache.fast_path import SERVED
from wardsite.page_cache.store import Entry, PageCache

KEPT_HEADERS = {"content-type", "vary", "content-language"}
MAX_BODY = 512 * 1024


def _cache() -> PageCache | None:
    return current_app.extensions.get("page_cache")


def _serve(entry: Entry) -> Response | None:
    values = []
    for slot in entry.slots:
        value = visitor_values.slot_value(slot)
        if value is None:
            return None
        values.append(value)
    encoded = [value.encode() for value in values]
    body = b"".join(
        chain.from_iterable(
            (segment, encoded[entry.slot_ids[index]]) if index < len(entry.slot_ids) else (segment,)
            for index, segment in enumerate(entry.segments)
        )
    )
    tag, weak = etag(entry.digest, entry.slots, values)
    response = current_app.response_class(headers=entry.headers)
    response = finish(response, tag, weak)
    if response.status_code == 304:
        return response
    response.set_data(body)
    compression.note(entry)  # Flask-Compress compresses it once, not per visitor
    return response


def record():
    """before_request, the first: the areas' versions, read before anything
    else the request reads, and from then on the tables of every statement."""
    if _cache() is not None and eligibility.eligible():
        g.page_cache_versions = versions_store.read_versions()
        versions_store.start_recording()


def lookup():
    """before_request, the last: the kept page, if this request may have it and it is current."""
    cache = _cache()
    versions = g.get("page_cache_versions")
    if cache is None or versions is None or not eligibility.eligible():
        return None
    key = eligibility.key()
    g.page_cache_key = key
    entry = cache.get(key, versions)
    if entry is None:
        return None
    response = _serve(entry)
    if response is not None:
        cache.count("served")
        g.page_cache_served = True
        if not limiter.current_limits and visitor_values.fillable(entry.slots):
            request.environ[SERVED] = (key, entry, request.path, request.endpoint)
    return response


def _reads_private_tables() -> bool:
    """A page made from a table no public page shows is not kept: nothing would
    tell it that table changed (its declaration is wrong, or the page is private)."""
    private = versions_store.private_tables_read()
    if private:
        current_app.logger.warning("page cache: %s read %s, declared shown on no public page", request.endpoint, sorted(private))
    return bool(private)


def after(response: Response) -> Response:
    """after_request: keep the page if it may be kept; tag every eligible response."""
    if g.get("page_cache_served") or g.get("page_cache_key") is None:
        return response
    _cache().count("rendered")
    if not eligibility.storable(response) or _reads_private_tables():
        visitor_values.fill_live(response)
        if (
            response.status_code == 200
            and response.mimetype == "text/html"
            and "Cache-Control" not in response.headers
            and not response.is_streamed
            and not current_user.is_authenticated
        ):
            tag = hashlib.blake2b(response.get_data(), digest_size=16).hexdigest()
            return finish(response, tag, weak=bool(g.get("csrf_token")))
        return response
    marked, slots, values = visitor_values.cut(response.get_data(as_text=True))
    digest = hashlib.blake2b(marked.encode(), digest_size=16).hexdigest()
    if len(marked) <= MAX_BODY:
        pieces = visitor_values.MARKER.split(marked)
        cache = _cache()
        versions = g.page_cache_versions
        cache.count("kept")
        entry = Entry(
            versions=versions_store.versions_for(versions_store.recorded_areas() or (), versions),
            expires=cache.clock() + cache.seconds,
            deadlines=cache.deadlines(versions),
            headers=[(name, value) for name, value in response.headers.items() if name.lower() in KEPT_HEADERS],
            segments=[piece.encode() for piece in pieces[0::2]],
            slot_ids=[int(piece) for piece in pieces[1::2]],
            slots=slots,
            digest=digest,
        )
        cache.put(g.page_cache_key, entry)
        compression.note(entry)
    visitor_values.fill_live(response)
    tag, weak = etag(digest, slots, values)
    return finish(response, tag, weak)
