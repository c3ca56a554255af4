"""Editors write, preview, schedule, publish and pin articles with a cover image;
every change is in the audit log; bad uploads are refused with a clear message."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.factories import article_form, article_url, make_article, text_of
from wardsite.audit import AuditEntry
from wardsite.extensions import db
from wardsite.news import models as news_models
from wardsite.news.models import DRAFT, PUBLISHED, SCHEDULED, Article
from wardsite.timeutil import WARD_TZ, to_local, utcnow


def image_file(fmt="PNG", size=(800, 450), name="anh.png", exif=False) -> tuple[BytesIO, str]:
    buffer = BytesIO()
    image = Image.new("RGB", size, (11, 79, 156))
    if exif:
        data = Image.Exif()
        data[0x010F] = "Máy ảnh bí mật"  # Make
        image.save(buffer, fmt, exif=data)
    else:
        image.save(buffer, fmt)
    buffer.seek(0)
    return buffer, name


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def only_article(app) -> Article:
    with app.app_context():
        article = db.session.scalar(select(Article))
        db.session.expunge(article)
        return article


def test_an_editor_publishes_an_article_with_a_cover_image(client, app, login):
    editor = login("editor")
    response = client.post(
        "/quan-tri/tin-tuc/moi", data=article_form(cover=image_file(exif=True)), content_type="multipart/form-data"
    )
    assert response.status_code == 303
    article = only_article(app)
    assert article.current_status == PUBLISHED and article.author_id == editor.id
    assert article.slug == "khai-truong-to-dan-pho-dien-tu"
    assert audit_actions(app) == ["article.created", "article.published"]

    page = text_of(app.test_client().get(article_url(app, article.id)))
    assert '<h2>Giờ mở cửa</h2>' in page and "<strong>căn cước</strong>" in page
    assert f'src="/tep/{article.cover_filename}" alt="Phòng máy tính ở nhà văn hóa"' in page
    assert "<figcaption>Nhà văn hóa Tổ dân phố 1</figcaption>" in page
    assert f'<meta property="og:image" content="http://localhost/tep/{article.cover_filename}">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page

    served = client.get(f"/tep/{article.cover_filename}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    data = served.get_data()
    served.close()
    with Image.open(BytesIO(data)) as stored:
        assert stored.size == (800, 450) and not stored.getexif()
    with Image.open(Path(app.config["UPLOAD_FOLDER"]) / article.cover_thumb_filename) as thumb:
        assert thumb.size == (480, 270)


def test_a_non_image_upload_is_refused_and_the_form_kept(client, app, login):
    login("editor")
    response = client.post(
        "/quan-tri/tin-tuc/moi",
        data=article_form(title="Bài có tệp lạ", cover=(BytesIO(b"%PDF-1.4 not an image"), "anh.jpg")),
        content_type="multipart/form-data",
    )
    page = text_of(response)
    assert response.status_code == 200
    assert "Tệp này không phải là ảnh đọc được. Vui lòng chọn ảnh JPEG, PNG hoặc WebP." in page
    assert 'value="Bài có tệp lạ"' in page
    with app.app_context():
        assert db.session.scalar(select(Article)) is None


def test_an_oversized_upload_is_refused(client, app, login):
    login("editor")
    too_big = FileStorage(BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024)), "lon.png", content_type="image/png")
    # Encoded in memory: the test client would otherwise spool it to a temporary file it never closes.
    boundary, body = encode_multipart(MultiDict({**article_form(), "cover": too_big}))
    response = client.post("/quan-tri/tin-tuc/moi", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert "Ảnh quá lớn (tối đa 5.0 MB)." in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(Article)) is None


def test_a_gif_is_refused(client, app, login):
    login("editor")
    response = client.post(
        "/quan-tri/tin-tuc/moi", data=article_form(cover=image_file("GIF", name="anh.gif")), content_type="multipart/form-data"
    )
    assert "Vui lòng chọn ảnh JPEG, PNG hoặc WebP." in text_of(response)


def test_missing_fields_and_a_bad_time_are_explained(client, login):
    login("editor")
    page = text_of(client.post("/quan-tri/tin-tuc/moi", data=article_form(title="", summary="", published_at="ngày mai")))
    assert "Vui lòng nhập tiêu đề." in page
    assert "Vui lòng viết một đoạn tóm tắt ngắn." in page
    assert "Vui lòng nhập ngày và giờ, ví dụ 25/12/2026 07:30." in page
    assert 'value="ngày mai"' in page


def test_a_scheduled_article_stays_hidden_until_its_time(client, app, login, monkeypatch):
    login("editor")
    tomorrow = (utcnow().astimezone(WARD_TZ) + timedelta(days=1)).replace(second=0, microsecond=0)
    client.post("/quan-tri/tin-tuc/moi", data=article_form(title="Lịch trực tháng sau", published_at=tomorrow.strftime("%Y-%m-%dT%H:%M")))
    article = only_article(app)
    assert article.current_status == SCHEDULED
    assert to_local(article.published_at) == tomorrow
    assert "article.scheduled" in audit_actions(app)
    assert "Hẹn giờ đăng" in text_of(client.get("/quan-tri/tin-tuc/?trang-thai=scheduled"))

    resident = app.test_client()
    url = article_url(app, article.id)
    assert resident.get(url).status_code == 404
    assert "Lịch trực tháng sau" not in text_of(resident.get("/tin-tuc/"))
    assert "Lịch trực tháng sau" not in text_of(resident.get("/tin-tuc/feed.atom"))
    assert "Lịch trực tháng sau" not in text_of(resident.get("/"))

    # A day later, nobody has pressed anything: the article is there.
    later = utcnow() + timedelta(days=1, minutes=1)
    monkeypatch.setattr(news_models, "utcnow", lambda: later)
    assert resident.get(url).status_code == 200
    assert "Lịch trực tháng sau" in text_of(resident.get("/tin-tuc/"))
    assert "Lịch trực tháng sau" in text_of(resident.get("/tin-tuc/feed.atom"))


def test_publish_unpublish_and_pin_from_the_list(client, app, login):
    login("editor")
    article_id = make_article(app, "Thông báo lịch tiêm", kind="notice", status=DRAFT)
    assert client.post(f"/quan-tri/tin-tuc/{article_id}/dang-ngay").status_code == 303
    assert client.post(f"/quan-tri/tin-tuc/{article_id}/ghim").status_code == 303
    home = text_of(app.test_client().get("/"))
    assert "Thông báo lịch tiêm" in home[home.index("Thông báo quan trọng"):]
    client.post(f"/quan-tri/tin-tuc/{article_id}/go-xuong", data={"back": "/quan-tri/tin-tuc/?trang-thai=draft"})
    assert app.test_client().get(article_url(app, article_id)).status_code == 404
    assert audit_actions(app) == ["article.published", "article.pinned", "article.unpublished"]


def test_the_back_address_after_an_action_stays_on_the_editor_list(client, app, login):
    login("editor")
    article_id = make_article(app, status=DRAFT)
    response = client.post(f"/quan-tri/tin-tuc/{article_id}/dang-ngay", data={"back": "https://evil.example/"})
    assert response.headers["Location"] == "/quan-tri/tin-tuc/"


def test_editing_keeps_what_was_there_and_is_audited(client, app, login):
    login("editor")
    article_id = make_article(app, "Tiêu đề cũ")
    form = text_of(client.get(f"/quan-tri/tin-tuc/{article_id}"))
    assert 'value="Tiêu đề cũ"' in form
    assert re.search(r'id="published_at"[^>]* value="\d{4}-\d\d-\d\dT\d\d:\d\d"', form)  # to the minute, as browsers expect
    assert '<h3 class="article-title">Tiêu đề cũ</h3>' in form  # the preview starts with the saved article
    response = client.post(f"/quan-tri/tin-tuc/{article_id}", data=article_form(title="Tiêu đề mới", slug="", status=DRAFT))
    assert response.status_code == 303
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert article.title == "Tiêu đề mới" and article.slug == "tieu-de-moi" and article.current_status == DRAFT
    assert audit_actions(app) == ["article.updated", "article.unpublished"]


def test_the_editor_list_filters_by_status_and_ignores_garbage(client, app, login):
    login("editor")
    make_article(app, "Bài đã đăng")
    make_article(app, "Bài nháp", status=DRAFT)
    make_article(app, "Bài hẹn giờ", published_at=utcnow() + timedelta(hours=3))
    drafts = text_of(client.get("/quan-tri/tin-tuc/?trang-thai=draft"))
    assert "Bài nháp" in drafts and "Bài đã đăng" not in drafts and "Bài hẹn giờ" not in drafts
    scheduled = text_of(client.get("/quan-tri/tin-tuc/?trang-thai=scheduled"))
    assert "Bài hẹn giờ" in scheduled and "Bài nháp" not in scheduled
    everything = client.get("/quan-tri/tin-tuc/?trang-thai=xyz&trang=abc")
    assert everything.status_code == 200
    assert all(title in text_of(everything) for title in ("Bài đã đăng", "Bài nháp", "Bài hẹn giờ"))


def test_the_live_preview_renders_what_residents_will_see(client, login):
    login("editor")
    response = client.post(
        "/quan-tri/tin-tuc/xem-truoc",
        data=article_form(title="Bản xem trước", body="Chữ **đậm** <script>alert(1)</script>"),
        headers={"HX-Request": "true"},
    )
    fragment = text_of(response)
    assert "<html" not in fragment
    assert "Bản xem trước" in fragment and "<strong>đậm</strong>" in fragment
    assert "<script>" not in fragment


def test_the_preview_button_works_without_javascript_and_saves_nothing(client, app, login):
    login("editor")
    page = text_of(client.post("/quan-tri/tin-tuc/moi", data=article_form(title="Chỉ xem thử", preview="1")))
    assert 'value="Chỉ xem thử"' in page
    assert '<h3 class="article-title">Chỉ xem thử</h3>' in page
    with app.app_context():
        assert db.session.scalar(select(Article)) is None


def test_the_staff_home_counts_waiting_comments_for_editors_only(client, app, login):
    from wardsite.news.models import Comment

    article_id = make_article(app)
    with app.app_context():
        db.session.add(Comment(article_id=article_id, author_name="Ông Tư", body="Hay quá"))
        db.session.commit()
    login("editor")
    assert "Bình luận chờ duyệt: 1" in text_of(client.get("/quan-tri/"))
    client.post("/dang-xuat")
    login("leader")
    assert "Bình luận chờ duyệt" not in text_of(client.get("/quan-tri/"))


@pytest.mark.parametrize("url", ["/quan-tri/tin-tuc/99999999999999999999", "/quan-tri/tin-tuc/424242"])
def test_unknown_articles_give_404_to_editors(client, login, url):
    login("editor")
    assert client.get(url).status_code == 404


def test_the_comment_queue_reads_all_waiting_comments_in_a_few_queries(client, app, login):
    from sqlalchemy import event

    from wardsite.news.models import Comment

    with app.app_context():
        for number in range(15):
            article_id = make_article(app, f"Bài {number}")
            db.session.add(Comment(article_id=article_id, author_name=f"Người đọc {number}", body="Cảm ơn"))
        db.session.commit()
        engine = db.engine
    login("editor")
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        page = text_of(client.get("/quan-tri/binh-luan/"))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert "Có 15 bình luận đang chờ duyệt." in page and "Bài 14" in page
    assert len(statements) < 10


def test_replacing_or_removing_the_cover_deletes_the_old_files(client, app, login):
    login("editor")
    client.post("/quan-tri/tin-tuc/moi", data=article_form(cover=image_file()), content_type="multipart/form-data")
    first = only_article(app)
    uploads = Path(app.config["UPLOAD_FOLDER"])
    assert (uploads / first.cover_filename).exists() and (uploads / first.cover_thumb_filename).exists()
    client.post(f"/quan-tri/tin-tuc/{first.id}", data=article_form(cover=image_file(size=(640, 360))), content_type="multipart/form-data")
    second = only_article(app)
    assert second.cover_filename != first.cover_filename
    assert not (uploads / first.cover_filename).exists() and not (uploads / first.cover_thumb_filename).exists()
    client.post(f"/quan-tri/tin-tuc/{first.id}", data=article_form(remove_cover="y"))
    assert only_article(app).cover_filename is None
    assert sorted(path.name for path in uploads.iterdir()) == []


def test_control_characters_are_dropped_from_articles(client, app, login):
    login("editor")
    response = client.post("/quan-tri/tin-tuc/moi", data=article_form(title="Lịch\x00 trực", body="Nội\x00 dung\x1b"))
    assert response.status_code == 303
    article = only_article(app)
    assert (article.title, article.body) == ("Lịch trực", "Nội dung")
