"""A staff member who forgot their password: a link by e-mail that works once
and for an hour, the same answer whether the account exists, limits on
requests, and the admin's link to hand over when the ward sends no e-mail."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from wardsite.accounts import password_reset
from wardsite.accounts.models import User
from wardsite.audit import AuditEntry
from wardsite.extensions import db
from wardsite.mail import OutboxMessage

FORGOT = "/dang-nhap/quen-mat-khau"
RESET = "/dang-nhap/dat-lai-mat-khau"
NEW_PASSWORD = "mot cau dai de nho 2026"


@pytest.fixture
def smtp(app, monkeypatch):
    """A mail server that keeps what it is given."""
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout=None):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def login(self, user, password):
            pass

        def send_message(self, message):
            sent.append({"to": message["To"], "subject": str(message["Subject"]),
                         "body": message.get_body().get_content()})

    monkeypatch.setattr("wardsite.mail.smtplib.SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="mail.example.org")
    return sent


def ask(client, login: str):
    """Send the form; the message goes once the answer is closed, as a WSGI server does."""
    response = client.post(FORGOT, data={"login": login})
    response.close()
    return response


def link_in(message: dict) -> str:
    found = re.search(r"http://localhost(/dang-nhap/dat-lai-mat-khau\?ma=[\w.\-]+)", message["body"])
    assert found, message["body"]
    return found.group(1)


def password_works(app, user_id: int, password: str) -> bool:
    with app.app_context():
        return db.session.get(User, user_id).check_password(password)


def test_the_login_page_links_to_the_forgotten_password_form(client):
    html = client.get("/dang-nhap").get_data(as_text=True)
    assert f'href="{FORGOT}"' in html
    assert "Quên mật khẩu?" in html


def test_a_link_by_email_sets_a_new_password_once(app, client, make_user, smtp):
    person = make_user("editor", phone="0912345678")
    response = ask(client, "0912 345 678")  # the phone number finds the account too
    assert response.status_code == 303
    assert [message["to"] for message in smtp] == [person.email]
    link = link_in(smtp[0])

    # The link from the e-mail leaves the address bar, then the page asks for the password.
    opened = client.get(link)
    assert opened.status_code == 303 and opened.headers["Location"] == RESET
    page = client.get(RESET).get_data(as_text=True)
    assert person.email in page and 'autocomplete="new-password"' in page
    done = client.post(RESET, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/dang-nhap"
    assert password_works(app, person.id, NEW_PASSWORD)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.password_reset"))
        assert entry.user_id == person.id and entry.target_id == str(person.id)
        # The outbox, which leaders read, never keeps the link.
        stored = db.session.scalar(select(OutboxMessage))
        assert stored.sent_at is not None and "ma=" not in stored.body and person.email in stored.body

    # Used once: the same link does not work again, in this browser or another.
    assert client.get(link).status_code == 400
    assert app.test_client().get(link).status_code == 400
    again = app.test_client()
    assert "không còn dùng được" in again.get(link).get_data(as_text=True)
    assert password_works(app, person.id, NEW_PASSWORD)


def test_setting_the_password_signs_out_every_session(app, client, login, smtp):
    person = login("leader")
    assert client.get("/quan-tri/").status_code == 200
    ask(app.test_client(), person.email)
    other = app.test_client()
    other.get(link_in(smtp[0]))
    other.post(RESET, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert client.get("/quan-tri/").status_code == 302  # signed out


def test_the_link_expires(app, client, make_user, smtp, monkeypatch):
    person = make_user("editor")
    ask(client, person.email)
    link = link_in(smtp[0])
    now = password_reset._clock()
    monkeypatch.setattr(password_reset, "_clock", lambda: now + 3600 + 5)  # PASSWORD_RESET_HOURS = 1
    assert client.get(link).status_code == 400
    monkeypatch.setattr(password_reset, "_clock", lambda: now + 3600 - 60)
    assert client.get(link).status_code == 303


def test_a_link_kept_in_the_session_expires_before_the_form_is_sent(app, client, make_user, smtp, monkeypatch):
    person = make_user("editor")
    ask(client, person.email)
    client.get(link_in(smtp[0]))
    now = password_reset._clock()
    monkeypatch.setattr(password_reset, "_clock", lambda: now + 2 * 3600)
    response = client.post(RESET, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert not password_works(app, person.id, NEW_PASSWORD)


def test_signing_in_with_the_old_password_still_works_until_the_link_is_used(app, client, make_user, smtp):
    person = make_user("editor")
    ask(client, person.email)
    assert password_works(app, person.id, person.password)


def test_known_and_unknown_accounts_get_the_same_answer(app, make_user, smtp):
    person = make_user("editor")
    answers = []
    for login in (person.email, "khong-co@example.org", "0987654321", person.email.upper()):
        client = app.test_client()
        response = ask(client, login)
        answers.append((response.status_code, response.headers["Location"], client.get(FORGOT).get_data(as_text=True)))
    first = answers[0]
    assert all(answer == first for answer in answers)
    assert "Nếu tài khoản có trong hệ thống" in first[2]
    assert [message["to"] for message in smtp] == [person.email, person.email]


def test_nothing_is_sent_before_the_answer_has_gone(app, client, make_user, smtp):
    person = make_user("editor")
    response = client.post(FORGOT, data={"login": person.email})
    assert smtp == []
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage)) is None
    response.close()
    assert len(smtp) == 1


def test_a_locked_account_gets_no_link(app, client, make_user, smtp):
    person = make_user("editor", active=False)
    assert ask(client, person.email).status_code == 303
    assert smtp == []


def test_requests_are_limited_per_account_without_saying_so(app, make_user, smtp):
    person = make_user("editor", phone="0912345678")
    app.config.update(PASSWORD_RESET_LIMIT_PER_ACCOUNT="3 per hour")
    answers = set()
    for number in range(5):
        # Each from another address; the e-mail and the phone number share one count.
        client = app.test_client()
        login = person.email if number % 2 else "0912345678"
        response = client.post(FORGOT, data={"login": login}, environ_base={"REMOTE_ADDR": f"10.0.0.{number}"})
        response.close()
        answers.add((response.status_code, client.get(FORGOT).get_data(as_text=True)))
    assert len(smtp) == 3
    assert len(answers) == 1


def test_requests_are_limited_per_address_with_the_time_to_try_again(app, client, make_user, smtp):
    app.config.update(PASSWORD_RESET_LIMIT_PER_ADDRESS="4 per hour")
    for number in range(4):
        assert ask(client, f"nguoi{number}@example.org").status_code == 303
    refused = client.post(FORGOT, data={"login": "nguoi9@example.org"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert re.search(r"thử lại lúc \d\d:\d\d", html)
    assert 'value="nguoi9@example.org"' in html  # what was typed is kept
    assert "Có 1 lỗi cần sửa" in html


@pytest.mark.parametrize("login", ["", " ", "\x00", "a" * 300, "\x00@example.org", "'; DROP TABLE user; --"])
def test_bad_input_to_the_form_gets_a_message_not_an_error(client, smtp, login):
    response = client.post(FORGOT, data={"login": login})
    response.close()
    assert response.status_code in (200, 303)
    if response.status_code == 200:
        assert 'class="error"' in response.get_data(as_text=True)
    assert smtp == []


@pytest.mark.parametrize("token", ["", "x", "a.b.c", "\x00", "é" * 50, "A" * 5000, "WzEsImFiYyJd.Zz.bad"])
def test_bad_links_get_a_page_not_an_error(client, token):
    response = client.get(RESET, query_string={"ma": token})
    assert response.status_code == 400
    assert "Xin một liên kết mới" in response.get_data(as_text=True)


def test_the_reset_page_without_a_link_and_a_bare_post(client):
    assert client.get(RESET).status_code == 400
    assert client.post(RESET, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 400


def test_a_token_for_another_purpose_is_refused(app, make_user):
    from itsdangerous import URLSafeTimedSerializer

    person = make_user("admin")
    with app.test_request_context():
        # Signed with the site's key, but for known devices: not a reset link.
        forged = URLSafeTimedSerializer(app.secret_key, salt="wardsite.known-device").dumps([person.id, "x" * 24])
        assert password_reset.user_for_token(forged) is None
        assert password_reset.user_for_token(password_reset.make_token(db.session.get(User, person.id))) is not None


def test_the_new_password_follows_the_same_rules(app, client, make_user, smtp):
    person = make_user("editor")
    ask(client, person.email)
    client.get(link_in(smtp[0]))
    short = client.post(RESET, data={"new_password": "ngan", "confirm": "ngan"})
    assert short.status_code == 200 and "ít nhất 10 ký tự" in short.get_data(as_text=True)
    different = client.post(RESET, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert "không giống nhau" in different.get_data(as_text=True)
    assert password_works(app, person.id, person.password)
    # The link still works after a refused form.
    assert client.post(RESET, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 303


# Without a mail server --------------------------------------------------------


def test_without_a_mail_server_the_form_says_to_ask_the_admin(app, client, make_user):
    person = make_user("editor")
    html = client.get(FORGOT).get_data(as_text=True)
    assert "quản trị" in html and "<form" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    client.post(FORGOT, data={"login": person.email}).close()
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage)) is None  # no link for leaders to read


def test_the_admin_makes_a_link_to_hand_over(app, client, login, make_user):
    login("admin")
    person = make_user("volunteer")
    page = client.get(f"/quan-tri/nguoi-dung/{person.id}").get_data(as_text=True)
    assert f"/quan-tri/nguoi-dung/{person.id}/lien-ket-dat-mat-khau" in page
    response = client.post(f"/quan-tri/nguoi-dung/{person.id}/lien-ket-dat-mat-khau")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("no-store")
    link = re.search(r'value="http://localhost(/dang-nhap/dat-lai-mat-khau\?ma=[\w.\-]+)"', html).group(1)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.reset_link_made"))
        assert entry.target_id == str(person.id) and entry.summary == person.email
        assert "ma=" not in entry.summary
    staff_member = app.test_client()
    staff_member.get(link)
    assert staff_member.post(RESET, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 303
    assert password_works(app, person.id, NEW_PASSWORD)
    assert app.test_client().get(link).status_code == 400


def test_with_a_mail_server_the_admin_page_has_no_link_button(app, client, login, make_user, smtp):
    login("admin")
    person = make_user("volunteer")
    page = client.get(f"/quan-tri/nguoi-dung/{person.id}").get_data(as_text=True)
    assert "lien-ket-dat-mat-khau" not in page


def test_no_link_for_a_locked_account(app, client, login, make_user):
    login("admin")
    person = make_user("volunteer", active=False)
    response = client.post(f"/quan-tri/nguoi-dung/{person.id}/lien-ket-dat-mat-khau")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.reset_link_made")) is None


def test_only_admins_make_links(app, client, login, make_user):
    person = make_user("volunteer")
    login("leader", "editor")
    assert client.post(f"/quan-tri/nguoi-dung/{person.id}/lien-ket-dat-mat-khau").status_code == 403
    assert client.post("/quan-tri/nguoi-dung/99999/lien-ket-dat-mat-khau").status_code == 403


def test_the_pages_speak_english_too(app, client, make_user, smtp):
    client.get("/ngon-ngu/en?next=/dang-nhap")
    assert "Forgotten your password?" in client.get("/dang-nhap").get_data(as_text=True)
    assert "Send me a link" in client.get(FORGOT).get_data(as_text=True)
    ask(client, "khong-co@example.org")
    assert "If the account is in the system" in client.get(FORGOT).get_data(as_text=True)
    assert "This link no longer works" in client.get(RESET).get_data(as_text=True)
