"""Signing in and out, passwords, login limits, the user CLI."""

import pytest
from sqlalchemy import select

from wardsite.accounts.models import User
from wardsite.extensions import db


def sign_in(client, login, password, **query):
    return client.post("/dang-nhap", data={"login": login, "password": password}, query_string=query)


def test_staff_sign_in_with_email_in_any_case(client, make_user):
    editor = make_user("editor", email="bientap@example.org")
    response = sign_in(client, "BienTap@Example.org", editor.password)
    assert response.status_code == 303
    assert response.headers["Location"] == "/quan-tri/"


def test_staff_sign_in_with_phone_written_with_spaces_or_plus84(client, make_user):
    leader = make_user("leader", phone="0912345678")
    assert sign_in(client, "+84 912 345 678", leader.password).status_code == 303


def test_wrong_password_says_so_next_to_the_field_and_keeps_the_login(client, make_user):
    editor = make_user("editor")
    response = sign_in(client, editor.email, "sai mật khẩu rồi")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "E-mail, số điện thoại hoặc mật khẩu không đúng." in page
    assert f'value="{editor.email}"' in page


def test_deactivated_account_cannot_sign_in(client, make_user):
    person = make_user("editor", active=False)
    assert sign_in(client, person.email, person.password).status_code == 200


def test_failed_logins_are_limited_per_account(client, make_user):
    editor = make_user("editor")
    for _ in range(5):
        sign_in(client, editor.email, "sai mật khẩu rồi")
    # Even the right password is refused until the window passes.
    response = sign_in(client, editor.email, editor.password)
    assert response.status_code == 429
    assert "vui lòng chờ 15 phút" in response.get_data(as_text=True)


def test_failed_logins_are_limited_per_address(client, make_user):
    editor = make_user("editor")
    for number in range(20):
        sign_in(client, f"nguoi{number}@example.org", "sai mật khẩu rồi")
    assert sign_in(client, editor.email, editor.password).status_code == 429


def test_a_ward_that_turns_rate_limits_off_can_still_sign_in(make_app, make_user):
    editor = make_user("editor")
    client = make_app(RATELIMIT_ENABLED=False).test_client()
    for _ in range(6):
        assert sign_in(client, editor.email, "sai mật khẩu rồi").status_code == 200
    assert sign_in(client, editor.email, editor.password).status_code == 303


@pytest.mark.parametrize(
    "next_page, landing",
    [
        ("/quan-tri/nhat-ky", "/quan-tri/nhat-ky"),
        ("https://evil.example/", "/quan-tri/"),
        ("//evil.example/", "/quan-tri/"),
        ("/\\evil.example", "/quan-tri/"),
        ("javascript:alert(1)", "/quan-tri/"),
    ],
)
def test_next_only_leads_to_pages_of_this_site(client, make_user, next_page, landing):
    admin = make_user("admin")
    response = sign_in(client, admin.email, admin.password, next=next_page)
    assert response.headers["Location"] == landing


def test_sign_out_is_a_post(client, login):
    login("editor")
    assert client.get("/dang-xuat").status_code == 405
    response = client.post("/dang-xuat")
    assert response.status_code == 303
    assert client.get("/quan-tri/").status_code == 302


def test_change_password(client, app, login):
    person = login("volunteer")
    response = client.post(
        "/tai-khoan/mat-khau",
        data={"current_password": person.password, "new_password": "một câu mới rất dài", "confirm": "một câu mới rất dài"},
    )
    assert response.status_code == 303
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user.check_password("một câu mới rất dài")
        assert user.password_hash.startswith("scrypt:")


def test_change_password_refuses_wrong_current_and_short_new(client, login):
    login("volunteer")
    page = client.post(
        "/tai-khoan/mat-khau", data={"current_password": "không đúng", "new_password": "ngắn", "confirm": "ngắn"}
    ).get_data(as_text=True)
    assert "Mật khẩu phải có ít nhất 10 ký tự." in page


def test_cli_creates_a_user_with_several_roles(app, runner):
    result = runner.invoke(
        args=["user", "create", "Ha@Example.org", "--name", "Phạm Thu Hà", "--role", "leader", "--role", "volunteer", "--password", "mật khẩu đủ dài"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ha@example.org"))
        assert user.roles == {"leader", "volunteer"}
        assert user.check_password("mật khẩu đủ dài")


def test_cli_prompts_for_the_password_when_omitted(app, runner):
    result = runner.invoke(
        args=["user", "create", "an@example.org", "--name", "An", "--role", "editor"],
        input="mật khẩu đủ dài\nmật khẩu đủ dài\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "an@example.org")).check_password("mật khẩu đủ dài")


@pytest.mark.parametrize(
    "args, complaint",
    [
        (["--role", "mayor", "--password", "mật khẩu đủ dài"], "unknown role"),
        (["--role", "editor", "--password", "ngắn"], "at least 10"),
    ],
)
def test_cli_refuses_bad_input(runner, args, complaint):
    result = runner.invoke(args=["user", "create", "x@example.org", "--name", "X", *args])
    assert result.exit_code != 0
    assert complaint in result.output
