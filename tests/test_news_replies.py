"""The ward's official reply under a comment: an editor writes it on the
moderation screens, residents see it at once under the comment, marked as the
ward's in words (not colour alone); editors change or remove it; each step is
in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import article_url, make_article, text_of
from wardsite.audit import AuditEntry
from wardsite.extensions import db
from wardsite.news.models import COMMENT_APPROVED, COMMENT_WAITING, Comment

REPLIES = "/quan-tri/binh-luan/da-duyet"


def make_comment(app, article_id: int, status=COMMENT_APPROVED, body="Nhà văn hóa mở cửa thứ Bảy không?") -> int:
    with app.app_context():
        comment = Comment(article_id=article_id, author_name="Bà Lan", body=body, status=status)
        db.session.add(comment)
        db.session.commit()
        return comment.id


@pytest.fixture
def arranged(app):
    article_id = make_article(app)
    return article_id, make_comment(app, article_id)


def reply(client, comment_id: int, body: str):
    return client.post(f"/quan-tri/binh-luan/{comment_id}/tra-loi", data={f"reply-{comment_id}-body": body})


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_reply_shows_under_the_comment_for_anonymous_readers_marked_as_the_wards(app, client, login, arranged):
    article_id, comment_id = arranged
    reader = app.test_client()
    before = text_of(reader.get(article_url(app, article_id)))  # kept by the page cache
    assert "Phường trả lời" not in before

    login("editor")
    page = text_of(client.get(REPLIES))
    assert "Nhà văn hóa mở cửa thứ Bảy không?" in page
    assert f'name="reply-{comment_id}-body"' in page
    response = reply(client, comment_id, "Thưa bác, nhà văn hóa mở cửa sáng thứ Bảy, từ 7:30.")
    assert response.status_code == 303

    html = text_of(reader.get(article_url(app, article_id)))  # the next request shows it
    with app.app_context():
        from wardsite.admin.models import WardSettings

        ward_name = WardSettings.current().name
    block = html.split(f'id="comment-{comment_id}"', 1)[1].split("</li>", 1)[0]
    assert '<section class="official-reply"' in block
    assert "Phường trả lời" in block  # in words, not colour alone
    assert "Thưa bác, nhà văn hóa mở cửa sáng thứ Bảy, từ 7:30." in block
    assert f"<strong>{ward_name}</strong>" in block
    assert actions(app)[-1] == "comment.replied"


def test_editors_change_and_remove_the_reply(app, client, login, arranged):
    article_id, comment_id = arranged
    login("editor")
    reply(client, comment_id, "Mở cửa thứ Bảy.")
    reply(client, comment_id, "Mở cửa thứ Bảy và Chủ nhật.")
    html = text_of(client.get(article_url(app, article_id)))
    assert "Mở cửa thứ Bảy và Chủ nhật." in html and "đã sửa" in html
    assert f'>Mở cửa thứ Bảy và Chủ nhật.</textarea>' in text_of(client.get(REPLIES)).replace("\r\n", "")
    removed = client.post(f"/quan-tri/binh-luan/{comment_id}/tra-loi/xoa")
    assert removed.status_code == 303
    reader_html = text_of(app.test_client().get(article_url(app, article_id)))
    assert "Phường trả lời" not in reader_html and "Nhà văn hóa mở cửa thứ Bảy không?" in reader_html
    assert actions(app)[-3:] == ["comment.replied", "comment.reply_changed", "comment.reply_removed"]
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "comment.reply_removed"))
        assert "Mở cửa thứ Bảy và Chủ nhật." in entry.summary  # the text is not lost


def test_the_audit_log_says_it_in_vietnamese(app, client, login, arranged):
    _article_id, comment_id = arranged
    login("admin")
    reply(client, comment_id, "Cảm ơn bác.")
    client.post(f"/quan-tri/binh-luan/{comment_id}/tra-loi/xoa")
    html = text_of(client.get("/quan-tri/nhat-ky"))
    assert "Trả lời một bình luận thay mặt phường" in html
    assert "Gỡ câu trả lời của phường cho một bình luận" in html
    assert "câu trả lời đã gỡ: Cảm ơn bác." in html
    assert "comment.repl" not in html


@pytest.mark.parametrize("role", ["leader", "volunteer"])
def test_only_editors_and_admins_may_reply(app, client, login, arranged, role):
    article_id, comment_id = arranged
    login(role)
    assert reply(client, comment_id, "Trả lời giả").status_code == 403
    assert client.post(f"/quan-tri/binh-luan/{comment_id}/tra-loi/xoa").status_code == 403
    assert client.get(REPLIES).status_code == 403
    assert "Trả lời giả" not in text_of(app.test_client().get(article_url(app, article_id)))


def test_anonymous_visitors_are_sent_to_sign_in(app, client, arranged):
    _article_id, comment_id = arranged
    response = reply(client, comment_id, "Trả lời giả")
    assert response.status_code == 302 and response.headers["Location"].startswith("/dang-nhap")


def test_admins_may_reply(app, client, login, arranged):
    _article_id, comment_id = arranged
    login("admin")
    assert reply(client, comment_id, "Cảm ơn bác.").status_code == 303


def test_a_comment_not_approved_cannot_be_answered(app, client, login):
    article_id = make_article(app)
    waiting = make_comment(app, article_id, status=COMMENT_WAITING)
    login("editor")
    assert reply(client, waiting, "Cảm ơn").status_code == 404
    assert reply(client, 999_999_999_999, "Cảm ơn").status_code == 404
    with app.app_context():
        assert db.session.get(Comment, waiting).reply_body is None


def test_hostile_replies_are_escaped(app, client, login, arranged):
    article_id, comment_id = arranged
    login("editor")
    reply(client, comment_id, '<script>alert(1)</script><img src=x onerror=alert(2)> **đậm**')
    html = text_of(app.test_client().get(article_url(app, article_id)))
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "**đậm**" in html  # plain text, as comments are


def test_an_empty_a_nul_only_and_a_too_long_reply_get_messages(app, client, login, arranged):
    article_id, comment_id = arranged
    login("editor")
    for body, message in (("", "Vui lòng viết câu trả lời."), ("\x00\x00", "Vui lòng viết câu trả lời."),
                          ("ạ" * 2001, "Tối đa 2000 ký tự.")):
        response = reply(client, comment_id, body)
        html = text_of(response)
        assert response.status_code == 200
        assert message in html
        assert "Có 1 lỗi cần sửa" in html
        assert f'href="#reply-{comment_id}-body"' in html
    long_kept = text_of(reply(client, comment_id, "ạ" * 2001))
    assert "ạ" * 2001 in long_kept  # what was typed is kept, not cut
    with app.app_context():
        assert db.session.get(Comment, comment_id).reply_body is None
    assert "Phường trả lời" not in text_of(app.test_client().get(article_url(app, article_id)))


def test_a_nul_inside_a_reply_is_dropped(app, client, login, arranged):
    article_id, comment_id = arranged
    login("editor")
    assert reply(client, comment_id, "Cảm\x00 ơn bác").status_code == 303
    with app.app_context():
        assert db.session.get(Comment, comment_id).reply_body == "Cảm ơn bác"


def test_the_moderation_screen_links_to_the_replies(client, login):
    login("editor")
    assert f'href="{REPLIES}"' in text_of(client.get("/quan-tri/binh-luan/"))


def test_the_reply_is_marked_in_english_too(app, client, login, arranged):
    article_id, comment_id = arranged
    login("editor")
    reply(client, comment_id, "Cảm ơn bác.")
    reader = app.test_client()
    reader.get("/ngon-ngu/en?next=/")
    assert "Reply from the ward" in text_of(reader.get(article_url(app, article_id)))
