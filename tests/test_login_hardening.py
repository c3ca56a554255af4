"""Sign-in hardening (issue 14, findings 3, 4, 6, 9, 10 and 12's last_login_at):
limits on the normalised account that an attacker cannot turn into a lock-out
of the owner, sessions that can be ended, the same work for unknown accounts,
limits shared by workers, and sign-ins that need no write."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from tests.conftest import on_postgres, sql_statements
from wardsite.accounts.models import User
from wardsite.audit import AuditEntry
from wardsite.extensions import db
from wardsite.mail import OutboxMessage

WRONG = "sai mật khẩu rồi"
PHONE = "0987000009"


def spellings_of(phone: str) -> list[str]:
    """30 ways of writing one mobile number that normalise to it."""
    rest = phone[1:]
    grouped = [rest[:3], rest[3:6], rest[6:]]
    out = [phone, "+84" + rest, "84" + rest, "+84 " + rest, "84 " + rest, "+84 " + " ".join(grouped),
           "+84." + ".".join(grouped), f"({phone[:3]}) {phone[3:]}", f"({phone[:4]}) {phone[4:7]} {phone[7:]}"]
    for sep in (" ", ".", "-"):
        for groups in ((3, 3, 4), (4, 3, 3), (2, 4, 4), (3, 4, 3), (4, 6), (5, 5), (2, 3, 3, 2)):
            parts, start = [], 0
            for size in groups:
                parts.append(phone[start:start + size])
                start += size
            out.append(sep.join(parts))
    return list(dict.fromkeys(out))[:30]


def sign_in(client, login, password, address="10.0.0.1", **data):
    return client.post("/dang-nhap", data={"login": login, "password": password, **data},
                       environ_base={"REMOTE_ADDR": address})


def checked(response) -> bool:
    """The password was checked (not refused by a limit)."""
    return response.status_code != 429


# Finding 3: one count per account, whatever the spelling.

def test_thirty_spellings_of_a_phone_share_one_count(client, make_user):
    from wardsite.phone import normalize_phone

    leader = make_user("leader", phone=PHONE)
    spellings = spellings_of(PHONE)
    assert len(spellings) == 30 and {normalize_phone(s) for s in spellings} == {PHONE}
    tried = sum(checked(sign_in(client, spelling, WRONG)) for spelling in spellings for _ in range(5))
    assert tried == 5  # was 150
    assert sign_in(client, "0 987 000 009", leader.password).status_code == 429


def test_e_mail_and_phone_of_one_account_share_one_count(client, make_user):
    leader = make_user("leader", phone=PHONE, email="doan@example.org")
    tried = sum(checked(sign_in(client, login, WRONG)) for login in ["DOAN@example.org", PHONE] * 5)
    assert tried == 5


def test_unknown_logins_are_counted_normalised_too(client):
    tried = sum(checked(sign_in(client, spelling, WRONG)) for spelling in spellings_of("0912000111")[:10])
    assert tried == 5


# Finding 4: slowed, never locked out; the owner is told.

def test_guesses_from_elsewhere_do_not_lock_out_the_owner_on_a_known_device(app, make_user):
    owner = make_user("leader", phone=PHONE)
    own_browser = app.test_client()
    assert sign_in(own_browser, owner.email, owner.password, address="192.0.2.7").status_code == 303
    own_browser.post("/dang-xuat")

    attacker = app.test_client()
    tried = sum(checked(sign_in(attacker, spelling, WRONG, address=f"198.51.100.{number}"))
                for number, spelling in enumerate(spellings_of(PHONE)) for _ in range(5))
    assert tried == 10  # the account's limit from everywhere (was 150)

    # A new browser, even with the right password, waits for the window ...
    assert sign_in(app.test_client(), owner.email, owner.password, address="203.0.113.5").status_code == 429
    # ... but the owner's own browser is not held by the attacker's guesses.
    assert sign_in(own_browser, owner.email, owner.password, address="192.0.2.7").status_code == 303
    assert own_browser.get("/quan-tri/").status_code == 200

    with app.app_context():
        notices = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == owner.email)).all()
        assert len(notices) == 1
        assert "10 lần" in notices[0].body and owner.email in notices[0].body


def test_a_forged_known_device_cookie_counts_for_nothing(app, make_user):
    owner = make_user("leader")
    attacker = app.test_client()
    for number in range(10):
        sign_in(attacker, owner.email, WRONG, address=f"198.51.100.{number}")
    forger = app.test_client()
    forger.set_cookie("wardsite_device", "[1,2,3,4,5,6,7,8,9]")
    assert sign_in(forger, owner.email, owner.password, address="203.0.113.9").status_code == 429


def test_the_known_device_cookie_is_httponly_and_signed(client, make_user):
    owner = make_user("editor")
    sign_in(client, owner.email, owner.password)
    cookie = client.get_cookie("wardsite_device")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert cookie.expires is not None  # outlives the session


# Finding 9: the same work for an unknown account.

@pytest.mark.parametrize("kind", ["unknown", "inactive", "known"])
def test_the_password_is_hashed_whether_or_not_the_account_exists(client, make_user, monkeypatch, kind):
    import wardsite.accounts.services as services

    calls = []
    real = services.check_password_hash

    def spy(stored, password):
        calls.append(stored.split(":")[0])
        return real(stored, password)

    monkeypatch.setattr(services, "check_password_hash", spy)
    person = make_user("editor", active=kind != "inactive")
    login = "khong-co-ai@example.org" if kind == "unknown" else person.email
    assert sign_in(client, login, WRONG).status_code == 200
    assert calls == ["scrypt"]  # one hash of the same kind as real accounts'


# Finding 6: sessions that end.

def _copy_session(source, target):
    target.set_cookie("wardsite_session", source.get_cookie("wardsite_session").value)


def test_a_copied_session_cookie_stops_working_after_sign_out(app, make_user):
    leader = make_user("leader")
    browser, thief = app.test_client(), app.test_client()
    sign_in(browser, leader.email, leader.password)
    _copy_session(browser, thief)
    assert thief.get("/quan-tri/").status_code == 200
    browser.post("/dang-xuat")
    assert thief.get("/quan-tri/").status_code == 302


def test_a_remember_cookie_ends_with_sign_out_and_with_a_password_change(app, make_user):
    leader = make_user("leader")
    browser = app.test_client()
    sign_in(browser, leader.email, leader.password, remember="y")
    remembered = browser.get_cookie("remember_token").value

    def opens_staff_pages(cookie: str) -> bool:
        other = app.test_client()
        other.set_cookie("remember_token", cookie)
        return other.get("/quan-tri/").status_code == 200

    assert opens_staff_pages(remembered)
    browser.post("/dang-xuat")
    assert not opens_staff_pages(remembered)

    sign_in(browser, leader.email, leader.password, remember="y")
    remembered, other_session = browser.get_cookie("remember_token").value, app.test_client()
    _copy_session(browser, other_session)
    response = browser.post("/tai-khoan/mat-khau", data={
        "current_password": leader.password, "new_password": "một câu mới rất dài", "confirm": "một câu mới rất dài"})
    assert response.status_code == 303
    assert not opens_staff_pages(remembered)
    assert other_session.get("/quan-tri/").status_code == 302
    # The browser that changed the password stays signed in, with a new remember cookie.
    assert browser.get("/quan-tri/").status_code == 200
    assert opens_staff_pages(browser.get_cookie("remember_token").value)


def test_deactivation_ends_the_sessions(app, make_user):
    admin, leader = make_user("admin"), make_user("leader")
    leaders_browser, admins_browser = app.test_client(), app.test_client()
    sign_in(leaders_browser, leader.email, leader.password, remember="y")
    sign_in(admins_browser, admin.email, admin.password)
    response = admins_browser.post(f"/quan-tri/nguoi-dung/{leader.id}", data={
        "name": leader.name, "email": leader.email, "phone": "", "roles": ["leader"]})
    assert response.status_code == 303
    assert leaders_browser.get("/quan-tri/").status_code == 302
    with app.app_context():
        assert db.session.get(User, leader.id).session_version == 2


def test_an_admin_signs_a_user_out_everywhere(app, make_user):
    admin, leader = make_user("admin"), make_user("leader")
    leaders_browser, admins_browser = app.test_client(), app.test_client()
    sign_in(leaders_browser, leader.email, leader.password, remember="y")
    sign_in(admins_browser, admin.email, admin.password)
    page = admins_browser.get(f"/quan-tri/nguoi-dung/{leader.id}").get_data(as_text=True)
    assert f'action="/quan-tri/nguoi-dung/{leader.id}/dang-xuat-moi-noi"' in page and "Đăng xuất mọi nơi" in page
    remembered = leaders_browser.get_cookie("remember_token").value

    response = admins_browser.post(f"/quan-tri/nguoi-dung/{leader.id}/dang-xuat-moi-noi")
    assert response.status_code == 303
    assert leaders_browser.get("/quan-tri/").status_code == 302
    stranger = app.test_client()
    stranger.set_cookie("remember_token", remembered)
    assert stranger.get("/quan-tri/").status_code == 302
    assert admins_browser.get("/quan-tri/").status_code == 200
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.signed_out_everywhere"))
        assert entry.user_id == admin.id and entry.target_id == str(leader.id)


def test_only_admins_sign_others_out(client, login, make_user):
    leader = make_user("leader")
    login("editor")
    assert client.post(f"/quan-tri/nguoi-dung/{leader.id}/dang-xuat-moi-noi").status_code == 403


def test_an_admin_signing_themselves_out_everywhere_keeps_this_browser(app, make_user):
    admin = make_user("admin")
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, admin.email, admin.password)
    sign_in(elsewhere, admin.email, admin.password)
    here.post(f"/quan-tri/nguoi-dung/{admin.id}/dang-xuat-moi-noi")
    assert here.get("/quan-tri/").status_code == 200
    assert elsewhere.get("/quan-tri/").status_code == 302


def test_sessions_from_before_session_versions_sign_in_again(app, make_user):
    leader = make_user("leader")
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = str(leader.id)
        session["_fresh"] = True
    assert browser.get("/quan-tri/").status_code == 302


def test_the_csrf_token_changes_at_sign_in(make_app, make_user):
    import re

    person = make_user("editor")
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    page = client.get("/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    with client.session_transaction() as session:
        before = session["csrf_token"]
    response = client.post("/dang-nhap", data={"login": person.email, "password": person.password, "csrf_token": token})
    assert response.status_code == 303
    client.get("/tai-khoan/mat-khau")
    with client.session_transaction() as session:
        assert session.get("csrf_token") not in (None, before)


# Finding 10: limits shared by the workers of one machine.

def test_two_apps_with_one_limit_file_count_together(make_app, make_user, tmp_path):
    person = make_user("editor")
    uri = f"sqlite:///{tmp_path / 'limits.db'}"
    first, second = make_app(RATELIMIT_STORAGE_URI=uri), make_app(RATELIMIT_STORAGE_URI=uri)
    assert first.extensions["wardsite.limits"].storage is not second.extensions["wardsite.limits"].storage
    one, two = first.test_client(), second.test_client()
    tried = sum(checked(sign_in(client, person.email, WRONG)) for client in (one, two) * 5)
    assert tried == 5  # was 10 with memory://
    assert sign_in(one, person.email, person.password).status_code == 429
    assert sign_in(two, person.email, person.password).status_code == 429


def test_the_default_limit_storage_is_a_file_in_the_instance_folder(make_app):
    app = make_app(RATELIMIT_STORAGE_URI="")
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("sqlite:////")
    assert app.config["RATELIMIT_STORAGE_URI"].endswith("/instance/limits.db")


def test_the_sqlite_storage_expires_and_clears(tmp_path, monkeypatch):
    import time as clock

    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    storage = storage_from_string(f"sqlite:///{tmp_path / 'limits.db'}")
    limiter = FixedWindowRateLimiter(storage)
    item = parse("2 per minute")
    assert limiter.hit(item, "x") and limiter.hit(item, "x") and not limiter.hit(item, "x")
    assert storage.get_expiry(item.key_for("x")) > clock.time()
    later = clock.time() + 61
    monkeypatch.setattr("wardsite.limits_storage.time.time", lambda: later)
    assert limiter.hit(item, "x")
    storage.clear(item.key_for("x"))
    assert storage.get(item.key_for("x")) == 0
    assert storage.check() and storage.reset() == 0


# Finding 12 (sign-in part): no write needed to sign in.

@pytest.fixture
def read_only_database(app):
    """Every new connection refuses writes, as a read-only or write-locked
    database does."""
    with app.app_context():
        engine = db.engine

    def refuse_writes(connection, record):
        cursor = connection.cursor()
        if on_postgres():
            cursor.execute("SET default_transaction_read_only = on")
            connection.commit()  # or the pool's rollback undoes the SET
        else:
            cursor.execute("PRAGMA query_only = ON")
        cursor.close()

    def start():
        engine.dispose()
        event.listen(engine, "connect", refuse_writes)

    yield start
    if event.contains(engine, "connect", refuse_writes):
        event.remove(engine, "connect", refuse_writes)
    engine.dispose()


def test_sign_in_works_when_the_database_cannot_be_written(app, client, make_user, read_only_database, caplog):
    leader = make_user("leader")
    read_only_database()
    assert sign_in(client, leader.email, leader.password).status_code == 303
    assert client.get("/quan-tri/").status_code == 200
    assert "could not write last_login_at" in caplog.text


def test_last_login_at_is_written_at_most_hourly(app, client, make_user):
    leader = make_user("leader")
    with sql_statements(app) as statements:
        sign_in(client, leader.email, leader.password)
    assert any(s.lstrip().upper().startswith("UPDATE") for s in statements)
    client.post("/dang-xuat")
    with sql_statements(app) as statements:
        sign_in(client, leader.email, leader.password)
    writes = [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]
    assert writes == []
    with app.app_context():
        user = db.session.get(User, leader.id)
        user.last_login_at -= timedelta(hours=2)
        db.session.commit()
    client.post("/dang-xuat")
    with sql_statements(app) as statements:
        sign_in(client, leader.email, leader.password)
    assert any("last_login_at" in s for s in statements)


def test_concurrent_workers_cannot_both_take_the_last_try(tmp_path):
    """Counting and checking is one step in the storage: 4 storages on one
    file (4 workers) hitting at once grant the limit exactly."""
    from concurrent.futures import ThreadPoolExecutor

    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    uri = f"sqlite:///{tmp_path / 'limits.db'}"
    workers = [FixedWindowRateLimiter(storage_from_string(uri)) for _ in range(4)]
    item = parse("5 per 15 minutes")
    with ThreadPoolExecutor(4) as pool:
        granted = sum(pool.map(lambda n: workers[n % 4].hit(item, "login", "user:1"), range(40)))
    assert granted == 5
