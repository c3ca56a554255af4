"""The page cache invalidates only what changed: each table declares the areas
that show it, a write bumps only those areas, and a kept page is dropped only
when an area it read moves on, on every worker at the very next request."""

from __future__ import annotations

import pytest
from sqlalchemy import text, update

from tests.factories import article_url, make_article, text_of
from wardsite.extensions import db
from wardsite.news.models import COMMENT_WAITING, Article, Comment
from wardsite.page_cache import version


def counts(app) -> dict:
    return dict(app.extensions["page_cache"].counts)


def visit(app, url, client=None):
    """(page, whether it came from memory): asked by a fresh anonymous visitor."""
    before = counts(app)
    response = (client or app.test_client()).get(url)
    after = counts(app)
    served = after["served"] + after["served_before_flask"] - before["served"] - before["served_before_flask"]
    assert response.status_code == 200, url
    return text_of(response), served == 1


# The declarations ------------------------------------------------------------------


def test_every_table_says_which_areas_show_it(app):
    missing = []
    for name, table in db.metadata.tables.items():
        try:
            areas = version.declared_areas(table)
        except version.Undeclared:
            missing.append(name)
            continue
        assert all(isinstance(area, str) and area for area in areas), name
    assert not missing, (
        f"tables without a page-cache declaration: {missing}. Add "
        '__table_args__ = {"info": {"page_cache": "<area>"}} next to the model (None: no public page shows it); '
        "see wardsite/page_cache/version.py"
    )
    with app.app_context():
        for mapper in db.Model.registry.mappers:
            version.declared_areas(mapper.local_table)


def test_the_areas_rows_never_collide():
    areas = set()
    for table in db.metadata.tables.values():
        areas |= version.declared_areas(table)
    assert len({version.area_id(area) for area in areas}) == len(areas)
    assert {"news", "procedures", "guidance", "visits", "ward"} <= areas


def test_a_statement_names_its_tables_and_a_write_its_target():
    assert version.tables_in_sql('SELECT article.id FROM article JOIN "user" ON "user".id = article.author_id') == {"article", "user"}
    assert version.tables_in_sql("SELECT visit.station FROM visit") == {"visit"}
    assert version.written_table('UPDATE article SET views=? WHERE article.id = ?') == "article"
    assert version.written_table('INSERT INTO "comment" (body) VALUES (?)') == "comment"
    assert version.written_table("DELETE FROM guidance_session WHERE id = 1") == "guidance_session"
    assert version.written_table("SELECT 1 FROM article") is None


# Only what changed ------------------------------------------------------------------


def test_a_guidance_entry_keeps_the_news_pages_and_an_article_edit_shows_on_the_other_worker_at_once(
    app, make_app, client, login, place
):
    article_id = make_article(app, "Lịch tiếp dân tháng 12")
    login("volunteer")  # a new account shows as an author's name: made before the pages are kept
    other = make_app()  # a second worker on the same database and version rows
    url = article_url(app, article_id)
    for worker in (app, other):
        for page in ("/tin-tuc/", url, "/thong-ke/"):
            visit(worker, page)
        assert visit(worker, "/tin-tuc/")[1]

    response = client.post("/tinh-nguyen/ghi-nhan", data={
        "station": place["counter"], "people_guided": "187", "dossiers_filed": "2", "procedures": [place["birth"]], "note": "",
    })
    assert response.status_code == 303
    for worker in (app, other):
        assert visit(worker, "/tin-tuc/")[1]
        assert visit(worker, url)[1]
        figures, cached = visit(worker, "/thong-ke/")
        assert not cached and "187" in figures

    with app.app_context():
        article = db.session.get(Article, article_id)
        article.set_title("Lịch tiếp dân đổi sang Thứ Năm")
        db.session.commit()
    page, cached = visit(other, "/tin-tuc/")
    assert not cached and "Lịch tiếp dân đổi sang Thứ Năm" in page
    assert "Lịch tiếp dân đổi sang Thứ Năm" in visit(app, "/tin-tuc/")[0]
    assert visit(other, "/tin-tuc/")[1]


def test_a_comment_approved_keeps_the_procedure_catalogue_and_shows_under_its_article(app, make_app, client, login, make_procedure):
    make_procedure("1.001193", "Đăng ký khai sinh")
    article_id = make_article(app)
    with app.app_context():
        comment = Comment(article_id=article_id, author_name="Bà Lan", body="Cảm ơn các cháu đoàn viên", status=COMMENT_WAITING)
        db.session.add(comment)
        db.session.commit()
        comment_id = comment.id
    login("editor")
    other = make_app()
    url = article_url(app, article_id)
    for worker in (app, other):
        visit(worker, "/thu-tuc/")
        visit(worker, "/thu-tuc/1.001193")
        assert "Cảm ơn các cháu đoàn viên" not in visit(worker, url)[0]

    assert client.post(f"/quan-tri/binh-luan/{comment_id}/duyet").status_code == 303
    for worker in (other, app):
        assert visit(worker, "/thu-tuc/")[1]
        assert visit(worker, "/thu-tuc/1.001193")[1]
        page, cached = visit(worker, url)
        assert not cached and "Cảm ơn các cháu đoàn viên" in page


def test_bulk_and_core_writes_bump_their_area_without_being_told(app, make_app):
    article_id = make_article(app, "Tin một")
    other = make_app()
    visit(other, "/tin-tuc/")
    assert visit(other, "/tin-tuc/")[1]

    with app.app_context():  # an ORM bulk UPDATE, no content_changed()
        db.session.execute(update(Article).where(Article.id == article_id).values(summary="Tóm tắt qua UPDATE hàng loạt"))
        db.session.commit()
    page, cached = visit(other, "/tin-tuc/")
    assert not cached and "Tóm tắt qua UPDATE hàng loạt" in page

    with app.app_context():  # Core, on a connection of its own
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE article SET summary = 'Tóm tắt qua SQL' WHERE id = :id"), {"id": article_id})
    page, cached = visit(other, "/tin-tuc/")
    assert not cached and "Tóm tắt qua SQL" in page

    with app.app_context():  # a rolled back write bumps nothing
        db.session.execute(update(Article).values(summary="không bao giờ"))
        db.session.rollback()
    assert visit(other, "/tin-tuc/")[1]


def test_a_sign_in_keeps_the_pages_showing_names(app, client, make_user):
    make_article(app)
    editor = make_user("editor")
    visit(app, "/tin-tuc/")
    # Writes last_login_at, an audit entry: shown nowhere.
    assert client.post("/dang-nhap", data={"login": editor.email, "password": editor.password}).status_code == 303
    assert visit(app, "/tin-tuc/")[1]


# Every page anyone may GET: kept (an example address), or why it is not.
# A new page fails test_every_public_page_is_known until it is listed here.
KEPT_PAGES = {
    "public.home": "/",
    "news.index": "/tin-tuc/",
    "news.article": "{article}",
    "procedures.index": "/thu-tuc/",
    "procedures.show": "/thu-tuc/1.001193",
    "procedures.print_sheet": "/thu-tuc/1.001193/in",
    "stations.stations": "/diem-ho-tro/",
    "visits.book": "/dat-lich/",
    "stats.public_figures": "/thong-ke/",
}
NOT_KEPT = {
    "static": "WhiteNoise serves it before Flask",
    "public.set_language": "a redirect setting the language cookie",
    "public.upload": "a file, not HTML",
    "public.sitemap": "XML, not HTML",
    "public.robots": "text, not HTML",
    "public.healthz": "not HTML",
    "news.feed": "Atom, not HTML",
    "procedures.export_json": "JSON, not HTML",
    "procedures.export_csv": "CSV, not HTML",
    "volunteers.verify": "Cache-Control: no-store (a deactivated card must show at once)",
    "volunteers.verify_lookup": "a redirect",
    "news.comment": "a redirect to the article's form (GET); the form posts here",
    "visits.waiting_entry": "a resident's own entry: their session holds its code",
    "notify.esms_report": "a provider's delivery report",
}


def test_every_public_page_is_known(app):
    from wardsite.security import PRIVATE_PREFIXES

    public = {
        rule.endpoint for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.rule.startswith(PRIVATE_PREFIXES)
    }
    unknown = public - set(KEPT_PAGES) - set(NOT_KEPT)
    assert not unknown, (
        f"pages the page cache tests do not know: {sorted(unknown)}. Add each to KEPT_PAGES "
        "(an address: the test checks it is kept and reads only declared tables) or NOT_KEPT (why)"
    )
    assert not (set(KEPT_PAGES) | set(NOT_KEPT)) - public, "listed pages that are gone"


def test_every_hook_is_known_to_the_fast_path(app):
    from wardsite.page_cache.fast_path import REPLAYED_HOOKS, request_hooks

    unknown = request_hooks(app) - set(REPLAYED_HOOKS)
    assert not unknown, (
        f"hooks the page cache's fast path answers without running: {sorted(unknown)}. If a hook's output depends "
        "on a part of the request, add that part to FAST_KEY; then list it in REPLAYED_HOOKS with why it is safe"
    )


@pytest.mark.parametrize("endpoint", sorted(KEPT_PAGES))
def test_every_public_page_is_kept_and_reads_only_declared_tables(app, endpoint, caplog):
    from tests.factories import arrange_roster

    arrange_roster(app)  # with procedure 1.001193
    article_id = make_article(app)
    url = KEPT_PAGES[endpoint].format(article=article_url(app, article_id))
    response = app.test_client().get(url)
    assert response.status_code == 200 and response.mimetype == "text/html", url
    assert visit(app, url)[1], url
    assert "declared shown on no public page" not in caplog.text


def test_a_search_answered_from_the_in_memory_index_still_depends_on_the_catalogue(app, make_procedure):
    make_procedure("1.001193", "Đăng ký khai sinh")
    visit(app, "/thu-tuc/?q=khai+sinh")  # the index is built, and kept for a while
    page, _ = visit(app, "/thu-tuc/?q=ket+hon")
    assert "Đăng ký kết hôn" not in page
    assert visit(app, "/thu-tuc/?q=ket+hon")[1]
    make_procedure("1.000894", "Đăng ký kết hôn")
    page, cached = visit(app, "/thu-tuc/?q=ket+hon")
    assert not cached and "Đăng ký kết hôn" in page
