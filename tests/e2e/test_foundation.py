"""Journeys through the foundation: signing in as each role, the language
switch, the home page without JavaScript, and axe-core on every page seen."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    "role, lands_on, sees, does_not_see",
    [
        ("admin", "/quan-tri/", "Người dùng", None),
        ("editor", "/quan-tri/", "Trang cán bộ", "Người dùng"),
        ("leader", "/quan-tri/", "Trang cán bộ", "Nhật ký thao tác"),
        ("volunteer", "/", "Đăng xuất", "Trang cán bộ"),
    ],
)
def test_each_role_signs_in_and_sees_its_menu(page, live_server, sign_in, check_accessibility, role, lands_on, sees, does_not_see):
    person = live_server.create_user(role)
    sign_in(page, person)
    assert page.url == live_server.url + lands_on
    menu = page.locator("header")
    assert sees in menu.inner_text()
    if does_not_see:
        assert does_not_see not in menu.inner_text()
    check_accessibility(page)
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_role("link", name="Cán bộ đăng nhập").wait_for()
    assert page.url == live_server.url + "/"


def test_admin_pages_pass_axe(page, live_server, sign_in, check_accessibility):
    sign_in(page, live_server.create_user("admin"))
    for path in ["/quan-tri/nguoi-dung/", "/quan-tri/nguoi-dung/moi", "/quan-tri/cai-dat", "/quan-tri/to-dan-pho/", "/quan-tri/nhat-ky", "/tai-khoan/mat-khau"]:
        page.goto(path)
        check_accessibility(page)


def test_a_wrong_password_is_explained_and_accessible(page, live_server, check_accessibility):
    page.goto("/dang-nhap")
    page.get_by_label("E-mail hoặc số điện thoại").fill("khong-ai@example.org")
    page.get_by_label("Mật khẩu").fill("sai mật khẩu")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_text("E-mail, số điện thoại hoặc mật khẩu không đúng.", exact=True)).to_be_visible()
    assert page.get_by_label("E-mail hoặc số điện thoại").input_value() == "khong-ai@example.org"
    check_accessibility(page)


def test_switching_language_to_english_and_back(page, check_accessibility):
    page.goto("/dang-nhap")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/dang-nhap")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Tiếng Việt").click()
    page.wait_for_url("**/dang-nhap")
    expect(page.get_by_role("heading", name="Cán bộ đăng nhập")).to_be_visible()


def test_home_page_works_without_javascript(page_nojs, live_server, check_accessibility):
    page = page_nojs
    page.goto("/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.get_by_role("link", name="Chuyển đến nội dung chính").count() == 1
    check_accessibility(page)
    page.get_by_role("link", name="Cán bộ đăng nhập").click()
    page.wait_for_url("**/dang-nhap")
    person = live_server.create_user("editor")
    page.get_by_label("E-mail hoặc số điện thoại").fill(person.email)
    page.get_by_label("Mật khẩu").fill(person.password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/quan-tri/")
    check_accessibility(page)


def test_error_page_passes_axe(page, check_accessibility):
    page.goto("/khong-co-trang-nay")
    assert page.get_by_role("heading", name="Trang này không tồn tại hoặc đã được chuyển đi.").is_visible()
    check_accessibility(page)


def test_the_outbox_reads_on_a_phone_and_passes_axe(page, live_server, sign_in, check_accessibility):
    from wardsite import mail
    from wardsite.extensions import db

    link = "https://phuong.example/tinh-nguyen/lich/" + "a" * 60 + ".ics"
    with live_server.app.app_context():
        mail.queue_message("tnv@example.org", "Lịch trực tuần tới", f"Chào bạn,\n\nLịch trực của bạn: {link}", "outbox-e2e")
        db.session.commit()
    sign_in(page, live_server.create_user("leader"))
    page.goto("/quan-tri/hop-thu")
    expect(page.get_by_role("heading", name="Nhật ký tin nhắn")).to_be_visible()
    page.get_by_text("Lịch trực tuần tới").click()  # the message opens in place
    expect(page.get_by_text(link)).to_be_visible()
    check_accessibility(page)
