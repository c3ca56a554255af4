"""The error summary every form gets from the shared layer: a list at the top of
the page ("Có N lỗi cần sửa") linking to each field, focused when the page
loads, the title prefixed "Lỗi: ", the messages still next to the fields and
what was typed kept; inside the swapped region for htmx; no silent cut of a
long value (no maxlength)."""

from __future__ import annotations

import re

from tests.factories import arrange_roster, article_url, booking_data, make_article, visit_rows

SUMMARY = re.compile(r'<div class="error-summary" id="error-summary" tabindex="-1" autofocus>(.*?)</div>\s*</div>', re.S)


def summary_links(html: str) -> list[tuple[str, str]]:
    """(href, text) of each line of the error summary, in order."""
    block = SUMMARY.search(html)
    assert block, "no error summary on the page"
    return [(href, re.sub(r"\s+", " ", text).strip()) for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', block.group(1), re.S)]


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def test_a_missed_consent_box_is_summarised_at_the_top_with_a_link_to_it(app, client):
    roster = arrange_roster(app)
    html = client.post("/dat-lich/", data=booking_data(roster, consent=None)).get_data(as_text=True)
    assert "Có 1 lỗi cần sửa" in html
    assert summary_links(html) == [
        ("#consent", "Xin đánh dấu vào ô này: nếu không, phường không thể lưu thông tin để hẹn đến nhà."),
    ]
    assert title(html).startswith("Lỗi: Đặt lịch")
    # Before the form, right at the top of the page's main content.
    assert html.index("error-summary") < html.index('<form method="post" action="/dat-lich/')
    assert html.index('<main id="main"') < html.index("error-summary")
    # The message is still next to the box, and what was typed is kept.
    assert 'id="consent-error"' in html
    assert 'value="Lê Thị Năm"' in html and 'value="Số 12, ngõ 4, đường Hòa Phong"' in html
    assert visit_rows(app) == []


def test_every_error_is_listed_in_the_order_of_the_page(app, client):
    roster = arrange_roster(app)
    data = booking_data(roster, slot=None, full_name="", phone="123", consent=None)
    html = client.post("/dat-lich/", data=data).get_data(as_text=True)
    assert "Có 4 lỗi cần sửa" in html
    assert [href for href, _text in summary_links(html)] == ["#slot-0", "#full_name", "#phone", "#consent"]
    assert summary_links(html)[1][1] == "Họ và tên người cần giúp: Vui lòng nhập họ tên."
    # Each link leads somewhere on the page: the first time offered, the inputs.
    for href, _text in summary_links(html):
        assert f'id="{href[1:]}"' in html


def test_a_page_without_errors_has_no_summary_and_a_plain_title(app, client):
    arrange_roster(app)
    html = client.get("/dat-lich/").get_data(as_text=True)
    assert "error-summary" not in html
    assert not title(html).startswith("Lỗi")


def test_a_name_over_120_characters_gets_a_message_not_a_silent_cut(app, client):
    roster = arrange_roster(app)
    long_name = "Nguyễn " * 20  # 140 characters
    html = client.get("/dat-lich/").get_data(as_text=True)
    assert "maxlength" not in html  # the browser would cut it without a word
    html = client.post("/dat-lich/", data=booking_data(roster, full_name=long_name)).get_data(as_text=True)
    assert ("#full_name", "Họ và tên người cần giúp: Xin viết tên không quá 120 ký tự.") in summary_links(html)
    assert long_name.strip() in html  # kept as typed, to shorten
    assert visit_rows(app) == []


def test_staff_forms_get_the_summary_too(app, client, login):
    login("editor")
    html = client.post("/quan-tri/tin-tuc/moi", data={"title": "", "kind": "news", "summary": "", "body": "x", "status": "draft"}).get_data(as_text=True)
    assert title(html).startswith("Lỗi: ")
    hrefs = [href for href, _text in summary_links(html)]
    assert hrefs[:2] == ["#title", "#summary"]


def test_an_htmx_swap_carries_the_summary_inside_the_swapped_region(app, client):
    article_id = make_article(app)
    url = article_url(app, article_id)
    response = client.post(
        f"/tin-tuc/{article_id}/danh-gia", data={"stars": "9"},
        headers={"HX-Request": "true", "HX-Target": "danh-gia", "HX-Current-URL": f"http://localhost{url}"},
    )
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="danh-gia"')
    assert html.index("error-summary") < html.index("<form")
    assert [href for href, _text in summary_links(html)] == ["#stars-0"]
    assert html.count('id="error-summary"') == 1


def test_a_boosted_form_sent_back_with_errors_keeps_the_address_of_the_page(app, client):
    article_id = make_article(app)
    response = client.post(
        f"/tin-tuc/{article_id}/binh-luan", data={"author_name": "", "body": ""},
        headers={"HX-Request": "true", "HX-Boosted": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == "false"
    assert "Có 2 lỗi cần sửa" in response.get_data(as_text=True)
    # A comment that goes through is redirected as before: htmx follows it.
    response = client.post(
        f"/tin-tuc/{article_id}/binh-luan", data={"author_name": "Bà Tư", "body": "Cảm ơn phường."},
        headers={"HX-Request": "true", "HX-Boosted": "true"},
    )
    assert response.status_code == 303 and "HX-Push-Url" not in response.headers


def test_a_hidden_fields_error_is_listed_without_a_link_or_an_english_label(app):
    from wtforms import HiddenField
    from wtforms.validators import ValidationError

    from wardsite.forms import Form, error_items

    class Tokened(Form):
        form_token = HiddenField()

        def validate_form_token(self, field):
            raise ValidationError("Biểu mẫu này đã được gửi.")

    with app.test_request_context(method="POST", data={"form_token": "x"}):
        form = Tokened(meta={"csrf": False})
        form.validate()
        [item] = error_items(form)
    assert (item.message, item.label, item.anchor) == ("Biểu mẫu này đã được gửi.", None, None)
