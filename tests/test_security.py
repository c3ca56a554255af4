"""The security baseline every response carries."""

import pytest


@pytest.mark.parametrize("url", ["/", "/dang-nhap", "/khong-co-trang-nay", "/static/css/app.css", "/healthz", "/quan-tri/"])
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    response.close()
    headers = response.headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script_or_style(client):
    page = client.get("/dang-nhap").get_data(as_text=True)
    assert "<script>" not in page and "<script " not in page.replace('<script src="', "")
    assert "style=" not in page


@pytest.fixture
def csrf_client(make_app):
    return make_app(WTF_CSRF_ENABLED=True).test_client()


@pytest.mark.parametrize("url", ["/dang-nhap", "/dang-xuat", "/quan-tri/cai-dat"])
def test_a_post_without_csrf_token_gets_400(csrf_client, url):
    response = csrf_client.post(url, data={"login": "a@example.org", "password": "x"})
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)


def test_htmx_post_with_token_in_header_is_accepted(csrf_client, make_user):
    person = make_user("editor")
    page = csrf_client.get("/dang-nhap").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = csrf_client.post(
        "/dang-nhap", data={"login": person.email, "password": person.password}, headers={"X-CSRFToken": token, "HX-Request": "true"}
    )
    assert response.status_code == 303


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    person = make_user("editor")
    response = client.post("/dang-nhap", data={"login": person.email, "password": person.password})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_when_served_over_https(make_app):
    app = make_app(PREFERRED_URL_SCHEME="https")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_error_pages_are_vietnamese_and_htmx_gets_a_fragment(client):
    full = client.get("/khong-co-trang-nay")
    assert full.status_code == 404
    assert "Trang này không tồn tại" in full.get_data(as_text=True)
    fragment = client.get("/khong-co-trang-nay", headers={"HX-Request": "true"})
    assert fragment.status_code == 404
    assert "<html" not in fragment.get_data(as_text=True)
    assert "Trang này không tồn tại" in fragment.get_data(as_text=True)


def test_a_crash_shows_the_vietnamese_500_page(make_app):
    app = make_app(TESTING=False)

    @app.get("/thu-loi")
    def broken():
        raise RuntimeError("boom")

    response = app.test_client().get("/thu-loi")
    assert response.status_code == 500
    assert "Hệ thống gặp sự cố" in response.get_data(as_text=True)


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    from wardsite import _fill_instance_defaults

    class FakeApp:
        instance_path = str(tmp_path)
        config = {"SECRET_KEY": "", "SQLALCHEMY_DATABASE_URI": "", "UPLOAD_FOLDER": "", "PREFERRED_URL_SCHEME": "http"}

    first = FakeApp()
    _fill_instance_defaults(first)
    second = FakeApp()
    second.config = dict(FakeApp.config)
    _fill_instance_defaults(second)
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'wardsite.db'}"


def test_each_request_is_logged_as_one_json_line_without_query_or_address(client, caplog):
    import json
    import logging

    with caplog.at_level(logging.INFO, logger="wardsite.request"):
        client.get("/dang-nhap?phone=0912345678")
    line = json.loads(caplog.records[-1].getMessage())
    assert line["path"] == "/dang-nhap" and line["status"] == 200 and line["ms"] >= 0
    assert "0912345678" not in caplog.text and "127.0.0.1" not in caplog.text


def test_health_check_reports_the_database(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
