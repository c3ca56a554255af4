"""Static files: compressed, cached for a year, under content-hashed URLs.

Every `url_for('static', …)` carries `?v=<hash of the file>`, so a changed
file gets a new address and browsers may keep the old one forever. WhiteNoise
serves the files (and their .gz/.br copies, made here once per change) before
a request reaches Flask; HTML is compressed by Flask-Compress.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from pathlib import Path

from flask import Flask
from flask_compress import Compress
from whitenoise import WhiteNoise

from wardsite.security import static_headers

COMPRESSIBLE = {".css", ".js", ".svg", ".txt", ".json", ".xml", ".html", ".ico", ".map"}
ONE_YEAR = 365 * 24 * 3600
compress = Compress()
_versions: dict[str, tuple[float, str]] = {}


def init_app(app: Flask) -> None:
    static = Path(app.static_folder)
    try:
        precompress(static)
    except OSError:
        pass  # a read-only install serves the copies it was built with, or plain files
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "text/css", "application/javascript", "application/json", "application/atom+xml", "application/xml", "text/calendar", "text/csv", "image/svg+xml"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    # Kept pages keep their compressed copies (wardsite/page_cache/compression.py).
    from wardsite.page_cache import compression

    app.config.setdefault("COMPRESS_CACHE_BACKEND", compression.CompressedCopies)
    app.config.setdefault("COMPRESS_CACHE_KEY", compression.cache_key)
    compress.init_app(app)
    app.wsgi_app = WhiteNoise(
        app.wsgi_app,
        root=str(static),
        prefix="static/",
        max_age=ONE_YEAR,
        autorefresh=app.debug,
        allow_all_origins=False,
        # Safe because every link to a static file carries its content hash.
        immutable_file_test=lambda path, url: True,
        add_headers_function=static_headers(app),
    )

    @app.url_defaults
    def add_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = file_version(static / values["filename"])
            if version:
                values["v"] = version


def file_version(path: Path) -> str | None:
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    key = str(path)
    cached = _versions.get(key)
    if cached is None or cached[0] != mtime:
        cached = (mtime, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
        _versions[key] = cached
    return cached[1]


def precompress(root: Path) -> None:
    """Write .gz and .br next to each text file whose copy is missing or stale.

    Each copy is written to a temporary file and renamed into place, so
    workers starting at once never serve a half-written copy.
    """
    import brotli

    for path in root.rglob("*"):
        if not path.is_file() or path.suffix not in COMPRESSIBLE:
            continue
        data = None
        for suffix, squeeze in ((".gz", lambda raw: gzip.compress(raw, 9, mtime=0)), (".br", brotli.compress)):
            copy = path.with_name(path.name + suffix)
            if copy.exists() and copy.stat().st_mtime >= path.stat().st_mtime:
                continue
            if data is None:
                data = path.read_bytes()
            squeezed = squeeze(data)
            if len(squeezed) >= len(data):
                continue
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(squeezed)
            os.replace(temporary, copy)
