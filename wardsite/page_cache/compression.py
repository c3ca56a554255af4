"""Compressed copies of kept pages, so that a page served from memory is not
compressed again: brotli once for a page without per-visitor values, else a
gzip stream joined from pieces deflated once, with only the values deflated
per visitor."""

from __future__ import annotations

import struct
import zlib

from flask import current_app, request

from wardsite.page_cache.store import Entry

_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_DEFLATE_END = b"\x03\x00"  # an empty final block


def _accepts(algorithm: str) -> bool:
    return request.accept_encodings[algorithm] > 0


def _deflate_piece(data: bytes, level: int) -> bytes:
    """Raw deflate ending byte-aligned and not final: pieces from fresh
    compressors, joined, are one stream."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


def _gzip(entry: Entry, values: list[bytes], body: bytes) -> bytes:
    pieces = entry.compressed.get("gzip-pieces")
    if pieces is None:
        # Made once per kept page, so the best level (cut pieces compress a little less).
        pieces = entry.compressed["gzip-pieces"] = [_deflate_piece(segment, 9) for segment in entry.segments]
    stream = [_GZIP_HEADER, pieces[0]]
    for slot_id, piece in zip(entry.slot_ids, pieces[1:]):
        stream.append(_deflate_piece(values[slot_id], 1))
        stream.append(piece)
    stream.append(_DEFLATE_END)
    stream.append(struct.pack("<II", zlib.crc32(body) & 0xFFFFFFFF, len(body) & 0xFFFFFFFF))
    return b"".join(stream)


def compressed(entry: Entry, values: list[bytes], body: bytes) -> tuple[str, bytes] | None:
    """(algorithm, data) the request accepts, or None to send the body as it is."""
    if len(body) < current_app.config.get("COMPRESS_MIN_SIZE", 500):
        return None
    if not entry.slots and _accepts("br"):
        data = entry.compressed.get("br")
        if data is None:
            import brotli

            data = entry.compressed["br"] = brotli.compress(body, quality=current_app.config.get("COMPRESS_BR_LEVEL", 4))
        return "br", data
    if _accepts("gzip"):
        if entry.slots:
            return "gzip", _gzip(entry, values, body)
        data = entry.compressed.get("gzip")
        if data is None:
            data = entry.compressed["gzip"] = _gzip(entry, values, body)
        return "gzip", data
    return None
