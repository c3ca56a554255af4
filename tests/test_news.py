"""Residents read news, comment and rate: lists, article pages, comments that
wait for an editor, one rating per browser, view counts, the home page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import article_url, make_article, text_of
from wardsite.audit import AuditEntry
from wardsite.extensions import db
from wardsite.news.models import COMMENT_APPROVED, COMMENT_WAITING, DRAFT, Article, Comment
from wardsite.timeutil import utcnow



# The list ------------------------------------------------------------------------


def test_the_list_shows_published_articles_newest_first_and_hides_drafts(client, app):
    make_article(app, "Bài cũ hơn", age=timedelta(days=3))
    make_article(app, "Bài mới nhất", age=timedelta(hours=1))
    make_article(app, "Bản nháp chưa đăng", status=DRAFT)
    page = text_of(client.get("/tin-tuc/"))
    assert "Tin tức và thông báo" in page
    assert page.index("Bài mới nhất") < page.index("Bài cũ hơn")
    assert "Bản nháp chưa đăng" not in page


def test_the_list_filters_by_kind_and_ignores_unknown_kinds(client, app):
    make_article(app, "Tin về đoàn viên", kind="news")
    make_article(app, "Hướng dẫn VNeID mức 2", kind="guide")
    guides = text_of(client.get("/tin-tuc/?loai=guide"))
    assert "Hướng dẫn VNeID mức 2" in guides and "Tin về đoàn viên" not in guides
    everything = client.get("/tin-tuc/?loai=<script>")
    assert everything.status_code == 200
    assert "Tin về đoàn viên" in text_of(everything) and "Hướng dẫn VNeID mức 2" in text_of(everything)


@pytest.mark.parametrize("query", ["?trang=abc", "?trang=-5", "?trang=0", "?trang=99999999999999999999"])
def test_garbage_page_numbers_never_break_the_list(client, app, query):
    make_article(app)
    assert client.get("/tin-tuc/" + query).status_code in (200, 404)


def test_a_page_past_the_end_is_not_found(client, app):
    make_article(app)
    assert client.get("/tin-tuc/?trang=5").status_code == 404


def test_load_more_works_as_a_link_and_as_an_htmx_fragment(client, app):
    for number in range(12):
        make_article(app, f"Bài số {number:02d}", age=timedelta(hours=number + 1))
    first = text_of(client.get("/tin-tuc/"))
    assert "Bài số 00" in first and "Bài số 10" not in first
    assert re.search(r'<a href="/tin-tuc/\?trang=2"[^>]*>Xem thêm bài</a>', first)
    # Without JavaScript the link opens page 2 as a whole page.
    second = text_of(client.get("/tin-tuc/?trang=2"))
    assert "<html" in second and "Bài số 10" in second and "Bài số 00" not in second
    assert "Các bài mới hơn" in second
    # With htmx only the next items come back, to replace the button.
    fragment = client.get("/tin-tuc/?trang=2", headers={"HX-Request": "true", "HX-Target": "load-more"})
    assert "<html" not in text_of(fragment) and "Bài số 11" in text_of(fragment)
    assert "HX-Request" in fragment.headers["Vary"]


# The article page -----------------------------------------------------------------


def test_a_wrong_or_missing_slug_redirects_to_the_right_address(client, app):
    article_id = make_article(app, "Ngày thứ Tư trực tuyến")
    right = article_url(app, article_id)
    assert right.endswith("-ngay-thu-tu-truc-tuyen")
    for wrong in (f"/tin-tuc/{article_id}", f"/tin-tuc/{article_id}-ten-cu"):
        response = client.get(wrong)
        assert response.status_code == 301
        assert response.headers["Location"] == right
    assert client.get(right).status_code == 200


@pytest.mark.parametrize("url", ["/tin-tuc/999-khong-co", "/tin-tuc/99999999999999999999-qua-lon"])
def test_unknown_articles_are_not_found(client, url):
    assert client.get(url).status_code == 404


def test_drafts_are_not_found_by_residents_but_editors_can_look(client, app, login):
    article_id = make_article(app, "Bản nháp", status=DRAFT)
    url = article_url(app, article_id)
    assert client.get(url).status_code == 404
    login("editor")
    page = text_of(client.get(url))
    assert "Người dân chưa thấy bài này" in page


def test_the_article_page_has_sharing_tags(client, app):
    article_id = make_article(app, "Thứ Năm: ngày không viết", summary="Cán bộ điền giúp tờ khai.")
    page = text_of(client.get(article_url(app, article_id)))
    assert '<meta property="og:title" content="Thứ Năm: ngày không viết">' in page
    assert '<meta property="og:description" content="Cán bộ điền giúp tờ khai.">' in page
    assert f'<meta property="og:url" content="http://localhost{article_url(app, article_id)}">' in page
    assert '<meta name="twitter:card" content="summary">' in page
    assert '<meta name="description" content="Cán bộ điền giúp tờ khai.">' in page


def test_each_reader_is_counted_and_written_in_a_batch(client, app):
    from wardsite.news.views import flush_views

    article_id = make_article(app)
    url = article_url(app, article_id)
    client.get(url, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    page = text_of(client.get(url, environ_base={"REMOTE_ADDR": "10.0.0.2"}))
    assert "2 lượt đọc" in page
    assert flush_views(app)
    with app.app_context():
        assert db.session.get(Article, article_id).views == 2


# Comments ---------------------------------------------------------------------------


def comment_on(client, article_id, name="Bà Năm", body="Cảm ơn phường!", address="10.0.0.1"):
    return client.post(
        f"/tin-tuc/{article_id}/binh-luan", data={"author_name": name, "body": body},
        environ_base={"REMOTE_ADDR": address},
    )


def test_a_comment_waits_for_an_editor_then_appears(client, app, login):
    article_id = make_article(app)
    url = article_url(app, article_id)
    response = comment_on(client, article_id, body="Thứ Bảy có mở cửa không ạ?")
    assert response.status_code == 303
    assert response.headers["Location"] == url + "?binh-luan=da-gui#binh-luan"
    page = text_of(client.get(response.headers["Location"]))
    comments = page[page.index('id="binh-luan"'):]  # the thanks is where the page scrolls to
    assert "Bình luận sẽ hiện ở đây sau khi biên tập viên đọc và duyệt." in comments
    assert "Thứ Bảy có mở cửa không ạ?" not in page

    editor = login("editor")
    queue = text_of(client.get("/quan-tri/binh-luan/"))
    assert "Có 1 bình luận đang chờ duyệt." in queue
    assert "Thứ Bảy có mở cửa không ạ?" in queue
    assert "Bình luận (1 chờ duyệt)" in queue  # the staff menu
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    assert client.post(f"/quan-tri/binh-luan/{comment_id}/duyet").status_code == 303
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert comment.status == COMMENT_APPROVED and comment.moderated_by_id == editor.id
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "comment.approved"))
        assert entry.user_id == editor.id and entry.target_id == str(comment_id)

    resident = app.test_client()
    page = text_of(resident.get(url))
    assert "Thứ Bảy có mở cửa không ạ?" in page and "Bà Năm" in page


def test_a_rejected_comment_never_appears(client, app, login):
    article_id = make_article(app)
    comment_on(client, article_id, body="Quảng cáo bán hàng")
    login("editor")
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    client.post(f"/quan-tri/binh-luan/{comment_id}/tu-choi")
    assert "Quảng cáo bán hàng" not in text_of(app.test_client().get(article_url(app, article_id)))
    assert "Không còn bình luận nào chờ duyệt" in text_of(client.get("/quan-tri/binh-luan/"))
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.target_type == "Comment")) == "comment.rejected"


def test_comments_are_shown_as_text_never_as_html(client, app):
    article_id = make_article(app)
    comment_on(client, article_id, name="<b>Kẻ xấu</b>", body='<script>alert("x")</script><img src=x onerror=alert(1)>')
    with app.app_context():
        db.session.execute(Comment.__table__.update().values(status=COMMENT_APPROVED))
        db.session.commit()
    page = text_of(client.get(article_url(app, article_id)))
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>Kẻ xấu</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&lt;b&gt;Kẻ xấu&lt;/b&gt;" in page


def test_a_comment_with_missing_parts_is_explained_and_kept(client, app):
    article_id = make_article(app)
    response = comment_on(client, article_id, name="", body="Nội dung tôi đã gõ")
    page = text_of(response)
    assert response.status_code == 200
    assert "Vui lòng nhập tên của bạn." in page
    assert "Nội dung tôi đã gõ</textarea>" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_comments_are_rate_limited_with_a_clear_message(client, app):
    article_id = make_article(app)
    for number in range(5):
        assert comment_on(client, article_id, body=f"Ý kiến {number}", address="10.9.9.9").status_code == 303
    response = comment_on(client, article_id, body="Ý kiến thứ sáu", address="10.9.9.9")
    page = text_of(response)
    assert "Bạn đã gửi nhiều bình luận trong thời gian ngắn" in page
    assert "Ý kiến thứ sáu</textarea>" in page
    assert comment_on(client, article_id, body="Người khác", address="10.9.9.10").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.status == COMMENT_WAITING)) == 6


def test_drafts_cannot_be_commented_or_rated(client, app):
    article_id = make_article(app, status=DRAFT)
    assert comment_on(client, article_id).status_code == 404
    assert client.post(f"/tin-tuc/{article_id}/danh-gia", data={"stars": "5"}).status_code == 404


# Ratings ------------------------------------------------------------------------------


def test_one_rating_per_browser_with_average_and_count(client, app):
    article_id = make_article(app)
    url = article_url(app, article_id)
    response = client.post(f"/tin-tuc/{article_id}/danh-gia", data={"stars": "4"})
    assert response.status_code == 303 and response.headers["Location"] == url + "?danh-gia=cam-on#danh-gia"
    assert "HttpOnly" in response.headers["Set-Cookie"]
    page = text_of(client.get(response.headers["Location"]))
    rating = page[page.index('id="danh-gia"'):]
    assert "Cảm ơn bạn đã đánh giá bài viết." in rating
    assert "4,0 trên 5 sao, 1 lượt đánh giá" in page
    assert "Bạn đã chấm bài này 4 sao." in page
    assert "Gửi đánh giá" not in page

    again = client.post(f"/tin-tuc/{article_id}/danh-gia", data={"stars": "1"}, follow_redirects=True)
    assert "Bạn đã đánh giá bài này rồi." in text_of(again)

    other_browser = app.test_client()
    other_browser.post(f"/tin-tuc/{article_id}/danh-gia", data={"stars": "5"})
    assert "4,5 trên 5 sao, 2 lượt đánh giá" in text_of(other_browser.get(url))
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert (article.rating_count, article.rating_total) == (2, 9)


def test_a_forged_rating_cookie_is_ignored(client, app):
    article_id = make_article(app)
    client.set_cookie("news_ratings", '{"%d":5}' % article_id)
    page = text_of(client.get(article_url(app, article_id)))
    assert "Gửi đánh giá" in page


def test_rating_with_htmx_returns_the_updated_block(client, app):
    article_id = make_article(app)
    response = client.post(
        f"/tin-tuc/{article_id}/danh-gia", data={"stars": "5"}, headers={"HX-Request": "true", "HX-Target": "danh-gia"}
    )
    fragment = text_of(response)
    assert response.status_code == 200
    assert "<html" not in fragment and 'id="danh-gia"' in fragment
    assert "Cảm ơn bạn đã đánh giá bài viết." in fragment and "5,0 trên 5 sao, 1 lượt đánh giá" in fragment
    assert "news_ratings=" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("stars", ["0", "6", "năm", ""])
def test_a_rating_out_of_range_is_refused_with_a_message(client, app, stars):
    article_id = make_article(app)
    response = client.post(f"/tin-tuc/{article_id}/danh-gia", data={"stars": stars})
    assert response.status_code == 200
    assert "Vui lòng chọn từ 1 đến 5 sao." in text_of(response)
    with app.app_context():
        assert db.session.get(Article, article_id).rating_count == 0


# Home page, language ---------------------------------------------------------------------


def test_the_home_page_shows_pinned_notices_and_latest_news(client, app):
    make_article(app, "Lịch trực thứ Bảy", kind="notice", pinned=True)
    make_article(app, "Đoàn viên ra quân", kind="news")
    make_article(app, "Thông báo chưa đến giờ", kind="notice", pinned=True, published_at=utcnow() + timedelta(days=1))
    page = text_of(client.get("/"))
    ticker = page[page.index("Thông báo quan trọng"):page.index("Tin mới nhất")]
    assert "Lịch trực thứ Bảy" in ticker and "Đoàn viên ra quân" not in ticker
    assert "Đoàn viên ra quân" in page[page.index("Tin mới nhất"):]
    assert "Thông báo chưa đến giờ" not in page
    assert 'href="/tin-tuc/"' in page  # the main menu and the home door


def test_the_news_pages_speak_english_on_request(client, app):
    article_id = make_article(app)
    client.get("/ngon-ngu/en")
    assert "News and notices" in text_of(client.get("/tin-tuc/"))
    assert "Was this article useful?" in text_of(client.get(article_url(app, article_id)))


def test_ratings_from_one_connection_are_limited(app, client):
    app.config["NEWS_RATING_LIMIT"] = "2 per hour"
    article_id = make_article(app)
    for _ in range(2):
        app.test_client().post(f"/tin-tuc/{article_id}/danh-gia", data={"stars": "5"}, environ_base={"REMOTE_ADDR": "10.7.7.7"})
    page = text_of(app.test_client().post(
        f"/tin-tuc/{article_id}/danh-gia", data={"stars": "1"}, environ_base={"REMOTE_ADDR": "10.7.7.7"}, follow_redirects=True
    ))
    assert "Có nhiều lượt đánh giá từ kết nối của bạn trong một giờ qua" in page
    with app.app_context():
        assert db.session.get(Article, article_id).rating_count == 2


def test_control_characters_are_dropped_from_comments(client, app):
    # PostgreSQL refuses NUL in text; a resident's stray control key must not break the form.
    article_id = make_article(app)
    response = comment_on(client, article_id, name="Bà\x00 Năm\x1b", body="Dòng một\r\nDòng hai\x00\x07")
    assert response.status_code == 303
    with app.app_context():
        comment = db.session.scalar(select(Comment))
        assert (comment.author_name, comment.body) == ("Bà Năm", "Dòng một\nDòng hai")
