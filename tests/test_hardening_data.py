"""Hardening found by an attack on the running site (issue 14), the parts
about data: the page cache's markers cannot be forged by content (finding 1),
reading an article never needs the write lock (finding 12), and the purge
leaves no erased value on disk (finding 15)."""

from __future__ import annotations

import pytest

from tests.factories import article_url, make_article, text_of
from wardsite.extensions import db
from wardsite.news.models import COMMENT_APPROVED, Comment

FORGED = "\ue0003\ue001"


# Finding 1: markers content cannot forge --------------------------------------------


@pytest.mark.parametrize("language", [None, "en"])
def test_an_approved_comment_looking_like_a_marker_keeps_the_article_up(app, language):
    article_id = make_article(app)
    with app.app_context():
        db.session.add(Comment(article_id=article_id, author_name="Khách", body=f"Cảm ơn{FORGED}",
                               status=COMMENT_APPROVED))
        db.session.commit()
    url = article_url(app, article_id)
    for _ in range(5):
        visitor = app.test_client()
        if language:
            visitor.set_cookie("lang", language)
        response = visitor.get(url)
        assert response.status_code == 200
        assert "Cảm ơn" in text_of(response)


def test_a_search_for_a_marker_answers_every_time(app, make_procedure):
    make_procedure("1.001193", "Đăng ký khai sinh")
    for _ in range(5):
        response = app.test_client().get("/thu-tuc/?q=%EE%80%809%EE%80%81")
        assert response.status_code == 200
        assert "\ue000" not in text_of(response)


def test_input_loses_private_use_characters(app):
    with app.test_request_context("/thu-tuc/?q=khai%EE%80%80sinh%EF%A3%BF"):
        from flask import request

        assert request.args["q"] == "khaisinh"


def test_a_comment_loses_private_use_characters(app, client):
    article_id = make_article(app)
    client.post(f"/tin-tuc/{article_id}/binh-luan", data={"author_name": "Khách", "body": f"Cảm ơn phường{FORGED}"})
    with app.app_context():
        assert db.session.scalars(db.select(Comment.body)).all() == ["Cảm ơn phường3"]
