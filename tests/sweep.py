"""Walks the site like a visitor and finds its pages, links and forms, so the
hostile-input and query-count tests cover every area without a hand-kept list."""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

SKIP_PATHS = ("/dang-xuat", "/static/", "/tep/", "/ngon-ngu/")


@dataclass
class FormField:
    name: str
    kind: str  # input type, "select", "textarea"
    options: list[str] = field(default_factory=list)
    value: str = ""


@dataclass
class Form:
    page: str
    action: str
    method: str
    enctype: str
    fields: dict[str, FormField] = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        """Forms of the same shape (pin article 3, pin article 4…) count once."""
        return (self.method, shape(self.action), tuple(sorted(self.fields)))


class _PageParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: FormField | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(urljoin(self.page, attrs["href"]))
        elif tag == "form":
            self._form = Form(
                page=self.page,
                action=urljoin(self.page, attrs.get("action") or self.page),
                method=(attrs.get("method") or "get").upper(),
                enctype=attrs.get("enctype") or "",
            )
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select", "button") and attrs.get("name"):
            name = attrs["name"]
            kind = attrs.get("type", "text") if tag == "input" else tag
            if tag == "button":
                kind = "submit"
            existing = self._form.fields.get(name)
            if existing and kind in ("checkbox", "radio"):
                existing.options.append(attrs.get("value", "on"))
                return
            form_field = FormField(name, kind, value=attrs.get("value") or "")
            if kind in ("checkbox", "radio"):
                form_field.options.append(attrs.get("value", "on"))
            self._form.fields[name] = form_field
            if tag == "select":
                self._select = form_field
        elif tag == "option" and self._select is not None:
            self._select.options.append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def parse(page_url: str, html: str) -> tuple[list[str], list[Form]]:
    parser = _PageParser(page_url)
    parser.feed(html)
    return parser.links, parser.forms


def shape(url: str) -> str:
    return re.sub(r"\d+", "#", urlsplit(url).path)


def local_path(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
        return None
    path = parts.path or "/"
    if any(path.startswith(skip) for skip in SKIP_PATHS):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def crawl(client, start: list[str], limit: int = 250):
    """Pages (path → status), forms and query parameter names seen from `start`."""
    seen: dict[str, int] = {}
    forms: dict[tuple, Form] = {}
    params: dict[str, set[str]] = {}
    queue = list(start)
    pattern_counts: dict[tuple, int] = {}
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        # Visit a few pages of each shape (say three articles), not all of them.
        path = urlsplit(url).path
        shape = (tuple(part if not any(ch.isdigit() for ch in part) else "#" for part in path.split("/")), bool(urlsplit(url).query))
        pattern_counts[shape] = pattern_counts.get(shape, 0) + 1
        if pattern_counts[shape] > 3:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.mimetype != "text/html" or response.status_code != 200:
            response.close()
            continue
        links, page_forms = parse(f"http://localhost{url}", response.get_data(as_text=True))
        for link in links:
            found = local_path(link)
            if found and found not in seen:
                queue.append(found)
                query = urlsplit(found).query
                if query:
                    params.setdefault(urlsplit(found).path, set()).update(name for name, _ in parse_qsl(query, keep_blank_values=True))
        for form in page_forms:
            action = local_path(form.action)
            if action is None:
                continue
            form.action = action
            forms.setdefault(form.key, form)
            if form.method == "GET":
                params.setdefault(urlsplit(action).path, set()).update(form.fields)
    return seen, list(forms.values()), params


# Hostile input --------------------------------------------------------------

SCRIPT = '<script>alert("xss")</script>'

IMAGE = '"><img src=x onerror=alert(1)>'

LIVE_MARKERS = [SCRIPT, "<img src=x onerror=alert(1)>"]

HOSTILE = [
    "A" * 100_000,
    "\x00\x01\x07\x1b[31m\x7f",
    "\u200b\u200d\ufeff\u202eabc",
    "' OR 1=1 --",
    "1; DROP TABLE \"user\"; --",
    SCRIPT,
    IMAGE,
    "javascript:alert(1)",
    "{{7*7}}{% raw %}${7*7}",
    "../../../../etc/passwd",
    "-1",
    "99999999999999999999999999999",
    "1e308",
    "NaN",
    "31/02/2026",
    "",
]


def form_data(form, value: str) -> dict:
    data = {}
    for name, entry in form.fields.items():
        if entry.kind in ("hidden",) and name == "csrf_token":
            continue
        if entry.kind == "submit":
            if entry.value:
                data[name] = entry.value
            continue
        if entry.kind == "file":
            continue
        data[name] = value
    return data


def assert_safe(response, where: str) -> None:
    assert response.status_code < 500, f"{where} → {response.status_code}"
    if response.status_code in (301, 302, 303, 307, 308):
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith("//"), f"{where} redirects off-site to {location}"
    if response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        for marker in LIVE_MARKERS:
            assert marker not in body, f"{where} reflected {marker!r} unescaped"
    response.close()
