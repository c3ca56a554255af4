"""Hardening found by an attack on the running site (issue 14): links built on
the ward's configured address, never on the Host header; unknown hosts refused;
every form strips NUL; redirect targets checked before acting; private pages
never cached; HSTS on static files too."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date, timedelta

import pytest
import wtforms

import wardsite
from tests.factories import arrange_roster, booking_data, make_article, make_volunteer
from wardsite.extensions import db, limiter

CANONICAL = "https://phuong.example.vn"
PHISH = "phish.invalid"


def leader_messages(app) -> list[str]:
    from wardsite.mail import OutboxMessage

    with app.app_context():
        return [message.body for message in db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id))]


@pytest.fixture
def proxied_app(app, make_app, tmp_path):
    """The site behind one reverse proxy (X-Forwarded-* trusted), on the ward's address."""
    other = make_app(PROXY_COUNT=1, CANONICAL_URL=CANONICAL, UPLOAD_FOLDER=str(tmp_path / "uploads"))
    limiter.reset()
    return other


# Finding 2: links from the configured address, never the request -------------


def test_a_booking_sent_with_a_forged_host_tells_the_leaders_the_wards_address(app, client, make_user):
    app.config["CANONICAL_URL"] = CANONICAL
    make_user("leader")
    make_user("leader")
    roster = arrange_roster(app)
    response = client.post("/dat-lich/", data=booking_data(roster), base_url=f"http://{PHISH}")
    assert response.status_code == 303
    bodies = leader_messages(app)
    assert len(bodies) == 2
    for body in bodies:
        assert f"{CANONICAL}/quan-tri/lich-hen/" in body
        assert PHISH not in body


def test_a_forged_forwarded_host_behind_the_proxy_changes_no_link(proxied_app, make_user):
    make_user("leader")
    roster = arrange_roster(proxied_app)
    response = proxied_app.test_client().post(
        "/dat-lich/", data=booking_data(roster), headers={"X-Forwarded-Host": PHISH, "X-Forwarded-Proto": "http"}
    )
    assert response.status_code == 303
    (body,) = leader_messages(proxied_app)
    assert f"{CANONICAL}/quan-tri/lich-hen/" in body and PHISH not in body


def test_feeds_sitemaps_and_qr_codes_use_the_wards_address(app, client, login, make_user):
    app.config["CANONICAL_URL"] = CANONICAL
    make_article(app, "Tin thử nghiệm")
    forged = {"base_url": f"http://{PHISH}"}
    for url in ("/tin-tuc/feed.atom", "/sitemap.xml", "/robots.txt", "/tin-tuc/", "/dat-lich/"):
        response = client.get(url, **forged)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert PHISH not in text, url
    assert f"{CANONICAL}/tin-tuc/" in client.get("/tin-tuc/feed.atom", **forged).get_data(as_text=True)
    roster = arrange_roster(app)
    confirmation = client.get(client.post("/dat-lich/", data=booking_data(roster), **forged).headers["Location"], **forged)
    page = confirmation.get_data(as_text=True)
    assert "phuong.example.vn/xac-minh/" in page and PHISH not in page  # the volunteer's card check

    from wardsite.volunteers.models import Volunteer
    from wardsite.volunteers.services import verification_url

    with app.test_request_context("/", base_url=f"http://{PHISH}"):
        volunteer_id = make_volunteer("Nguyễn Thị Hoa")
        card = verification_url(db.session.get(Volunteer, volunteer_id))
    assert card.startswith(f"{CANONICAL}/xac-minh/")


def test_the_booking_calendar_links_to_the_wards_address(app):
    from wardsite.visits import calendar
    from wardsite.visits.models import Visit

    app.config["CANONICAL_URL"] = CANONICAL
    with app.test_request_context("/", base_url=f"http://{PHISH}"):
        start = wardsite.timeutil.utcnow() + timedelta(days=2)
        visit = Visit(code="K7M2QX", slot_start=start, slot_end=start + timedelta(hours=1), status="confirmed")
        text = calendar.visit_ics(visit, "Phường Thử").decode() if isinstance(calendar.visit_ics(visit, "Phường Thử"), bytes) \
            else calendar.visit_ics(visit, "Phường Thử")
    unfolded = text.replace("\r\n ", "")
    assert f"{CANONICAL}/dat-lich/tra-cuu/K7M2QX" in unfolded and PHISH not in unfolded


def test_unknown_hosts_get_400_when_trusted_hosts_are_set(app, make_app):
    site = make_app(TRUSTED_HOSTS="phuong.example.vn, localhost")
    assert site.config["TRUSTED_HOSTS"] == ["phuong.example.vn", "localhost"]
    client = site.test_client()
    assert client.get("/", base_url="http://phuong.example.vn").status_code == 200
    assert client.get("/", base_url=f"http://{PHISH}").status_code == 400
    assert client.post("/dat-lich/", data={}, base_url=f"http://{PHISH}").status_code == 400


def test_a_forwarded_host_is_checked_too(app, make_app):
    site = make_app(PROXY_COUNT=1, TRUSTED_HOSTS=["phuong.example.vn"])
    client = site.test_client()
    assert client.get("/", headers={"X-Forwarded-Host": "phuong.example.vn"}).status_code == 200
    assert client.get("/", headers={"X-Forwarded-Host": PHISH}).status_code == 400


def test_any_host_is_served_when_no_trusted_hosts_are_set(app, client):
    assert app.config["TRUSTED_HOSTS"] is None
    assert client.get("/", base_url=f"http://{PHISH}").status_code == 200


def test_production_refuses_to_start_without_the_wards_address(monkeypatch, tmp_path):
    from wardsite import create_app
    from wardsite.urls import CanonicalURLMissing

    settings = {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "CANONICAL_URL": ""}
    monkeypatch.setenv("SERVER_SOFTWARE", "gunicorn/23.0.0")
    with pytest.raises(CanonicalURLMissing, match="WARDSITE_CANONICAL_URL"):
        create_app(settings)
    with pytest.raises(CanonicalURLMissing, match="http"):
        create_app({**settings, "CANONICAL_URL": "phuong.example.vn"})
    assert create_app({**settings, "CANONICAL_URL": CANONICAL + "/"}).config["CANONICAL_URL"] == CANONICAL
    # Tests and `make run` (flask run) fall back on the development address.
    monkeypatch.delenv("SERVER_SOFTWARE")
    if "gunicorn" not in __import__("sys").modules:
        assert create_app(settings).config["CANONICAL_URL"] == "http://127.0.0.1:5000"
    assert create_app({**settings, "TESTING": True}).config["CANONICAL_URL"] == "http://127.0.0.1:5000"


# Finding 13: every form strips NUL ---------------------------------------------


def all_wardsite_modules():
    for module in pkgutil.walk_packages(wardsite.__path__, "wardsite."):
        yield importlib.import_module(module.name)


def every_subclass(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from every_subclass(sub)


def test_every_form_is_based_on_the_sites_form():
    from wardsite.forms import Form, SubForm

    modules = list(all_wardsite_modules())
    assert len(modules) > 40
    forms = {cls for cls in every_subclass(wtforms.Form) if cls.__module__.startswith("wardsite.")} - {Form, SubForm}
    assert len(forms) > 25, "the walk found too few forms"
    strays = sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in forms if not issubclass(cls, (Form, SubForm)))
    assert strays == []


NUL = "Nguyễn\x00 Văn\x00 An"


def test_nul_in_the_leaders_forms_is_stripped(app, client, login):
    from wardsite.roster.models import Shift
    from wardsite.stations.models import Station
    from wardsite.volunteers.models import DateAway, Volunteer

    login("leader")
    response = client.post("/quan-tri/tinh-nguyen-vien/moi", data={
        "name": NUL, "phone": "", "email": "", "branch": "Chi\x00 đoàn", "residential_group": "0",
        "max_shifts_per_week": "2", "account": "0", "active": "y",
    })
    assert response.status_code in (200, 303)
    response = client.post("/quan-tri/diem-ho-tro/", data={
        "name": "Nhà văn hóa\x00 TDP 1", "kind": "estation", "address": "Số\x00 1", "residential_group": "0",
        "equipment": "Máy\x00 tính", "position": "0", "active": "y",
    })
    assert response.status_code in (200, 303)
    day = date.today() + timedelta(days=3)
    response = client.post("/quan-tri/lich-truc/ca-moi", data={
        "kind": "mobile", "station": "0", "day": day.isoformat(), "starts": "08:00", "ends": "11:00",
        "seats": "2", "note": "Mang\x00 máy in",
    })
    assert response.status_code in (200, 303)
    with app.app_context():
        volunteer = db.session.scalars(db.select(Volunteer)).one()
        assert volunteer.name == "Nguyễn Văn An"
        volunteer_id = volunteer.id
        stations = db.session.scalars(db.select(Station.name)).all()
        notes = db.session.scalars(db.select(Shift.note)).all()
    assert all("\x00" not in name for name in stations)
    assert "Mang máy in" in notes
    response = client.post(f"/quan-tri/tinh-nguyen-vien/{volunteer_id}/lich-ranh", data={
        "what": "away", "away-start_date": day.isoformat(), "away-end_date": day.isoformat(),
        "away-note": "Về\x00 quê",
    })
    assert response.status_code in (200, 303)
    with app.app_context():
        assert db.session.scalars(db.select(DateAway.note)).all() == ["Về quê"]


# Finding 14: redirect targets checked before acting ---------------------------


@pytest.mark.parametrize("back", [
    "/quan-tri/tin-tuc/\r\nX-Injected: 1",
    "/quan-tri/tin-tuc/\nX-Injected: 1",
    "//phish.invalid/quan-tri/tin-tuc/",
    "https://phish.invalid/quan-tri/tin-tuc/",
    "/quan-tri/tin-tuc/\\\\phish.invalid",
    "/dang-xuat",
])
def test_a_bad_back_on_the_pin_button_goes_back_to_the_list(app, client, login, back):
    from wardsite.news.models import Article

    login("editor")
    article_id = make_article(app)
    response = client.post(f"/quan-tri/tin-tuc/{article_id}/ghim", data={"back": back})
    assert response.status_code == 303
    assert response.headers["Location"] == "/quan-tri/tin-tuc/"
    assert "X-Injected" not in response.headers
    with app.app_context():
        assert db.session.get(Article, article_id).pinned


def test_a_good_back_keeps_the_lists_filters(app, client, login):
    login("editor")
    article_id = make_article(app)
    response = client.post(f"/quan-tri/tin-tuc/{article_id}/ghim", data={"back": "/quan-tri/tin-tuc/?trang-thai=draft&trang=2"})
    assert response.headers["Location"] == "/quan-tri/tin-tuc/?trang-thai=draft&trang=2"


@pytest.mark.parametrize("target", ["/tin-tuc/%0d%0aX-Injected:%201", "//phish.invalid", "/\\phish.invalid", "https://phish.invalid/"])
def test_next_never_leaves_the_site_or_splits_the_header(client, target):
    response = client.get(f"/ngon-ngu/en?next={target}")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "X-Injected" not in response.headers


def test_safe_back():
    from wardsite.urls import safe_back

    assert safe_back("/quan-tri/tin-tuc/?trang=2", "/d", "/quan-tri/tin-tuc/") == "/quan-tri/tin-tuc/?trang=2"
    for bad in (None, "", "/quan-tri/thu-tuc/", "/quan-tri/tin-tuc/\x00", "/quan-tri/tin-tuc/\x7f", "//[", "javascript:alert(1)"):
        assert safe_back(bad, "/d", "/quan-tri/tin-tuc/") == "/d"


# Finding 16: private pages never cached; HSTS on static files ----------------


def test_staff_pages_and_a_residents_booking_are_not_stored(app, client, login):
    roster = arrange_roster(app)
    booked = client.post("/dat-lich/", data=booking_data(roster))
    assert booked.headers["Cache-Control"] == "no-store"
    confirmation = client.get(booked.headers["Location"])
    assert confirmation.status_code == 200 and confirmation.headers["Cache-Control"] == "no-store"
    assert client.get("/dat-lich/tra-cuu").headers["Cache-Control"] == "no-store"
    assert client.get("/dang-nhap").headers["Cache-Control"] == "no-store"
    # A public page stays cacheable (the page cache's own header).
    assert "no-store" not in client.get("/tin-tuc/").headers.get("Cache-Control", "")
    login("admin")
    for url in ("/quan-tri/", "/quan-tri/lich-hen/", "/quan-tri/tinh-nguyen-vien/", "/quan-tri/tin-tuc/", "/quan-tri/no-such-page"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    assert client.get("/tin-tuc/").headers["Cache-Control"] == "no-store"  # a signed-in page carries their name


def test_static_files_carry_hsts_under_https(make_app, app):
    from werkzeug.test import Client

    site = make_app(CANONICAL_URL=CANONICAL)
    response = Client(site.wsgi_app).get("/static/css/app.css", base_url="https://phuong.example.vn")
    response.close()
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert site.test_client().get("/", base_url="https://phuong.example.vn").headers["Strict-Transport-Security"] == "max-age=31536000"
    # Served over plain http (development), no HSTS anywhere.
    plain = Client(app.wsgi_app).get("/static/css/app.css")
    plain.close()
    assert "Strict-Transport-Security" not in plain.headers
