"""Swaps as people do them: a volunteer offers a seat, another eligible
volunteer takes it; where the ward asks for it (ROSTER_SWAP_NEEDS_APPROVAL)
the seat changes hands only once a leader approves, a refusal leaves it with
the first volunteer and offers it again, and both volunteers are told."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.test_roster_workflow import MONDAY, html, make_shift, make_volunteer, outbox, team
from wardsite.audit import AuditEntry
from wardsite.extensions import db
from wardsite.mail import OutboxMessage
from wardsite.roster import services
from wardsite.roster.models import Assignment, SwapOffer
from wardsite.volunteers.models import Volunteer


def arrange_offer(app, make_user) -> dict:
    """An's published Monday shift; Bình, free that day, could take it."""
    an_user = make_user("volunteer", email="an-user@example.org", name="Trần Thu An")
    binh_user = make_user("volunteer", email="binh-user@example.org", name="Lê Văn Bình")
    with app.app_context():
        an = make_volunteer("Trần Thu An", email="an@example.org", user_id=an_user.id)
        binh = make_volunteer("Lê Văn Bình", email="binh@example.org", user_id=binh_user.id)
        shift = make_shift(MONDAY)
        db.session.add(Assignment(shift=shift, volunteer=an))
        db.session.commit()
        services.publish(MONDAY, MONDAY)
        db.session.commit()
        db.session.execute(db.delete(OutboxMessage))  # the publishing messages
        db.session.commit()
        return {"an": an.id, "binh": binh.id, "shift": shift.id, "an_user": an_user, "binh_user": binh_user}


def signed_in(app, person):
    """A browser of its own for `person`."""
    browser = app.test_client()
    response = browser.post("/dang-nhap", data={"login": person.email, "password": person.password})
    assert response.status_code == 303
    return browser


def offer_and_take(app, client, login, ids) -> int:
    an = signed_in(app, ids["an_user"])
    with app.app_context():
        assignment_id = db.session.scalar(select(Assignment.id).where(Assignment.shift_id == ids["shift"]))
    an.post(f"/tinh-nguyen/ca/{assignment_id}/doi")
    with app.app_context():
        offer_id = db.session.scalar(select(SwapOffer.id))
    response = signed_in(app, ids["binh_user"]).post(f"/tinh-nguyen/doi-ca/{offer_id}/nhan", follow_redirects=True)
    ids["taken_page"] = html(response)
    return offer_id


def audit_actions(app) -> list[str]:
    with app.app_context():
        return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)) if e.action.startswith("swap.")]


def test_without_approval_the_seat_changes_hands_when_taken(app, client, login, make_user):
    ids = arrange_offer(app, make_user)
    offer_and_take(app, client, login, ids)
    assert "Bạn đã nhận ca này. Cảm ơn bạn!" in ids["taken_page"]
    with app.app_context():
        assert team(ids["shift"]) == ["Lê Văn Bình"]
    assert audit_actions(app) == ["swap.offered", "swap.taken"]


def test_with_approval_the_leader_approves_and_both_volunteers_are_told(app, client, login, make_user):
    app.config["ROSTER_SWAP_NEEDS_APPROVAL"] = True
    ids = arrange_offer(app, make_user)
    offer_id = offer_and_take(app, client, login, ids)
    assert "Đổi ca cần trưởng nhóm duyệt" in ids["taken_page"]
    with app.app_context():
        assert team(ids["shift"]) == ["Trần Thu An"]  # not yet
        assert db.session.get(SwapOffer, offer_id).status == "pending"
    # An sees who takes her shift once approved.
    an = signed_in(app, ids["an_user"])
    assert "Lê Văn Bình sẽ nhận ca này khi trưởng nhóm duyệt." in html(an.get("/tinh-nguyen/"))
    login("leader")
    page = html(client.get("/quan-tri/lich-truc/doi-ca"))
    assert "Đang chờ bạn duyệt" in page and "Trần Thu An nhờ đổi ca; Lê Văn Bình nhận ca." in page
    action = re.search(r'action="(/quan-tri/lich-truc/doi-ca/\d+/duyet)"', page).group(1)
    page = html(client.post(action, follow_redirects=True))
    assert "Đã duyệt đổi ca: Lê Văn Bình nhận ca" in page
    with app.app_context():
        assert team(ids["shift"]) == ["Lê Văn Bình"]
        assert db.session.get(SwapOffer, offer_id).status == "taken"
        by_recipient = {m.recipient: m for m in outbox()}
        assert "Đã duyệt đổi ca" in by_recipient["an@example.org"].subject
        assert "không cần đến" in by_recipient["an@example.org"].body
        assert "giờ là của bạn" in by_recipient["binh@example.org"].body
    assert audit_actions(app) == ["swap.offered", "swap.requested", "swap.approved"]
    # Approving again does nothing more.
    page = html(client.post(action, follow_redirects=True))
    assert "Không duyệt được lần đổi ca này" in page


def test_with_approval_a_refusal_keeps_the_seat_and_offers_it_again(app, client, login, make_user):
    app.config["ROSTER_SWAP_NEEDS_APPROVAL"] = True
    ids = arrange_offer(app, make_user)
    offer_id = offer_and_take(app, client, login, ids)
    login("leader")
    page = html(client.post(f"/quan-tri/lich-truc/doi-ca/{offer_id}/tu-choi", follow_redirects=True))
    assert "Đã từ chối đổi ca: ca vẫn là của Trần Thu An" in page
    with app.app_context():
        assert team(ids["shift"]) == ["Trần Thu An"]
        offer = db.session.get(SwapOffer, offer_id)
        assert offer.status == "open" and offer.to_volunteer_id is None
        by_recipient = {m.recipient: m for m in outbox()}
        assert "không được duyệt" in by_recipient["binh@example.org"].subject
        assert "vẫn là của bạn" in by_recipient["an@example.org"].body
    assert audit_actions(app) == ["swap.offered", "swap.requested", "swap.refused"]
    # Offered again: Bình (or anyone eligible) may ask once more.
    assert "Nhận ca này" in html(signed_in(app, ids["binh_user"]).get("/tinh-nguyen/"))


def test_an_approval_that_now_breaks_a_rule_is_refused_and_nothing_changes(app, client, login, make_user):
    app.config["ROSTER_SWAP_NEEDS_APPROVAL"] = True
    ids = arrange_offer(app, make_user)
    offer_id = offer_and_take(app, client, login, ids)
    with app.app_context():  # meanwhile Bình leaves
        db.session.get(Volunteer, ids["binh"]).active = False
        db.session.commit()
    login("leader")
    page = html(client.post(f"/quan-tri/lich-truc/doi-ca/{offer_id}/duyet", follow_redirects=True))
    assert "Không duyệt được lần đổi ca này" in page
    with app.app_context():
        assert team(ids["shift"]) == ["Trần Thu An"]
        assert db.session.get(SwapOffer, offer_id).status == "pending"
