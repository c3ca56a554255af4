"""The page cache: an anonymous visitor gets a kept page only while it is what
the site would render now. Every change an editor, an admin, a resident or a
volunteer makes shows on the very next request; scheduled articles appear on
time; signed-in pages and flashed messages are never kept; forms served from
memory carry the visitor's own CSRF token and booking token; conditional GET."""

from __future__ import annotations

import gzip
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest

from tests.conftest import sql_statements
from tests.factories import SLOT_RADIO, TOKEN, arrange_roster, article_url, booking_data, make_article, text_of
from wardsite.extensions import db
from wardsite.news import models as news_models
from wardsite.news.models import DRAFT
from wardsite.news.views import flush_views
from wardsite.timeutil import utcnow


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def served_from_cache(app, client, url, **kwargs):
    """(response, whether it came from memory: no statement but the version read)."""
    with sql_statements(app) as seen:
        response = client.get(url, **kwargs)
    return response, [s for s in seen if "content_version" not in s] == [] and len(seen) == 1


# Kept and served ---------------------------------------------------------------------


def test_the_second_anonymous_visit_reads_only_the_content_version(app, client):
    make_article(app, "Ngày thứ Tư trực tuyến")
    first, cached = served_from_cache(app, client, "/")
    assert not cached and "Ngày thứ Tư trực tuyến" in text_of(first)
    for url in ("/", "/"):
        again, cached = served_from_cache(app, app.test_client(), url)
        assert cached
        assert text_of(again) == text_of(first)


def test_each_language_and_each_htmx_region_is_kept_apart(app, client, make_procedure):
    make_procedure("1.001193", "Đăng ký khai sinh")
    assert 'lang="vi"' in text_of(client.get("/"))
    english = app.test_client()
    english.set_cookie("lang", "en")
    assert 'lang="en"' in text_of(english.get("/"))
    assert 'lang="vi"' in text_of(client.get("/"))

    page = text_of(client.get("/thu-tuc/?q=khai+sinh"))
    fragment = text_of(client.get("/thu-tuc/?q=khai+sinh", headers={"HX-Request": "true", "HX-Target": "procedure-results"}))
    assert "<html" in page and "<html" not in fragment and "Đăng ký khai sinh" in fragment
    assert "<html" in text_of(client.get("/thu-tuc/?q=khai+sinh"))


def test_a_kept_article_still_counts_and_shows_every_view(app, client):
    article_id = make_article(app)
    url = article_url(app, article_id)
    client.get(url)
    for expected in (2, 3):
        reader = app.test_client()
        response, cached = served_from_cache(app, reader, url, environ_base={"REMOTE_ADDR": f"10.0.0.{expected}"})
        assert cached and f"{expected} lượt đọc" in text_of(response)
    assert flush_views(app)
    with app.app_context():
        assert db.session.get(news_models.Article, article_id).views == 3


# Changes show at once ------------------------------------------------------------------


def test_an_editor_publishing_editing_and_unpublishing_shows_at_once(app, client, login):
    article_id = make_article(app, "Lịch tiêm chủng tháng 12", status=DRAFT)
    resident = app.test_client()
    assert "Lịch tiêm chủng tháng 12" not in text_of(resident.get("/tin-tuc/"))
    assert "Lịch tiêm chủng tháng 12" not in text_of(resident.get("/"))

    login("editor")
    assert client.post(f"/quan-tri/tin-tuc/{article_id}/dang-ngay").status_code == 303
    assert "Lịch tiêm chủng tháng 12" in text_of(resident.get("/tin-tuc/"))
    assert "Lịch tiêm chủng tháng 12" in text_of(resident.get("/"))
    url = article_url(app, article_id)
    assert "Lịch tiêm chủng tháng 12" in text_of(resident.get(url))

    edit = client.get(f"/quan-tri/tin-tuc/{article_id}")
    assert edit.status_code == 200
    with app.app_context():
        article = db.session.get(news_models.Article, article_id)
        article.summary = "Mang theo sổ tiêm của trẻ."
        db.session.commit()
    assert "Mang theo sổ tiêm của trẻ." in text_of(resident.get("/tin-tuc/"))

    assert client.post(f"/quan-tri/tin-tuc/{article_id}/go-xuong").status_code == 303
    assert "Lịch tiêm chủng tháng 12" not in text_of(resident.get("/tin-tuc/"))
    assert "Lịch tiêm chủng tháng 12" not in text_of(resident.get("/"))
    assert resident.get(url).status_code == 404


def test_an_article_edited_through_the_form_shows_at_once(app, client, login):
    from tests.factories import article_form

    login("editor")
    client.post("/quan-tri/tin-tuc/moi", data=article_form(title="Khai trương điểm hỗ trợ", status="published"))
    resident = app.test_client()
    assert "Khai trương điểm hỗ trợ" in text_of(resident.get("/tin-tuc/"))
    with app.app_context():
        article_id = db.session.scalar(db.select(news_models.Article.id))
    client.post(f"/quan-tri/tin-tuc/{article_id}", data=article_form(title="Điểm hỗ trợ mở cả Thứ Bảy", status="published"))
    page = text_of(resident.get("/tin-tuc/"))
    assert "Điểm hỗ trợ mở cả Thứ Bảy" in page and "Khai trương điểm hỗ trợ" not in page


def test_an_editor_changing_a_procedure_shows_at_once(app, client, login, make_procedure):
    procedure_id = make_procedure("1.001193", "Đăng ký khai sinh")
    resident = app.test_client()
    assert "Đăng ký khai sinh" in text_of(resident.get("/thu-tuc/"))
    assert resident.get("/thu-tuc/1.001193").status_code == 200
    login("editor")
    assert client.post(f"/quan-tri/thu-tuc/{procedure_id}/go-xuong").status_code == 303
    assert "Đăng ký khai sinh" not in text_of(resident.get("/thu-tuc/"))
    assert resident.get("/thu-tuc/1.001193").status_code == 404


def test_an_admin_changing_the_wards_settings_shows_on_every_page_at_once(app, client, login):
    resident = app.test_client()
    assert "Phường Thử Nghiệm" not in text_of(resident.get("/"))
    login("admin")
    response = client.post("/quan-tri/cai-dat", data={
        "name": "Phường Thử Nghiệm", "address": "Số 2 đường Lê Lợi", "phone": "024 3825 1234",
        "email": "ubnd@example.org", "opening_hours": "Thứ Hai – Thứ Sáu: 07:30–17:00",
        "portal_url": "https://dichvucong.gov.vn",
    })
    assert response.status_code == 303
    assert "Phường Thử Nghiệm" in text_of(resident.get("/"))


def test_a_new_booking_takes_its_slot_off_the_form_at_once(app):
    roster = arrange_roster(app)
    resident, neighbour = app.test_client(), app.test_client()
    assert len(SLOT_RADIO.findall(text_of(resident.get("/dat-lich/")))) == 3
    assert len(SLOT_RADIO.findall(text_of(neighbour.get("/dat-lich/")))) == 3
    assert resident.post("/dat-lich/", data=booking_data(roster, hour=8)).status_code == 303
    slots = SLOT_RADIO.findall(text_of(neighbour.get("/dat-lich/")))
    assert len(slots) == 2 and booking_data(roster, hour=8)["slot"] not in slots


def test_a_new_guidance_entry_shows_in_the_public_figures_at_once(app, client, login, place):
    resident = app.test_client()
    before = text_of(resident.get("/thong-ke/"))
    assert "187" not in before
    login("volunteer")
    response = client.post("/tinh-nguyen/ghi-nhan", data={
        "station": place["counter"], "people_guided": "187", "dossiers_filed": "2", "procedures": [place["birth"]], "note": "",
    })
    assert response.status_code == 303
    assert "187" in text_of(resident.get("/thong-ke/"))


def test_writes_no_public_page_shows_keep_the_pages(app, client):
    from wardsite.audit import AuditEntry

    make_article(app, "Tin đầu tiên")
    client.get("/tin-tuc/")
    with app.app_context():
        db.session.add(AuditEntry(action="test.nothing", target_type="test", target_id="1", summary="không hiện ra"))
        db.session.commit()
    assert served_from_cache(app, app.test_client(), "/tin-tuc/")[1]


# Time ------------------------------------------------------------------------------------


def test_a_scheduled_article_appears_once_its_time_has_come(app, client, monkeypatch):
    in_a_minute = utcnow() + timedelta(minutes=1)
    make_article(app, "Lịch trực Thứ Bảy", published_at=in_a_minute)
    assert "Lịch trực Thứ Bảy" not in text_of(client.get("/tin-tuc/"))
    response, cached = served_from_cache(app, app.test_client(), "/tin-tuc/")
    assert cached and "Lịch trực Thứ Bảy" not in text_of(response)

    # Two minutes later nobody has pressed anything, and nobody changed any content.
    monkeypatch.setattr(news_models, "utcnow", lambda: in_a_minute + timedelta(minutes=1))
    assert "Lịch trực Thứ Bảy" in text_of(app.test_client().get("/tin-tuc/"))
    assert "Lịch trực Thứ Bảy" in text_of(app.test_client().get("/"))


def test_pages_are_kept_no_longer_than_the_setting(app, client, monkeypatch):
    cache = app.extensions["page_cache"]
    now = [1000.0]
    monkeypatch.setattr(cache, "clock", lambda: now[0])
    client.get("/diem-ho-tro/")
    now[0] += app.config["PAGE_CACHE_SECONDS"] - 1
    assert served_from_cache(app, client, "/diem-ho-tro/")[1]
    now[0] += 2
    assert not served_from_cache(app, client, "/diem-ho-tro/")[1]


# Whose page ------------------------------------------------------------------------------


def test_signed_in_staff_never_get_a_kept_page_nor_leave_one_with_their_name(app, client, login):
    resident = app.test_client()
    assert "Cán bộ đăng nhập" in text_of(resident.get("/"))
    editor = login("editor", name="Biên Tập Viên Hoa")
    for _ in range(2):
        response, cached = served_from_cache(app, client, "/")
        assert not cached and "Biên Tập Viên Hoa" in text_of(response)
        assert "ETag" not in response.headers
    page = text_of(resident.get("/"))
    assert "Biên Tập Viên Hoa" not in page and "Cán bộ đăng nhập" in page
    assert editor.name not in text_of(app.test_client().get("/tin-tuc/"))


def test_flashed_messages_are_never_kept(app, client, login):
    login("editor")
    response = client.post("/dang-xuat")
    signed_out = text_of(client.get(response.headers["Location"]))
    assert "Bạn đã đăng xuất." in signed_out
    assert "Bạn đã đăng xuất." not in text_of(app.test_client().get("/"))
    assert "Bạn đã đăng xuất." not in text_of(client.get("/"))


def test_a_browser_with_its_own_cookie_gets_its_own_page(app, client):
    article_id = make_article(app)
    url = article_url(app, article_id)
    client.get(url)
    rater = app.test_client()
    rater.get(url)
    assert rater.post(f"/tin-tuc/{article_id}/danh-gia", data={"stars": "4"}).status_code == 303
    response, cached = served_from_cache(app, rater, url)
    assert not cached and "Bạn đã chấm bài này 4 sao." in text_of(response)
    # The rating changed the average everyone sees; the rater's own line is not theirs.
    page = text_of(app.test_client().get(url))
    assert "4,0 trên 5 sao, 1 lượt đánh giá" in page and "Bạn đã chấm bài này" not in page


def test_a_request_naming_another_host_leaves_nothing_for_other_visitors(app, client):
    url = article_url(app, make_article(app))
    forged = client.get(url, base_url="http://lua-dao.example")
    # Links are on CANONICAL_URL (tests: http://localhost), whatever the Host header says.
    assert "lua-dao.example" not in text_of(forged)
    for _ in range(2):
        page = text_of(app.test_client().get(url))
        assert "lua-dao.example" not in page and 'content="http://localhost/tin-tuc/' in page


# Forms served from memory --------------------------------------------------------------------


def test_two_visitors_each_post_the_comment_form_they_got_from_the_cache(app, make_app):
    protected = make_app(WTF_CSRF_ENABLED=True)
    article_id = make_article(app)
    url = article_url(app, article_id)
    first, second = protected.test_client(), protected.test_client()
    first_page = text_of(first.get(url))
    second_response, cached = served_from_cache(protected, second, url)
    assert cached  # the view count is live, counted in memory: nothing is written or rendered
    second_page = text_of(second_response)
    first_token, second_token = CSRF.findall(first_page)[0], CSRF.findall(second_page)[0]
    assert first_token != second_token
    for client, token, name in ((second, second_token, "Bà Hai"), (first, first_token, "Ông Một")):
        response = client.post(f"/tin-tuc/{article_id}/binh-luan", data={
            "csrf_token": token, "author_name": name, "body": "Cảm ơn phường.",
        })
        assert response.status_code == 303, text_of(response)
    # A token from someone else's page is refused.
    stranger = protected.test_client()
    stranger.get("/")
    refused = stranger.post(f"/tin-tuc/{article_id}/binh-luan", data={"csrf_token": first_token, "author_name": "X", "body": "Y"})
    assert refused.status_code == 400


def test_the_article_page_from_memory_renders_and_writes_nothing(app, client):
    article_id = make_article(app)
    url = article_url(app, article_id)
    client.get(url)
    with sql_statements(app) as seen:
        app.test_client().get(url)
    assert len(seen) == 1 and "content_version" in seen[0]


def test_two_visitors_get_their_own_booking_token_and_their_own_booking(app):
    roster = arrange_roster(app)
    first, second = app.test_client(), app.test_client()
    first_token = TOKEN.findall(text_of(first.get("/dat-lich/")))[0]
    response, cached = served_from_cache(app, second, "/dat-lich/")
    second_token = TOKEN.findall(text_of(response))[0]
    assert cached and first_token != second_token
    booked = first.post("/dat-lich/", data=booking_data(roster, hour=8, form_token=first_token))
    assert booked.status_code == 303
    other = second.post("/dat-lich/", data=booking_data(roster, hour=9, full_name="Phạm Văn Sáu", phone="0987654321",
                                                         form_token=second_token))
    assert other.status_code == 303 and other.headers["Location"] != booked.headers["Location"]
    confirmation = text_of(second.get(other.headers["Location"]))
    assert "Phạm Văn Sáu" in confirmation and "Lê Thị Năm" not in confirmation


# Conditional GET and compression ---------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["", "gzip", "br, gzip"])
def test_a_page_the_browser_holds_is_answered_304_until_it_changes(app, client, encoding):
    make_article(app, "Tin cũ")
    headers = {"Accept-Encoding": encoding} if encoding else {}
    for _ in range(2):  # rendered, then from memory
        first = client.get("/tin-tuc/", headers=headers)
        assert first.headers["Cache-Control"] == "private, no-cache"
        etag = first.headers["ETag"]
        again = client.get("/tin-tuc/", headers={**headers, "If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b""
    make_article(app, "Tin mới")
    changed = client.get("/tin-tuc/", headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    body = changed.get_data()
    if changed.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    elif changed.headers.get("Content-Encoding") == "br":
        import brotli

        body = brotli.decompress(body)
    assert "Tin mới" in body.decode()


def test_a_form_from_memory_is_compressed_with_the_visitors_own_token(app, make_app):
    protected = make_app(WTF_CSRF_ENABLED=True)
    arrange_roster(app)
    protected.test_client().get("/dat-lich/")
    visitor = protected.test_client()
    response = visitor.get("/dat-lich/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    page = gzip.decompress(response.get_data()).decode()
    assert page.rstrip().endswith("</html>") and len(SLOT_RADIO.findall(page)) == 3
    plain = text_of(visitor.get("/dat-lich/"))
    assert CSRF.findall(page)[0] and TOKEN.findall(page)[0] != TOKEN.findall(plain)[0]
    # Apart from the two tokens, the compressed page is the page.
    strip = lambda html: TOKEN.sub("", CSRF.sub("", html))  # noqa: E731
    assert strip(page) == strip(plain)


def test_a_kept_page_is_compressed_once_by_flask_compress(app, make_app, monkeypatch):
    import flask_compress.flask_compress as flask_compress

    calls = []
    real = flask_compress._compress_data
    monkeypatch.setattr(flask_compress, "_compress_data", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    site = make_app(PAGE_CACHE_FAST_PATH=False)  # every visit through Flask
    make_article(site, "Tin nén một lần")
    pages = [site.test_client().get("/tin-tuc/", headers={"Accept-Encoding": "br"}) for _ in range(4)]
    assert calls == ["br"]  # when rendered and kept; never again from memory
    assert {page.get_data() for page in pages} == {pages[0].get_data()}
    assert {page.headers["Content-Encoding"] for page in pages} == {"br"}
    gzipped = site.test_client().get("/tin-tuc/", headers={"Accept-Encoding": "gzip"})
    assert "Tin nén một lần" in gzip.decompress(gzipped.get_data()).decode() and calls[-1] == "gzip"


def test_the_cache_can_be_switched_off(make_app):
    site = make_app(PAGE_CACHE=False)
    client = site.test_client()
    client.get("/")
    response, cached = served_from_cache(site, client, "/")
    assert not cached and "ETag" not in response.headers


# Before Flask: the fast path ---------------------------------------------------------------------

PUBLIC_PAGES = [
    ("/", {}),
    ("/tin-tuc/", {}),
    ("/thu-tuc/", {}),
    ("/thu-tuc/1.001193", {}),
    ("/thu-tuc/?q=khai+sinh", {"HX-Request": "true", "HX-Target": "procedure-results"}),
    ("/diem-ho-tro/", {}),
    ("/thong-ke/", {}),
]
BROWSERS = [
    {},
    {"Accept-Encoding": "gzip"},
    {"Accept-Encoding": "gzip, deflate, br, zstd"},
]


@contextmanager
def flask_requests(app):
    """The requests that went through Flask (a request context) inside the block."""
    from flask import request_started

    seen: list[str] = []

    def note(sender, **extra):
        from flask import request

        seen.append(request.path)

    request_started.connect(note, app)
    try:
        yield seen
    finally:
        request_started.disconnect(note, app)


def fetch(client, url, method="GET", **kwargs):
    return client.open(url, method=method, **kwargs)


def answered_before_flask(app, client, url, method="GET", **kwargs):
    """(response, whether Flask never saw it)."""
    with flask_requests(app) as seen:
        response = fetch(client, url, method, **kwargs)
    return response, seen == []


def decoded(response) -> bytes:
    body = response.get_data()
    if not body:  # HEAD, 304
        return body
    if response.headers.get("Content-Encoding") == "gzip":
        return gzip.decompress(body)
    if response.headers.get("Content-Encoding") == "br":
        import brotli

        return brotli.decompress(body)
    return body


def test_a_third_anonymous_visit_is_answered_without_flask_and_reads_only_the_version(app, client):
    make_article(app, "Ngày thứ Tư trực tuyến")
    rendered, before_flask = answered_before_flask(app, client, "/")
    assert not before_flask
    _, before_flask = answered_before_flask(app, app.test_client(), "/")
    assert not before_flask  # Flask serves the kept page once, and the fast path notes what it sent
    for visitor in (app.test_client(), app.test_client()):
        with flask_requests(app) as seen, sql_statements(app) as queries:
            again = visitor.get("/")
        assert seen == [] and len(queries) == 1 and "content_version" in queries[0]
        assert "Ngày thứ Tư trực tuyến" in text_of(again) and text_of(again) == text_of(rendered)


@pytest.mark.parametrize("url,headers", PUBLIC_PAGES)
def test_the_fast_path_sends_exactly_what_flask_sends(app, make_app, make_procedure, url, headers):
    make_procedure("1.001193", "Đăng ký khai sinh")
    make_article(app, "Lịch tiếp dân tháng 12")
    through_flask = make_app(PAGE_CACHE_FAST_PATH=False)
    variants = [("GET", browser, "") for browser in BROWSERS]
    variants += [("HEAD", BROWSERS[2], ""), ("GET", BROWSERS[2], "en"), ("GET", BROWSERS[2], "etag"), ("GET", {}, "etag")]
    for method, browser, special in variants:
        answers = []
        for site, fast in ((app, True), (through_flask, False)):
            client = site.test_client()
            if special == "en":
                client.set_cookie("lang", "en")
            sent = {**headers, **browser}
            if special == "etag":
                sent["If-None-Match"] = fetch(client, url, headers=sent).headers["ETag"]
            for _ in range(3):
                response, before_flask = answered_before_flask(site, client, url, method, headers=sent)
            assert before_flask is fast, (url, method, browser, special)
            answers.append(response)
        ours, flasks = answers
        assert ours.status_code == flasks.status_code == (304 if special == "etag" else 200)
        assert [h for h in ours.headers if h[0] != "Date"] == [h for h in flasks.headers if h[0] != "Date"]
        assert decoded(ours) == decoded(flasks)
        if method == "GET" and special != "etag":
            assert b"</html>" in decoded(ours) or "HX-Target" in headers
            assert f'lang="{special or "vi"}"'.encode() in decoded(ours) or "HX-Target" in headers


def test_languages_are_kept_apart_before_flask_too(app, make_procedure):
    make_procedure("1.001193", "Đăng ký khai sinh")
    english, vietnamese = app.test_client(), app.test_client()
    english.set_cookie("lang", "en")
    for _ in range(3):
        in_english, english_fast = answered_before_flask(app, english, "/thu-tuc/")
        in_vietnamese, vietnamese_fast = answered_before_flask(app, vietnamese, "/thu-tuc/")
    assert english_fast and vietnamese_fast
    assert 'lang="en"' in text_of(in_english) and 'lang="vi"' in text_of(in_vietnamese)
    assert "<h1>Administrative procedures</h1>" in text_of(in_english)
    assert "Administrative procedures" not in text_of(in_vietnamese)


def test_an_editors_change_shows_on_the_very_next_request_after_fast_ones(app, client, login):
    article_id = make_article(app, "Lịch tiêm chủng tháng 12")
    resident = app.test_client()
    for _ in range(3):
        page, before_flask = answered_before_flask(app, resident, "/tin-tuc/")
    assert before_flask and "Lịch tiêm chủng tháng 12" in text_of(page)
    login("editor")
    assert client.post(f"/quan-tri/tin-tuc/{article_id}/go-xuong").status_code == 303
    page, before_flask = answered_before_flask(app, resident, "/tin-tuc/")
    assert not before_flask and "Lịch tiêm chủng tháng 12" not in text_of(page)
    with app.app_context():
        article = db.session.get(news_models.Article, article_id)
        article.status = news_models.PUBLISHED
        db.session.commit()
    page, before_flask = answered_before_flask(app, resident, "/tin-tuc/")
    assert not before_flask and "Lịch tiêm chủng tháng 12" in text_of(page)


def test_pages_expire_before_flask_too(app, client, monkeypatch):
    cache = app.extensions["page_cache"]
    now = [1000.0]
    monkeypatch.setattr(cache, "clock", lambda: now[0])
    for _ in range(3):
        _, before_flask = answered_before_flask(app, client, "/diem-ho-tro/")
    assert before_flask
    now[0] += app.config["PAGE_CACHE_SECONDS"] + 1
    assert not answered_before_flask(app, client, "/diem-ho-tro/")[1]


def test_a_session_a_flashed_message_or_a_signed_in_user_always_goes_to_flask(app, client, login, make_app):
    for _ in range(3):
        app.test_client().get("/")  # the page is kept and answered before Flask for anonymous visitors
    assert answered_before_flask(app, app.test_client(), "/")[1]

    editor = login("editor", name="Biên Tập Viên Hoa")
    for _ in range(3):
        response, before_flask = answered_before_flask(app, client, "/")
        assert not before_flask and editor.name in text_of(response)

    client.post("/dang-xuat")
    response, before_flask = answered_before_flask(app, client, "/")
    assert not before_flask and "Bạn đã đăng xuất." in text_of(response)

    protected = make_app(WTF_CSRF_ENABLED=True)
    with_token = protected.test_client()
    with_token.get("/dang-nhap")  # the sign-in form: the session now holds a CSRF token
    assert with_token.get_cookie(protected.config["SESSION_COOKIE_NAME"]) is not None
    for _ in range(3):
        assert not answered_before_flask(protected, with_token, "/")[1]


def test_pages_with_live_values_always_go_to_flask(app):
    article_id = make_article(app)
    url = article_url(app, article_id)
    for number in range(4):
        reader = app.test_client()
        reader.environ_base["REMOTE_ADDR"] = f"10.0.0.{number}"
        assert not answered_before_flask(app, reader, url)[1]
    assert flush_views(app)
    with app.app_context():
        assert db.session.get(news_models.Article, article_id).views == 4


@pytest.mark.parametrize("browser", BROWSERS)
def test_new_visitors_get_the_booking_form_before_flask_with_their_own_tokens_and_book_with_them(app, make_app, browser):
    protected = make_app(WTF_CSRF_ENABLED=True)
    roster = arrange_roster(protected)
    for _ in range(2):  # rendered; then served by Flask once, which the fast path notes
        assert not answered_before_flask(protected, protected.test_client(), "/dat-lich/", headers=browser)[1]
    visitors = [protected.test_client() for _ in range(3)]
    pages = []
    for visitor in visitors:
        response, before_flask = answered_before_flask(protected, visitor, "/dat-lich/", headers=browser)
        assert before_flask and response.status_code == 200
        assert response.headers["ETag"].startswith('W/"') and int(response.headers["Content-Length"]) == len(response.get_data())
        assert response.headers.get("Content-Encoding") == ({"gzip": "gzip"}.get(browser.get("Accept-Encoding")) or ("br" if browser else None))
        assert "Set-Cookie" in response.headers and "HttpOnly" in response.headers["Set-Cookie"]
        pages.append(decoded(response).decode())
    tokens = [(CSRF.findall(page)[0], TOKEN.findall(page)[0]) for page in pages]
    assert len({csrf for csrf, _ in tokens}) == 3 and len({token for _, token in tokens}) == 3
    strip = lambda html: TOKEN.sub("", CSRF.sub("", html))  # noqa: E731
    assert {strip(page) for page in pages} == {strip(pages[0])}
    # What Flask sends such a visitor, but for the tokens and what they change.
    through_flask = make_app(WTF_CSRF_ENABLED=True, PAGE_CACHE_FAST_PATH=False)
    for _ in range(3):
        flasks = through_flask.test_client().get("/dat-lich/", headers=browser)
    volatile = {"Date", "ETag", "Content-Length"}
    same = lambda headers: [(n, v.split("=", 1)[0] + v.split(";", 1)[1] if n == "Set-Cookie" else v)  # noqa: E731
                            for n, v in headers if n not in volatile]
    assert same(response.headers) == same(flasks.headers)
    assert strip(decoded(flasks).decode()) == strip(pages[0])
    # Each books with the tokens and the cookie they got, before Flask.
    for hour, (visitor, (csrf, token)) in zip((8, 9), zip(visitors, tokens)):
        data = booking_data(roster, hour=hour, phone=f"091234567{hour}", form_token=token, csrf_token=csrf)
        response = visitor.post("/dat-lich/", data=data)
        assert response.status_code == 303, text_of(response)
    # Someone else's CSRF token is refused.
    data = booking_data(roster, hour=10, phone="0912345670", form_token=tokens[2][1], csrf_token=tokens[0][0])
    assert protected.test_client().post("/dat-lich/", data=data).status_code == 400


def test_requests_answered_before_flask_are_logged_like_the_others(app, client, caplog):
    import json
    import logging

    with caplog.at_level(logging.INFO, logger="wardsite.request"):
        for _ in range(3):
            _, before_flask = answered_before_flask(app, client, "/thu-tuc/?q=khai+sinh", headers={"HX-Request": "true"})
    assert before_flask
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "wardsite.request"]
    assert [line["cached"] for line in lines] == [False, True, True]
    assert {line["path"] for line in lines} == {"/thu-tuc/"} and {line["endpoint"] for line in lines} == {"procedures.index"}
    assert all(line["status"] == 200 and line["htmx"] and line["method"] == "GET" for line in lines)
    assert "khai" not in caplog.text


def test_the_fast_path_can_be_switched_off(make_app):
    site = make_app(PAGE_CACHE_FAST_PATH=False)
    for _ in range(4):
        _, before_flask = answered_before_flask(site, site.test_client(), "/")
        assert not before_flask
