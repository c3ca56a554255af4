"""What sitemap.xml lists. Areas register their public pages here.

    from wardsite.news.sitemap import add_sitemap_endpoint, add_sitemap_source
    add_sitemap_endpoint("procedures.index")        # a page without arguments
    add_sitemap_source(lambda: [(url_for("procedures.show", code=p.code, _external=True), p.updated_at) ...])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

# Endpoints without URL arguments, in the order they are listed.
SITEMAP_ENDPOINTS: list[str] = ["public.home"]

# Callables giving (absolute URL, last modified or None) for detail pages.
SITEMAP_SOURCES: list[Callable[[], Iterable[tuple[str, datetime | None]]]] = []


def add_sitemap_endpoint(endpoint: str) -> None:
    if endpoint not in SITEMAP_ENDPOINTS:
        SITEMAP_ENDPOINTS.append(endpoint)


def add_sitemap_source(source: Callable[[], Iterable[tuple[str, datetime | None]]]) -> None:
    if source not in SITEMAP_SOURCES:
        SITEMAP_SOURCES.append(source)
