"""Vietnamese by default, English on request, and no message left untranslated."""

from wardsite.i18n_tools import conflicting_translations, missing_translations


def test_every_message_has_a_vietnamese_translation():
    assert missing_translations() == {}


def test_no_message_is_translated_two_ways_in_two_catalogues():
    # The catalogues are merged at run time: one text would replace the other.
    assert conflicting_translations() == {}


def test_vietnamese_is_the_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Bạn cần làm gì?" in page


def test_the_language_switch_remembers_english_and_returns_to_the_page(client):
    response = client.get("/ngon-ngu/en?next=/dang-nhap")
    assert response.status_code == 303
    assert response.headers["Location"] == "/dang-nhap"
    assert "lang=en" in response.headers["Set-Cookie"]
    page = client.get("/dang-nhap").get_data(as_text=True)
    assert '<html lang="en">' in page and "Staff sign-in" in page
    client.get("/ngon-ngu/vi")
    assert "Cán bộ đăng nhập" in client.get("/dang-nhap").get_data(as_text=True)


def test_the_language_switch_refuses_other_sites_and_unknown_languages(client):
    assert client.get("/ngon-ngu/en?next=https://evil.example/").headers["Location"] == "/"
    assert client.get("/ngon-ngu/fr").status_code == 404


def test_messages_outside_a_request_are_in_the_default_language(app):
    from flask_babel import gettext

    with app.app_context():
        assert gettext("Sign in") == "Đăng nhập"
