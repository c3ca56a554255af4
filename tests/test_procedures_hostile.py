"""Hostile input on the catalogue's own pages and forms only (the site-wide
sweep covers them too, but stops at the first failure of any area)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from werkzeug.datastructures import MultiDict

from tests.sweep import HOSTILE, assert_safe, crawl, form_data

MINE = ("/thu-tuc/", "/quan-tri/thu-tuc/")


@pytest.fixture
def demo_catalogue(app):
    from wardsite.extensions import db
    from wardsite.procedures import demo

    with app.app_context():
        demo.load(logins=[], make_password=lambda: "x")
        db.session.commit()
    return app


@pytest.mark.parametrize("role", [None, "editor"])
def test_hostile_input_on_the_catalogue(demo_catalogue, client, login, role):
    if role:
        login(role)
    pages, forms, params = crawl(client, list(MINE) + ["/thu-tuc/1.001193", "/quan-tri/thu-tuc/1", "/quan-tri/thu-tuc/moi"], limit=80)
    mine = [form for form in forms if form.action.startswith(MINE)]
    assert mine, "no catalogue form found"
    for form in mine:
        for value in HOSTILE:
            data = form_data(form, value)
            if form.method == "GET":
                response = client.get(form.action, query_string=data)
            else:
                response = client.post(form.action, data=data)
            assert_safe(response, f"{form.method} {form.action} with {value[:30]!r}")
        if form.method == "POST":
            assert_safe(client.post(form.action, data={}), f"POST {form.action} empty")
            repeated = MultiDict([(name, value) for name in form.fields for value in ("một", "hai")])
            assert_safe(client.post(form.action, data=repeated), f"POST {form.action} repeated")
            body = "&".join(f"{quote(name)}=%FF%FE%C3%28" for name in form.fields)
            assert_safe(client.post(form.action, data=body, content_type="application/x-www-form-urlencoded"), f"POST {form.action} bad UTF-8")
    for path, names in params.items():
        if not path.startswith(MINE):
            continue
        for value in HOSTILE[3:]:
            assert_safe(client.get(path, query_string={name: value for name in names}), f"GET {path}?{names}={value[:30]!r}")
    # Whatever was stored is shown escaped afterwards.
    for url in crawl(client, list(MINE), limit=60)[0]:
        assert_safe(client.get(url), f"stored content on {url}")
