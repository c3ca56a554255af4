"""In a real browser at 390 px: an editor answers a resident's comment for the
ward and the resident sees the answer marked as the ward's; a staff member
who forgot their password gets a link from the admin and sets a new one.
axe-core finds nothing on these pages."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def test_an_editor_answers_a_comment_for_the_ward(page, page_nojs, live_server, sign_in, check_accessibility):
    from wardsite.extensions import db
    from wardsite.news.models import COMMENT_APPROVED, Article, Comment
    from wardsite.timeutil import utcnow

    with live_server.app.app_context():
        article = Article(kind="notice", summary="Nhà văn hóa mở cửa.", body="Giờ mở cửa mới.", status="published",
                          published_at=utcnow())
        article.set_title("Giờ mở cửa nhà văn hóa")
        db.session.add(article)
        db.session.add(Comment(article=article, author_name="Bà Lan", body="Thứ Bảy có mở không ạ?", status=COMMENT_APPROVED))
        db.session.commit()
        url = f"/tin-tuc/{article.id}-{article.slug}"

    resident = page_nojs
    resident.goto(url)  # kept by the page cache
    assert "Phường trả lời" not in resident.locator("main").inner_text()

    editor = live_server.create_user("editor")
    sign_in(page, editor)
    page.goto("/quan-tri/binh-luan/")
    page.get_by_role("link", name="Trả lời các bình luận đã duyệt thay mặt phường").click()
    page.get_by_label("Câu trả lời của phường").fill("Thưa bà, sáng thứ Bảy mở cửa từ 7:30 ạ.")
    check_accessibility(page)
    page.get_by_role("button", name=re.compile(r"^Đăng câu trả lời\W+Bà Lan")).click()
    page.get_by_text("Câu trả lời của phường cho Bà Lan đã hiện dưới bài viết.").wait_for()
    check_accessibility(page)

    resident.goto(url)
    answer = resident.get_by_role("region", name=re.compile("^Phường trả lời"))
    assert "Thưa bà, sáng thứ Bảy mở cửa từ 7:30 ạ." in answer.inner_text()
    assert "Phường trả lời" in answer.inner_text()
    check_accessibility(resident)


def test_the_admin_hands_over_a_link_to_set_a_new_password(page, page_nojs, live_server, sign_in, check_accessibility):
    admin = live_server.create_user("admin")
    leader = live_server.create_user("leader", name="Bí thư Đoàn")
    staff_member = page_nojs
    staff_member.goto("/dang-nhap")
    staff_member.get_by_role("link", name="Quên mật khẩu?").click()
    assert "quản trị viên" in staff_member.locator("main").inner_text()  # no mail server: ask the admin
    check_accessibility(staff_member)

    sign_in(page, admin)
    page.goto(f"/quan-tri/nguoi-dung/{leader.id}")
    page.get_by_role("button", name=re.compile(r"^Tạo liên kết đặt mật khẩu mới\W+Bí thư Đoàn")).click()
    link = page.get_by_label("Liên kết", exact=True).input_value()
    assert "/dang-nhap/dat-lai-mat-khau?ma=" in link
    check_accessibility(page)

    staff_member.goto(link)
    assert "?ma=" not in staff_member.url  # the token leaves the address bar
    staff_member.get_by_label(re.compile("^Mật khẩu mới")).fill("mot cau dai de nho 2026")
    staff_member.get_by_label("Nhập lại mật khẩu mới").fill("mot cau dai de nho 2026")
    check_accessibility(staff_member)
    staff_member.get_by_role("button", name="Đặt mật khẩu mới").click()
    staff_member.get_by_text("Mật khẩu mới đã được đặt").wait_for()
    staff_member.goto(link)
    assert "không còn dùng được" in staff_member.locator("main").inner_text()
