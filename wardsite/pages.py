"""Where the areas put themselves on the shared pages: the main and staff
menus, the home page's doors and sections, the staff home's blocks and
sitemap.xml.

An area calls these from its `routes.py` at import time; the core pages
(`public`, `admin`, the base template) read them. Living in the core, they let
areas plug in without importing one another's routes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from flask_login import current_user

# The main menu: (endpoint, label).
PUBLIC_LINKS: list[tuple[str, str]] = []

# Staff links in the header: (endpoint, label, roles that see it).
STAFF_LINKS: list[tuple[str, str, tuple[str, ...]]] = []

# The home page's doors (endpoint, title, text) and sections (template, order).
HOME_DOORS: list[tuple[str, str, str]] = []
HOME_SECTIONS: list[tuple[str, int]] = []

# Blocks of the staff home page: (template, function returning its context or
# None to leave the block out for this user), or a bare template name.
DASHBOARD_SECTIONS: list = []

# sitemap.xml: endpoints without URL arguments, in the order they are listed,
# and callables giving (absolute URL, last modified or None) for detail pages.
SITEMAP_ENDPOINTS: list[str] = ["public.home"]
SITEMAP_SOURCES: list[Callable[[], Iterable[tuple[str, datetime | None]]]] = []


def add_public_link(endpoint: str, label) -> None:
    if all(existing[0] != endpoint for existing in PUBLIC_LINKS):
        PUBLIC_LINKS.append((endpoint, label))


def add_staff_link(endpoint: str, label, *roles: str, before: str | None = None) -> None:
    """A link in the staff menu, after the others or `before` another endpoint's
    (an area that builds on others may still come first in the menu)."""
    if all(existing[0] != endpoint for existing in STAFF_LINKS):
        at = next((i for i, existing in enumerate(STAFF_LINKS) if existing[0] == before), len(STAFF_LINKS))
        STAFF_LINKS.insert(at, (endpoint, label, roles))


def staff_navigation() -> list[tuple[str, str]]:
    """The staff links the signed-in user's roles reach."""
    return [(endpoint, label) for endpoint, label, roles in STAFF_LINKS if current_user.has_role(*roles)]


def add_home_door(endpoint: str, title, text) -> None:
    if all(existing[0] != endpoint for existing in HOME_DOORS):
        HOME_DOORS.append((endpoint, title, text))


def add_home_section(template: str, order: int) -> None:
    if all(existing[0] != template for existing in HOME_SECTIONS):
        HOME_SECTIONS.append((template, order))
        HOME_SECTIONS.sort(key=lambda section: section[1])


def home_sections() -> list[str]:
    return [template for template, _ in HOME_SECTIONS]


def add_dashboard_section(template: str, context=None) -> None:
    if all((entry if isinstance(entry, str) else entry[0]) != template for entry in DASHBOARD_SECTIONS):
        DASHBOARD_SECTIONS.append((template, context) if context else template)


def dashboard_sections() -> tuple[list[str], dict]:
    """The staff home's blocks for the signed-in user, and their templates' variables."""
    sections, context = [], {}
    for entry in DASHBOARD_SECTIONS:
        template, make_context = (entry, None) if isinstance(entry, str) else entry
        if make_context is not None:
            extra = make_context()
            if extra is None:  # the section has nothing for this user
                continue
            context.update(extra)
        sections.append(template)
    return sections, context


def add_sitemap_endpoint(endpoint: str) -> None:
    if endpoint not in SITEMAP_ENDPOINTS:
        SITEMAP_ENDPOINTS.append(endpoint)


def add_sitemap_source(source: Callable[[], Iterable[tuple[str, datetime | None]]]) -> None:
    if source not in SITEMAP_SOURCES:
        SITEMAP_SOURCES.append(source)
