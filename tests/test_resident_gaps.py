"""The smaller gaps: a phone number (or e-mail address, ID number) in a
comment is never published; a comment's address, reloaded, never answers 405;
`datetime` attributes without microseconds; the address field's autocomplete
token belongs on an input."""

from __future__ import annotations

import re

import pytest

from tests.factories import arrange_roster, article_url, make_article
from wardsite.extensions import db
from wardsite.news.privacy import mask_personal_data


@pytest.mark.parametrize("typed, kind", [
    ("gọi cho tôi 0912 345 678 nhé", "phone"),
    ("số 0912.345.678", "phone"),
    ("+84 912 345 678", "phone"),
    ("máy bàn 024 3825 1234", "phone"),
    ("email ba.tu@example.com", "email"),
    ("CCCD 001 234 567 890", "id"),
    ("CMND 123456789", "id"),
])
def test_personal_data_in_a_comment_is_masked(app, typed, kind):
    with app.test_request_context():
        masked, found = mask_personal_data(typed)
    assert found == {kind}
    assert not re.search(r"\d{3}", masked) and "@" not in masked


@pytest.mark.parametrize("typed", ["Năm 2024 có 1.000 hồ sơ", "Lệ phí 200.000 đồng", "Thủ tục 1.001193", "Ngày 05/12/2026"])
def test_ordinary_numbers_are_left_alone(app, typed):
    with app.test_request_context():
        assert mask_personal_data(typed) == (typed, set())


def test_a_phone_number_in_a_comment_is_never_published(app, client, login):
    from wardsite.news.models import Comment

    article_id = make_article(app)
    response = client.post(f"/tin-tuc/{article_id}/binh-luan",
                           data={"author_name": "Bà Tư 0987 654 321", "body": "Xin gọi lại số 0912 345 678 giúp tôi."})
    assert response.status_code == 303 and "binh-luan=da-gui-an" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "chúng tôi đã ẩn số điện thoại" in html
    with app.app_context():
        [comment] = db.session.scalars(db.select(Comment)).all()
        assert "0912" not in comment.body and "345" not in comment.body
        assert "0987" not in comment.author_name
    # Nor does the moderator see it, nor the public once approved.
    login("editor")
    queue = client.get("/quan-tri/binh-luan/").get_data(as_text=True)
    assert "[đã ẩn số điện thoại]" in queue and "0912 345 678" not in queue
    with app.app_context():
        comment = db.session.scalars(db.select(Comment)).one()
        comment.status = "approved"
        db.session.commit()
    page = client.get(article_url(app, article_id)).get_data(as_text=True)
    assert "Xin gọi lại số [đã ẩn số điện thoại] giúp tôi." in page
    assert "0912 345 678" not in page


def test_the_comments_address_opened_again_leads_to_the_article(app, client):
    article_id = make_article(app)
    response = client.get(f"/tin-tuc/{article_id}/binh-luan")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{article_url(app, article_id)}#binh-luan"


def test_datetime_attributes_have_no_microseconds(app, client):
    article_id = make_article(app)
    html = client.get(article_url(app, article_id)).get_data(as_text=True)
    values = re.findall(r'<time datetime="([^"]+)"', html)
    assert values
    for value in values:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", value)


def test_the_address_field_uses_an_input_autocomplete_token(app, client):
    arrange_roster(app)
    html = client.get("/dat-lich/").get_data(as_text=True)
    address = re.search(r'<input[^>]*name="address"[^>]*>', html).group(0)
    assert 'autocomplete="address-line1"' in address
    assert "street-address" not in html
