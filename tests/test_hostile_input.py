"""A sweep of hostile input over every form and query parameter the site shows,
anonymous and signed in as an admin: never a 500, never a payload that comes
back (or is stored and shown later) as live HTML."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from werkzeug.datastructures import MultiDict

from tests.sweep import HOSTILE, assert_safe, crawl, form_data


def sweep(client, start: list[str]) -> tuple[int, int]:
    pages, forms, params = crawl(client, start)
    assert pages, "the crawl found no page"
    requests = 0
    for url, status in pages.items():
        assert status < 500, f"GET {url} → {status}"
    for form in forms:
        path = form.action
        for value in HOSTILE:
            data = form_data(form, value)
            if form.method == "GET":
                response = client.get(path, query_string=data)
            else:
                response = client.post(path, data=data)
            assert_safe(response, f"{form.method} {path} with {value[:30]!r}")
            requests += 1
        if form.method == "POST":
            # Nothing at all, every field twice, and bytes that are not UTF-8.
            assert_safe(client.post(path, data={}), f"POST {path} empty")
            repeated = MultiDict([(name, value) for name in form.fields for value in ("một", "hai")])
            assert_safe(client.post(path, data=repeated), f"POST {path} repeated")
            body = "&".join(f"{quote(name)}=%FF%FE%C3%28" for name in form.fields)
            assert_safe(
                client.post(path, data=body, content_type="application/x-www-form-urlencoded"),
                f"POST {path} invalid UTF-8",
            )
            requests += 3
    for path, names in params.items():
        for value in HOSTILE[3:]:
            assert_safe(client.get(path, query_string={name: value for name in names}), f"GET {path}?{names}={value[:30]!r}")
            requests += 1
        assert_safe(client.get(path + "?" + "&".join(f"{name}=%E0%A4%A" for name in names)), f"GET {path} bad percent-encoding")
        requests += 1
    return len(pages), requests


@pytest.fixture
def demo_site(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return app


def test_hostile_input_as_a_resident(demo_site, client):
    pages, requests = sweep(client, ["/"])
    assert pages > 3 and requests > 20
    # Whatever was stored shows up escaped everywhere afterwards.
    again, _, _ = crawl(client, ["/"])
    assert all(status < 500 for status in again.values())


def test_hostile_input_as_an_admin(demo_site, client, login):
    login("admin")
    pages, requests = sweep(client, ["/quan-tri/", "/"])
    assert pages > 8 and requests > 100
    for url in crawl(client, ["/quan-tri/", "/"])[0]:
        response = client.get(url)
        assert_safe(response, f"stored content on {url}")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_methods_are_refused_politely(demo_site, client, login, method):
    login("admin")
    pages, _, _ = crawl(client, ["/quan-tri/", "/"], limit=60)
    for url in pages:
        response = client.open(url, method=method)
        assert response.status_code in (400, 404, 405), f"{method} {url} → {response.status_code}"
        response.close()
