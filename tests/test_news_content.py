"""What reaches the page from an article body is safe HTML; the Atom feed,
sitemap.xml and robots.txt describe the public pages; the demo fills the news."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.factories import article_url, make_article, text_of
from wardsite.extensions import db
from wardsite.news.models import COMMENT_WAITING, DRAFT, Article, Comment
from wardsite.news.services import render_markdown
from wardsite.timeutil import utcnow


class _Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.comments: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((name, (value or "").strip().lower()) for name, value in attrs)

    def handle_comment(self, data):
        self.comments.append(data)


# What an article body may hold, written here rather than read from the
# sanitizer, so that widening the sanitizer's list makes these tests fail:
# text structure, links and images only, nothing a browser runs or submits.
SAFE_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "blockquote", "ul", "ol", "li",
    "a", "img", "code", "pre", "table", "thead", "tbody", "tr", "th", "td",
}
SAFE_ATTRIBUTES = {"href", "title", "src", "alt", "start", "align", "rel"}


def assert_safe(html: str) -> None:
    found = _Elements(html)
    assert set(found.tags) <= SAFE_TAGS, html
    assert not found.comments, html
    for name, value in found.attributes:
        assert name in SAFE_ATTRIBUTES, html
        if name in ("href", "src"):
            assert not value.startswith(("javascript:", "data:", "vbscript:")), html


DANGEROUS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="https://example.org" onclick="steal()">bấm</a>',
    "<div style='position:fixed'>che trang</div>",
    "<iframe src='https://evil.example'></iframe>",
    "[bấm vào đây](javascript:alert(1))",
    "[bấm vào đây](JaVaScRiPt:alert(1))",
    "[bấm](  javascript:alert(1) )",
    "<javascript:alert(1)>",
    "[tệp](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![ảnh](data:image/png;base64,iVBORw0KGgo=)",
    "![ảnh](javascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "<svg onload=alert(1)>",
    "<!-- ghi chú --><b>đậm</b>",
    '[bấm](https://example.org "tiêu đề\" onmouseover=\"alert(1)")',
]


@pytest.mark.parametrize("source", DANGEROUS, ids=[case[:30] for case in DANGEROUS])
def test_dangerous_markdown_never_becomes_html(source):
    html = str(render_markdown(f"Đoạn đầu.\n\n{source}\n\nĐoạn cuối."))
    assert_safe(html)
    assert "<p>Đoạn đầu.</p>" in html and "<p>Đoạn cuối.</p>" in html


def test_data_and_script_urls_do_not_survive_even_where_markdown_allows_them():
    # markdown-it itself lets data:image/png through; the sanitizer removes it.
    html = str(render_markdown("![ảnh](data:image/png;base64,iVBORw0KGgo=)"))
    assert "data:" not in html


def test_raw_html_is_shown_as_text_and_markdown_still_works():
    html = str(render_markdown("Xin chào <b>bà con</b>, mời đọc **hướng dẫn**."))
    assert "&lt;b&gt;bà con&lt;/b&gt;" in html
    assert "<strong>hướng dẫn</strong>" in html


def test_good_links_and_images_are_kept_and_safe():
    html = str(render_markdown(
        "[Cổng dịch vụ công](https://dichvucong.gov.vn) · [thư](mailto:ubnd@hoaphong.example)\n\n![Bản đồ](/tep/ban-do.jpg)"
    ))
    assert '<a href="https://dichvucong.gov.vn" rel="noopener noreferrer">Cổng dịch vụ công</a>' in html
    assert 'href="mailto:ubnd@hoaphong.example"' in html
    assert '<img src="/tep/ban-do.jpg" alt="Bản đồ">' in html


def test_body_headings_sit_below_the_article_title():
    assert str(render_markdown("# Lớn\n\n## Vừa")) == "<h2>Lớn</h2>\n<h2>Vừa</h2>\n"


PIECES = ["<", ">", '"', "'", "=", "/", ":", "&", ";", "#", "*", "[", "]", "(", ")", "!", "\n", " ", "script", "img",
          "onerror", "javascript", "data", "href", "src", "a", "svg", "style", "alert(1)", "`", "\\", "&#x3a;", "%3A"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=40).map("".join))
def test_no_text_at_all_gets_a_script_or_handler_through(source):
    assert_safe(str(render_markdown(source)))


def test_the_article_page_carries_only_the_sanitized_body(client, app):
    article_id = make_article(
        app, "Bài <script>tiêu đề</script>",
        body='Chào <script>alert("x")</script> [bấm](javascript:alert(1)) <img src=x onerror=alert(1)>',
        summary='Tóm tắt "có ngoặc" <b>và thẻ</b>',
    )
    page = text_of(client.get(article_url(app, article_id)))
    start = page.index('<div class="article-body">') + len('<div class="article-body">')
    body = page[start:page.index("</div>", start)]
    assert_safe(body)
    assert "<script>" not in page and "<b>và thẻ</b>" not in page
    assert "Bài &lt;script&gt;tiêu đề&lt;/script&gt;" in page
    assert 'content="Tóm tắt &#34;có ngoặc&#34; &lt;b&gt;và thẻ&lt;/b&gt;"' in page


# The Atom feed --------------------------------------------------------------------


def test_the_atom_feed_parses_with_the_right_entries(client, app):
    make_article(app, "Tin hôm kia", age=timedelta(days=2), body="Có **chữ đậm** và <script>x</script>.")
    make_article(app, "Tin hôm qua", kind="notice", age=timedelta(days=1))
    make_article(app, "Bản nháp", status=DRAFT)
    make_article(app, "Tin hẹn giờ", published_at=utcnow() + timedelta(hours=2))
    response = client.get("/tin-tuc/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "Tin tức Phường của bạn"
    assert [entry.title for entry in feed.entries] == ["Tin hôm qua", "Tin hôm kia"]
    newest, older = feed.entries
    assert newest.link.startswith("http://localhost/tin-tuc/") and newest.link.endswith("-tin-hom-qua")
    assert newest.summary == "Người dân được hướng dẫn ngay tại nhà văn hóa."
    assert newest.tags[0].term == "notice"
    assert "<strong>chữ đậm</strong>" in older.content[0].value
    assert "<script" not in older.content[0].value
    assert older.published_parsed < newest.published_parsed


def test_the_list_page_points_feed_readers_to_the_feed(client):
    page = text_of(client.get("/tin-tuc/"))
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'href="http://localhost/tin-tuc/feed.atom"' in page


# sitemap.xml and robots.txt ----------------------------------------------------------


def test_the_sitemap_lists_public_pages_and_published_articles_only(client, app):
    published = make_article(app, "Tin đã đăng")
    make_article(app, "Bản nháp bí mật", status=DRAFT)
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    xml = text_of(response)
    locations = re.findall(r"<loc>([^<]+)</loc>", xml)
    assert "http://localhost/" in locations
    assert "http://localhost/tin-tuc/" in locations
    assert "http://localhost" + article_url(app, published) in locations
    assert not any("ban-nhap" in location for location in locations)
    assert not any("/quan-tri" in location for location in locations)


def test_robots_txt_points_to_the_sitemap_and_keeps_staff_pages_out(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    text = text_of(response)
    assert "Sitemap: http://localhost/sitemap.xml" in text
    assert "Disallow: /quan-tri/" in text
    assert "Disallow: /tin-tuc/" not in text.replace("Disallow: /tin-tuc/*", "")


# Demo data -----------------------------------------------------------------------------


def test_the_demo_fills_the_news_with_pictures_and_waiting_comments(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        articles = db.session.scalars(select(Article)).all()
        assert len(articles) == 12
        assert {article.kind for article in articles} == {"news", "notice", "guide"}
        assert {article.current_status for article in articles} == {"published", "scheduled", "draft"}
        assert any("VNeID" in article.title for article in articles)
        assert sum(1 for article in articles if article.cover_filename) >= 10
        waiting = db.session.scalar(select(func.count()).select_from(Comment).where(Comment.status == COMMENT_WAITING))
        assert waiting >= 3
