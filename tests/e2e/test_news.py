"""News journeys in a real browser: an editor posts an article with a cover
image, a resident reads it, comments and rates, the editor approves the comment
and the resident sees it; the same pages work without JavaScript; axe-core
finds nothing on the list, article and editor pages."""

from __future__ import annotations

import re

import pytest
from PIL import Image, ImageDraw

from tests.e2e.conftest import _new_page

pytestmark = pytest.mark.e2e

TITLE = "Khai trương Tổ dân phố điện tử tại Tổ dân phố 3"


@pytest.fixture
def cover_image(tmp_path):
    path = tmp_path / "nha-van-hoa.png"
    image = Image.new("RGB", (1000, 560), (11, 79, 156))
    ImageDraw.Draw(image).rectangle([300, 200, 700, 500], fill=(250, 200, 60))
    image.save(path)
    return path


@pytest.fixture
def resident_page(browser, live_server):
    context, new_page = _new_page(browser, live_server, javascript=True)
    yield new_page
    context.close()


def test_editor_posts_resident_comments_and_rates_editor_approves(
    page, resident_page, live_server, sign_in, check_accessibility, cover_image
):
    editor = live_server.create_user("editor")
    sign_in(page, editor)

    # The editor writes the article; the live preview follows the typing.
    page.goto("/quan-tri/tin-tuc/moi")
    page.get_by_label("Tiêu đề").fill(TITLE)
    page.get_by_label("Loại bài").select_option("notice")
    page.get_by_label("Tóm tắt").fill("Người dân được hướng dẫn làm thủ tục trực tuyến ngay tại nhà văn hóa.")
    page.get_by_label(re.compile(r"^Nội dung")).fill("## Giờ mở cửa\n\nSáng thứ Bảy: **07:30–11:30**.")
    preview = page.locator("#preview")
    preview.get_by_role("heading", name="Giờ mở cửa").wait_for()
    assert preview.locator("strong").inner_text() == "07:30–11:30"
    page.get_by_label("Ảnh đại diện (JPEG, PNG hoặc WebP, tối đa 5 MB)").set_input_files(str(cover_image))
    page.get_by_label("Ảnh có gì (cho người đọc không nhìn thấy ảnh)").fill("Nhà văn hóa sơn màu vàng")
    page.get_by_label("Chú thích dưới ảnh").fill("Nhà văn hóa Tổ dân phố 3")
    page.get_by_label("Trạng thái đăng").select_option("published")
    check_accessibility(page)
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.get_by_text(f"Đã lưu bài «{TITLE}»: Đã đăng.").wait_for()
    check_accessibility(page)

    page.goto("/quan-tri/tin-tuc/")
    assert TITLE in page.get_by_role("table").inner_text()
    check_accessibility(page)

    # A resident finds it in the list and reads it.
    resident = resident_page
    resident.goto("/tin-tuc/")
    check_accessibility(resident)
    resident.get_by_role("link", name=TITLE).click()
    resident.get_by_role("heading", level=1, name=TITLE).wait_for()
    cover = resident.locator(".article-cover img")
    assert cover.get_attribute("alt") == "Nhà văn hóa sơn màu vàng"
    assert resident.evaluate("img => img.naturalWidth", cover.element_handle()) == 1000
    assert resident.locator("figcaption").inner_text() == "Nhà văn hóa Tổ dân phố 3"
    check_accessibility(resident)

    # Rates with htmx: the block is replaced in place.
    rating = resident.locator("#danh-gia")
    rating.get_by_label("4 trên 5 sao").check()
    rating.get_by_role("button", name="Gửi đánh giá").click()
    resident.get_by_text("Cảm ơn bạn đã đánh giá bài viết.").wait_for()
    assert "4,0 trên 5 sao, 1 lượt đánh giá" in resident.locator("#danh-gia").inner_text()

    # Comments: it waits for the editor and says so.
    resident.get_by_label("Tên của bạn").fill("Bác Hoàng")
    resident.get_by_label("Ý kiến của bạn").fill("Có cần mang căn cước không ạ?")
    resident.get_by_role("button", name="Gửi bình luận").click()
    resident.locator("#binh-luan").get_by_text("Bình luận sẽ hiện ở đây sau khi biên tập viên đọc và duyệt.").wait_for()
    assert "Có cần mang căn cước không ạ?" not in resident.locator("#binh-luan").inner_text()
    check_accessibility(resident)

    # The editor sees it waiting and approves it.
    page.goto("/quan-tri/binh-luan/")
    assert "Bình luận (1 chờ duyệt)" in page.locator(".staff-links").inner_text()
    assert "Có 1 bình luận đang chờ duyệt." in page.locator("main").inner_text()
    check_accessibility(page)
    page.get_by_role("button", name=re.compile(r"^Duyệt\W+Bác Hoàng")).click()
    page.get_by_text("Bình luận của Bác Hoàng đã được duyệt").wait_for()

    # The resident reloads and sees the comment.
    resident.reload()
    comments = resident.locator("#binh-luan")
    assert "Có cần mang căn cước không ạ?" in comments.inner_text()
    assert "Bác Hoàng" in comments.inner_text()


def test_reading_rating_and_paging_without_javascript(page_nojs, live_server, check_accessibility):
    from datetime import timedelta

    from wardsite.extensions import db
    from wardsite.news.models import Article
    from wardsite.timeutil import utcnow

    with live_server.app.app_context():
        for number in range(12):
            article = Article(kind="guide", summary="Tóm tắt hướng dẫn.", body="Các bước **rõ ràng**.", status="published",
                              published_at=utcnow() - timedelta(days=30, hours=number))
            article.set_title(f"Hướng dẫn không cần JavaScript {number:02d}")
            db.session.add(article)
        db.session.commit()

    page = page_nojs
    page.goto("/tin-tuc/?loai=guide")
    check_accessibility(page)
    page.get_by_role("button", name="Xem thêm bài").click()
    page.wait_for_url(re.compile(r"trang=2"))
    assert "Hướng dẫn không cần JavaScript 11" in page.locator("main").inner_text()
    page.get_by_role("link", name="Hướng dẫn không cần JavaScript 11").click()
    page.get_by_label("5 trên 5 sao").check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_url(re.compile(r"#danh-gia$"))
    assert "Cảm ơn bạn đã đánh giá bài viết." in page.locator("#danh-gia").inner_text()
    assert "Bạn đã chấm bài này 5 sao." in page.locator("#danh-gia").inner_text()
    check_accessibility(page)


def test_load_more_appends_articles_in_place(page, live_server, check_accessibility):
    from datetime import timedelta

    from wardsite.extensions import db
    from wardsite.news.models import Article
    from wardsite.timeutil import utcnow

    with live_server.app.app_context():
        for number in range(12):
            article = Article(kind="notice", summary="Thông báo thử.", body="Nội dung.", status="published",
                              published_at=utcnow() - timedelta(days=60, hours=number))
            article.set_title(f"Thông báo xem thêm {number:02d}")
            db.session.add(article)
        db.session.commit()

    page.goto("/tin-tuc/?loai=notice")
    items = page.locator("#news-list > li:not(#load-more)")
    before = items.count()
    assert before == 10
    page.get_by_role("button", name="Xem thêm bài").click()
    page.get_by_role("link", name="Thông báo xem thêm 11").wait_for()
    assert items.count() > before
    assert "trang=" not in page.url  # the list grew in place
    check_accessibility(page)
