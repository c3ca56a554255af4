"""Home-visit booking: the resident's form and its rules, confirmation, lookup,
move, cancel, erase, rating, the leader's screens and the retention purge.

The roster to book from is arranged by tests/factories.py.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, time, timedelta

import pytest

from tests.factories import (
    SLOT_RADIO,
    TAKEN_TEXT,
    TOKEN,
    arrange_roster,
    booking_data,
    make_mobile_shift,
    make_volunteer,
    slot_value,
    visit_rows,
)
from wardsite.extensions import db
from wardsite.timeutil import from_local, local_today, utcnow


def book(client, roster, **changes):
    return client.post("/dat-lich/", data=booking_data(roster, **changes))


# The form --------------------------------------------------------------------


def test_form_offers_the_rostered_slots_and_an_unticked_consent(app, client):
    roster = arrange_roster(app)
    html = client.get("/dat-lich/").get_data(as_text=True)
    assert SLOT_RADIO.findall(html) == [slot_value(roster.day, h) for h in (8, 9, 10)]
    consent = re.search(r"<input[^>]*name=\"consent\"[^>]*>", html).group(0)
    assert "checked" not in consent
    assert "90 ngày" in html  # how long the data is kept
    for name in ("full_name", "phone", "address", "residential_group", "procedures", "help_needed", "consent"):
        assert f'name="{name}"' in html


def test_procedure_from_the_catalogue_is_preselected(app, client):
    roster = arrange_roster(app)
    html = client.get(f"/dat-lich/?thu-tuc={roster.procedure_code}").get_data(as_text=True)
    box = re.search(rf'<input[^>]*value="{roster.procedure_id}"[^>]*>', html).group(0)
    assert "checked" in box
    html = client.get("/dat-lich/?thu-tuc=khong-co").get_data(as_text=True)
    assert "checked" not in re.search(rf'<input[^>]*value="{roster.procedure_id}"[^>]*>', html).group(0)


PROCEDURE_BOX = re.compile(r'<label for="procedures-\d+"><input ([^>]*name="procedures"[^>]*)> ([^<]+)</label>')
UNKNOWN_PROCEDURE = "không (còn) có trong danh mục thủ tục"


def offered_procedures(html: str) -> list[tuple[str, bool]]:
    """The procedure boxes of the booking form: (name, ticked), in order."""
    return [(name.strip(), "checked" in attrs) for attrs, name in PROCEDURE_BOX.findall(html)]


def arrange_catalogue(app, size: int = 60, asked: dict | None = None) -> dict[str, tuple[int, str]]:
    """A catalogue of `size` published online procedures "Thủ tục 000"… (each
    with one paper), "Thủ tục 001" not online, one withdrawn ("Thủ tục cũ"),
    and past visits: `asked` maps a name to how many asked for it, booked in
    that order. Returns name -> (id, code)."""
    from wardsite.procedures.models import Document, Procedure
    from wardsite.visits.models import CANCELLED, Visit

    with app.app_context():
        procedures = [
            Procedure(code=f"9.{n:06d}", name=f"Thủ tục {n:03d}", online="none" if n == 1 else "full", published=True,
                      documents=[Document(name=f"Giấy tờ của thủ tục {n:03d}", originals=1)])
            for n in range(size)
        ]
        procedures.append(Procedure(code="9.999999", name="Thủ tục cũ", online="full", published=False))
        db.session.add_all(procedures)
        db.session.flush()
        by_name = {procedure.name: procedure for procedure in db.session.scalars(db.select(Procedure))}
        moment = utcnow() - timedelta(days=30)
        for name, count in (asked or {}).items():
            for _ in range(count):
                db.session.add(Visit(
                    slot_start=moment, slot_end=moment + timedelta(hours=1), seat=None, status=CANCELLED,
                    full_name="Người dân", phone="0912000000", procedures=[by_name[name]],
                ))
        db.session.commit()
        return {name: (procedure.id, procedure.code) for name, procedure in by_name.items()}


def test_booking_form_offers_the_procedures_most_asked_for_not_the_whole_catalogue(app, client, monkeypatch):
    from wardsite.visits import procedure_choices

    monkeypatch.setattr(procedure_choices, "POPULAR_FROM_BOOKINGS", 19)  # the latest 19 bookings count
    arrange_roster(app)  # "Đăng ký khai sinh", online
    arrange_catalogue(app, asked={
        "Thủ tục 050": 20,  # asked for before the latest bookings: no longer counts
        "Thủ tục 045": 5, "Thủ tục 007": 3, "Đăng ký khai sinh": 2,
        "Thủ tục cũ": 9,  # withdrawn since: never offered
    })
    html = client.get("/dat-lich/").get_data(as_text=True)
    offered = offered_procedures(html)
    # The most asked for first, then the catalogue's online procedures by name.
    assert [name for name, _ticked in offered] == (
        ["Thủ tục 045", "Thủ tục 007", "Đăng ký khai sinh"]
        + [f"Thủ tục {n:03d}" for n in (0, 2, 3, 4, 5, 6, 8, 9, 10)]
    )
    assert not any(ticked for _name, ticked in offered)
    assert '<a href="/thu-tuc/">Không có trong danh sách? Tìm trong danh mục thủ tục</a>' in html
    assert 'name="help_needed"' in html


def test_without_any_history_the_form_offers_online_procedures_by_name(app, client):
    arrange_catalogue(app, size=20)
    with app.app_context():  # a free time, or there is no form to show
        make_mobile_shift(local_today() + timedelta(days=2), volunteers=[make_volunteer("Nguyễn Văn An")])
    names = [name for name, _ticked in offered_procedures(client.get("/dat-lich/").get_data(as_text=True))]
    assert names == [f"Thủ tục {n:03d}" for n in [0] + list(range(2, 13))]


def test_a_procedure_from_the_catalogue_outside_the_list_is_shown_ticked(app, client):
    arrange_roster(app)
    catalogue = arrange_catalogue(app)
    _id, code = catalogue["Thủ tục 055"]
    offered = offered_procedures(client.get(f"/dat-lich/?thu-tuc={code}").get_data(as_text=True))
    assert offered[0] == ("Thủ tục 055", True)
    assert len(offered) == 13 and not any(ticked for _name, ticked in offered[1:])


def test_a_procedure_outside_the_list_can_be_booked(app, client):
    roster = arrange_roster(app)
    catalogue = arrange_catalogue(app)
    chosen = [str(catalogue["Thủ tục 055"][0]), str(roster.procedure_id)]
    response = book(client, roster, procedures=chosen)
    assert response.status_code == 303
    [visit] = visit_rows(app)
    with app.app_context():
        assert sorted(p.name for p in db.session.get(type(visit), visit.id).procedures) == ["Thủ tục 055", "Đăng ký khai sinh"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Giấy tờ của thủ tục 055" in html and "Giấy chứng sinh" in html  # both checklists


def test_a_procedure_chosen_outside_the_list_stays_ticked_when_the_form_comes_back(app, client):
    roster = arrange_roster(app)
    catalogue = arrange_catalogue(app)
    response = book(client, roster, procedures=[str(catalogue["Thủ tục 055"][0])], full_name="")
    assert response.status_code == 200
    assert offered_procedures(response.get_data(as_text=True))[0] == ("Thủ tục 055", True)


@pytest.mark.parametrize("sent", ["999999", "withdrawn", "x"])
def test_an_unknown_procedure_gets_a_message_and_keeps_what_was_typed(app, client, sent):
    roster = arrange_roster(app)
    catalogue = arrange_catalogue(app)
    if sent == "withdrawn":
        sent = str(catalogue["Thủ tục cũ"][0])
    response = book(client, roster, procedures=[str(roster.procedure_id), sent])
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(rf'<small id="procedures-error" class="error" role="alert">[^<]*{re.escape(UNKNOWN_PROCEDURE)}', html)
    assert 'value="Lê Thị Năm"' in html and "Kích hoạt VNeID mức 2" in html
    assert f'value="{slot_value(roster.day, 8)}" checked' in html
    assert ("Đăng ký khai sinh", True) in offered_procedures(html)
    assert "Thủ tục cũ" not in html
    assert visit_rows(app) == []


def test_at_most_twenty_procedures_on_one_booking(app, client):
    roster = arrange_roster(app)
    catalogue = arrange_catalogue(app)
    chosen = [str(catalogue[f"Thủ tục {n:03d}"][0]) for n in range(21)]
    html = book(client, roster, procedures=chosen).get_data(as_text=True)
    assert "Xin chọn nhiều nhất 20 thủ tục." in html
    assert visit_rows(app) == []
    assert book(client, roster, procedures=chosen[:20]).status_code == 303


def test_only_published_staffed_mobile_shifts_inside_the_window_are_bookable(app, client):
    from wardsite.visits import slots

    roster = arrange_roster(app)
    with app.app_context():
        volunteer = roster.volunteer_ids[0]
        today = local_today()
        make_mobile_shift(today, 0, 23, volunteers=[volunteer])  # today: before the lead time
        make_mobile_shift(today + timedelta(days=15), 8, 9, volunteers=[volunteer])  # beyond the horizon
        make_mobile_shift(roster.day, 14, 15, volunteers=[])  # nobody rostered
        make_mobile_shift(roster.day, 15, 16, volunteers=[volunteer], published=False)
        make_mobile_shift(roster.day, 16, 17, volunteers=[volunteer], cancelled=True)
        make_mobile_shift(roster.day, 17, 18, volunteers=[volunteer], kind="counter")
        make_mobile_shift(roster.day + timedelta(days=1), 19, 20, volunteers=[volunteer])  # bookable
        with app.test_request_context():
            values = [slot.value for slot in slots.free_slots()]
    assert values == [slot_value(roster.day, h) for h in (8, 9, 10)] + [slot_value(roster.day + timedelta(days=1), 19)]


def test_slot_length_is_configurable(app, client):
    roster = arrange_roster(app)
    app.config["VISIT_SLOT_MINUTES"] = 90
    html = client.get("/dat-lich/").get_data(as_text=True)
    assert SLOT_RADIO.findall(html) == [f"{roster.day.isoformat()}T08:00", f"{roster.day.isoformat()}T09:30"]


def test_choosing_a_day_with_htmx_returns_only_that_days_slots(app, client):
    roster = arrange_roster(app)
    with app.app_context():
        make_mobile_shift(roster.day + timedelta(days=1), 8, 9, volunteers=[roster.volunteer_ids[0]])
    response = client.get(f"/dat-lich/?ngay={roster.day.isoformat()}", headers={"HX-Request": "true", "HX-Target": "slots"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="slots"')
    assert SLOT_RADIO.findall(html) == [slot_value(roster.day, h) for h in (8, 9, 10)]
    assert "HX-Request" in response.headers["Vary"]
    # Without JavaScript the same link gives the whole page.
    assert "<html" in client.get(f"/dat-lich/?ngay={roster.day.isoformat()}").get_data(as_text=True)


@pytest.mark.parametrize("query", ["?ngay=hom-qua", "?ngay=2026-13-45", "?thu-tuc=%00", "?ngay=&thu-tuc="])
def test_garbage_in_the_address_is_ignored(app, client, query):
    arrange_roster(app)
    assert client.get(f"/dat-lich/{query}").status_code == 200


# Booking and its rules --------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("024 3825 1234", "02438251234"),  # a landline
    ],
)
def test_phone_numbers_are_normalised(app, client, typed, stored):
    roster = arrange_roster(app)
    response = book(client, roster, phone=typed)
    assert response.status_code == 303
    assert [visit.phone for visit in visit_rows(app)] == [stored]


@pytest.mark.parametrize("typed", ["12345", "0112345678", "091234567", "abc", "+1 202 555 0100"])
def test_bad_phone_numbers_are_refused_next_to_the_field(app, client, typed):
    roster = arrange_roster(app)
    response = book(client, roster, phone=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Xin nhập số điện thoại Việt Nam" in html
    assert f'value="{typed}"' in html  # what was typed is kept
    assert visit_rows(app) == []


def test_consent_is_required(app, client):
    roster = arrange_roster(app)
    response = book(client, roster, consent=None)
    html = response.get_data(as_text=True)
    assert "Xin đánh dấu vào ô này" in html
    assert 'value="Lê Thị Năm"' in html
    assert visit_rows(app) == []


@pytest.mark.parametrize("missing", ["full_name", "address", "residential_group", "slot"])
def test_required_fields(app, client, missing):
    roster = arrange_roster(app)
    response = book(client, roster, **{missing: ""})
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    assert visit_rows(app) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"residential_group": "abc"},
        {"residential_group": "99999"},
        {"procedures": ["x", "99999"]},
        {"slot": "2026-02-30T08:00"},
        {"slot": "garbage"},
        {"help_needed": "x" * 5000},
    ],
)
def test_garbage_in_the_form_gets_a_message_not_an_error_page(app, client, changes):
    roster = arrange_roster(app)
    response = book(client, roster, **changes)
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    assert visit_rows(app) == []


def test_a_booking_redirects_to_its_confirmation(app, client):
    from wardsite.visits.models import CODE_ALPHABET

    roster = arrange_roster(app)
    response = book(client, roster, hour=9)
    assert response.status_code == 303
    [visit] = visit_rows(app)
    assert len(visit.code) == 6 and set(visit.code) <= set(CODE_ALPHABET)
    assert not set(visit.code) & set("0O1IL")
    assert response.headers["Location"] == f"/dat-lich/xac-nhan/{visit.code}"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert visit.code in html
    assert roster.day.strftime("%d/%m/%Y") in html
    assert "09:00–10:00" in html
    assert "Số 12, ngõ 4, đường Hòa Phong" in html
    assert "Giấy chứng sinh" in html  # the chosen procedure's checklist
    assert "mật khẩu" in html and "OTP" in html  # the warning
    assert "/xac-minh/" in html
    assert "0912345678" not in html and "0912 345 678" not in html
    assert visit.consent_at is not None


def test_the_confirmation_does_not_open_in_another_browser(app, client):
    roster = arrange_roster(app)
    location = book(client, roster).headers["Location"]
    assert app.test_client().get(location).status_code == 404


def test_double_submission_creates_one_booking(app, client):
    roster = arrange_roster(app)
    first = book(client, roster, form_token="same")
    second = book(client, roster, form_token="same")
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(visit_rows(app)) == 1


def test_at_most_three_active_bookings_per_phone(app, client):
    roster = arrange_roster(app)
    with app.app_context():
        make_mobile_shift(roster.day, 14, 15, volunteers=[roster.volunteer_ids[0]])
    for hour in (8, 9, 10):
        assert book(client, roster, hour=hour, phone="0912.345.678").status_code == 303
    response = book(client, roster, hour=14, phone="+84912345678")
    assert response.status_code == 200
    assert "đã có 3 lịch hẹn" in response.get_data(as_text=True)
    assert len(visit_rows(app)) == 3
    # Cancelling one frees the phone for another booking.
    from wardsite.visits.models import Visit

    with app.app_context():
        visit = db.session.scalars(db.select(Visit)).first()
        visit.cancel(by_resident=True)
        db.session.commit()
    assert book(client, roster, hour=14, phone="0912345678", form_token="again").status_code == 303


def test_a_taken_slot_gets_the_kind_answer_with_the_nearest_free_times(app, client):
    roster = arrange_roster(app)
    assert book(client, roster, hour=9, phone="0987654321").status_code == 303
    response = book(client, roster, hour=9, form_token="late")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert TAKEN_TEXT in html
    assert "08:00–09:00" in html and "10:00–11:00" in html
    assert len(visit_rows(app)) == 1


def test_inline_validation_uses_the_same_rules(app, client):
    arrange_roster(app)
    response = client.post("/dat-lich/kiem-tra?truong=phone", data={"phone": "+84 912.345.678"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="check-phone"')
    assert 'value="0912345678"' in html and 'class="error"' not in html
    html = client.post("/dat-lich/kiem-tra?truong=phone", data={"phone": "123"}).get_data(as_text=True)
    assert "Xin nhập số điện thoại Việt Nam" in html
    assert client.post("/dat-lich/kiem-tra?truong=nothing", data={}).status_code == 404


def test_new_bookings_notify_the_leaders(app, client, make_user):
    from wardsite.mail import OutboxMessage

    leader = make_user("leader")
    make_user("editor")
    roster = arrange_roster(app)
    book(client, roster)
    with app.app_context():
        messages = db.session.scalars(db.select(OutboxMessage)).all()
        assert [message.recipient for message in messages] == [leader.email]
        assert "0912345678" not in messages[0].body  # no personal data in e-mail




# Lookup, move, cancel, erase, rate -----------------------------------------------


def booked_code(app, client, roster, **changes) -> str:
    response = book(client, roster, **changes)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


@pytest.mark.parametrize("phone", ["0999999999", "0912345679", "abc", ""])
def test_lookup_with_a_wrong_phone_shows_nothing(app, client, phone):
    roster = arrange_roster(app)
    code = booked_code(app, client, roster)
    stranger = app.test_client()
    response = stranger.post("/dat-lich/tra-cuu", data={"code": code, "phone": phone})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Lê Thị Năm" not in html and "ngõ 4" not in html
    assert stranger.get(f"/dat-lich/tra-cuu/{code}").status_code == 404


def test_lookup_with_code_and_phone_shows_the_booking(app, client):
    roster = arrange_roster(app)
    code = booked_code(app, client, roster)
    resident = app.test_client()
    response = resident.post("/dat-lich/tra-cuu", data={"code": f" {code.lower()} ", "phone": "+84 912 345 678"})
    assert response.status_code == 303
    html = resident.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lê Thị Năm" in html and "Đang chờ xác nhận" in html
    assert "0912345678" not in html
    # The team's first names, each with a link to the volunteer's card check.
    assert "An" in html and "Bích" in html
    assert html.count("/xac-minh/") >= 2


def test_lookup_of_an_unknown_code_says_so(app, client):
    arrange_roster(app)
    html = client.post("/dat-lich/tra-cuu", data={"code": "ABCDEF", "phone": "0912345678"}).get_data(as_text=True)
    assert "Không tìm thấy lịch hẹn nào" in html




def test_resident_cancels(app, client):
    roster = arrange_roster(app)
    code = booked_code(app, client, roster, hour=8)
    response = client.post(f"/dat-lich/tra-cuu/{code}/huy")
    assert response.status_code == 303
    [visit] = visit_rows(app)
    assert visit.status == "cancelled" and visit.seat is None
    # The slot is free again for someone else.
    assert book(app.test_client(), roster, hour=8, phone="0987654321", form_token="other").status_code == 303


def test_resident_moves_to_another_free_slot(app, client):
    roster = arrange_roster(app)
    code = booked_code(app, client, roster, hour=8)
    booked_code(app, app.test_client(), roster, hour=9, phone="0987654321", form_token="other")
    html = client.get(f"/dat-lich/tra-cuu/{code}/doi-gio").get_data(as_text=True)
    assert SLOT_RADIO.findall(html) == [slot_value(roster.day, 10)]  # not its own 08:00
    # The 09:00 seat is someone else's: "just taken".
    response = client.post(f"/dat-lich/tra-cuu/{code}/doi-gio", data={"slot": slot_value(roster.day, 9)})
    assert TAKEN_TEXT in response.get_data(as_text=True)
    response = client.post(f"/dat-lich/tra-cuu/{code}/doi-gio", data={"slot": slot_value(roster.day, 10)})
    assert response.status_code == 303
    visit = next(v for v in visit_rows(app) if v.code == code)
    assert to_local_hour(visit.slot_start) == 10
    assert book(app.test_client(), roster, hour=8, phone="0911111111", form_token="third").status_code == 303


def to_local_hour(moment) -> int:
    from wardsite.timeutil import to_local

    return to_local(moment).hour


def test_resident_erases_their_data(app, client):
    roster = arrange_roster(app)
    code = booked_code(app, client, roster)
    response = client.post(f"/dat-lich/tra-cuu/{code}/xoa")
    assert response.status_code == 303
    [visit] = visit_rows(app)
    assert (visit.full_name, visit.phone, visit.address, visit.help_needed) == ("", None, "", "")
    assert visit.status == "cancelled" and visit.purged_at is not None
    assert client.get(f"/dat-lich/tra-cuu/{code}").status_code == 404


def test_resident_rates_a_done_visit(app, client):
    from wardsite.visits.models import Visit

    roster = arrange_roster(app)
    code = booked_code(app, client, roster)
    assert 'name="rating"' not in client.get(f"/dat-lich/tra-cuu/{code}").get_data(as_text=True)
    assert client.post(f"/dat-lich/tra-cuu/{code}/danh-gia", data={"rating": "5"}).status_code == 303
    assert visit_rows(app)[0].rating is None  # not done yet: refused
    with app.app_context():
        visit = db.session.scalar(db.select(Visit))
        visit.record_outcome(1, 1, "", "", [])
        db.session.commit()
    html = client.get(f"/dat-lich/tra-cuu/{code}").get_data(as_text=True)
    assert 'name="rating"' in html
    assert "Xin chọn một số từ 1 đến 5" in client.post(f"/dat-lich/tra-cuu/{code}/danh-gia", data={"rating": "9"}).get_data(as_text=True)
    response = client.post(f"/dat-lich/tra-cuu/{code}/danh-gia", data={"rating": "4", "comment": "Các em rất nhiệt tình"})
    assert response.status_code == 303
    [visit] = visit_rows(app)
    assert (visit.rating, visit.rating_comment) == (4, "Các em rất nhiệt tình")


def test_resident_pages_change_nothing_on_get(app, client):
    roster = arrange_roster(app)
    code = booked_code(app, client, roster)
    assert client.get(f"/dat-lich/tra-cuu/{code}/danh-gia").status_code == 405
    for action in ("huy", "xoa"):  # they ask first
        assert client.get(f"/dat-lich/tra-cuu/{code}/{action}").status_code == 200
    [visit] = visit_rows(app)
    assert visit.status == "requested" and visit.full_name == "Lê Thị Năm"


# The leader's side -----------------------------------------------------------


def visits_began(app):
    """Time passes: every visit's slot began half an hour ago (an outcome is
    only taken once the visit has started). Returns the visits' ward day."""
    from wardsite.timeutil import to_local
    from wardsite.visits.models import Visit

    start = utcnow() - timedelta(minutes=30)
    with app.app_context():
        for visit in db.session.scalars(db.select(Visit)):
            visit.slot_start, visit.slot_end = start, start + timedelta(hours=1)
        db.session.commit()
    return to_local(start).date()


def test_leader_confirms_changes_the_team_and_records_the_outcome(app, client, login):
    from wardsite.audit import AuditEntry

    roster = arrange_roster(app)
    code = booked_code(app, app.test_client(), roster)
    [visit] = visit_rows(app)
    login("leader")
    html = client.get(f"/quan-tri/lich-hen/?ngay={roster.day.isoformat()}").get_data(as_text=True)
    assert code in html and "Nguyễn Văn An" in html
    visits_began(app)
    html = client.get(f"/quan-tri/lich-hen/{visit.id}").get_data(as_text=True)
    assert "0912345678" in html  # staff see the phone to call ahead
    assert "mật khẩu" not in re.search(r'action="/quan-tri/lich-hen/\d+/ket-qua".*?</form>', html, re.S).group(0).split("</p>")[-1]
    assert 'type="password"' not in html

    assert client.post(f"/quan-tri/lich-hen/{visit.id}/xac-nhan").status_code == 303
    with app.app_context():
        other = make_volunteer("Phạm Minh Châu")
    response = client.post(f"/quan-tri/lich-hen/{visit.id}/doi", data={"volunteers": [str(roster.volunteer_ids[0]), str(other)]})
    assert response.status_code == 303
    response = client.post(
        f"/quan-tri/lich-hen/{visit.id}/ket-qua",
        data={"people_guided": "2", "dossiers_filed": "1", "dossier_codes": "000.00.21.H17-261124-0001",
              "procedures_done": [str(roster.procedure_id)], "note": "Đã kích hoạt VNeID"},
    )
    assert response.status_code == 303
    [visit] = visit_rows(app)
    assert visit.status == "done" and (visit.people_guided, visit.dossiers_filed) == (2, 1)
    with app.app_context():
        from wardsite.visits.models import Visit

        stored = db.session.get(Visit, visit.id)
        assert sorted(v.name for v in stored.team) == ["Nguyễn Văn An", "Phạm Minh Châu"]
        assert [p.code for p in stored.procedures_done] == [roster.procedure_code]
        actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["visit.confirmed", "visit.team_changed", "visit.done"]


OUTCOME_BOX = re.compile(r'<label for="procedures_done-\d+"><input ([^>]*name="procedures_done"[^>]*)> ([^<]+)</label>')
UNKNOWN_DONE = "không (còn) có trong danh mục thủ tục của phường. Xin xem lại danh sách, hoặc ghi tên thủ tục vào ô ghi chú"


def outcome_boxes(html: str) -> list[tuple[str, bool]]:
    """The procedure boxes of the leader's outcome form: (name, ticked), in order."""
    return [(name.strip(), "checked" in attrs) for attrs, name in OUTCOME_BOX.findall(html)]


def outcome_data(**changes) -> dict:
    data = {"people_guided": "3", "dossiers_filed": "2", "dossier_codes": "000.00.21.H17-261124-0007",
            "note": "Hướng dẫn thêm cho con gái bà"}
    data.update(changes)
    return data


def test_outcome_form_offers_the_visits_procedures_then_the_most_asked_for_not_the_whole_catalogue(app, client, login):
    roster = arrange_roster(app)
    catalogue = arrange_catalogue(app, asked={"Thủ tục 045": 3})
    booked_code(app, app.test_client(), roster, procedures=[str(roster.procedure_id), str(catalogue["Thủ tục 055"][0])])
    visit = visit_rows(app)[-1]  # after the past bookings that asked
    visits_began(app)
    login("leader")
    html = client.get(f"/quan-tri/lich-hen/{visit.id}").get_data(as_text=True)
    # The booked ones (one far outside the most asked for) first and ticked, as before;
    # then the most asked for and the online ones by name, 12 in all: not the 62 published.
    assert outcome_boxes(html) == (
        [("Thủ tục 055", True), ("Đăng ký khai sinh", True), ("Thủ tục 045", False)]
        + [(f"Thủ tục {n:03d}", False) for n in (0, 2, 3, 4, 5, 6, 7, 8, 9)]
    )
    assert "Thủ tục khác? Ghi tên thủ tục vào ô ghi chú bên dưới." in html


def test_a_procedure_outside_the_list_is_recorded_and_counted_in_the_statistics(app, client, login):
    roster = arrange_roster(app)
    catalogue = arrange_catalogue(app)
    booked_code(app, app.test_client(), roster)
    [visit] = visit_rows(app)
    visit_day = visits_began(app)
    login("leader")
    assert "Thủ tục 055" not in client.get(f"/quan-tri/lich-hen/{visit.id}").get_data(as_text=True)
    done = [str(catalogue["Thủ tục 055"][0]), str(roster.procedure_id)]
    response = client.post(f"/quan-tri/lich-hen/{visit.id}/ket-qua", data=outcome_data(procedures_done=done))
    assert response.status_code == 303
    with app.app_context():
        stored = db.session.get(type(visit), visit.id)
        assert stored.status == "done"
        assert sorted(p.name for p in stored.procedures_done) == ["Thủ tục 055", "Đăng ký khai sinh"]
    # Recorded, it stays on the form, ticked.
    assert ("Thủ tục 055", True) in outcome_boxes(client.get(f"/quan-tri/lich-hen/{visit.id}").get_data(as_text=True))
    day = visit_day.strftime("%d/%m/%Y")
    table = client.get(f"/quan-tri/bao-cao/thu-tuc.csv?tu={day}&den={day}").get_data(as_text=True)
    rows = [row for row in csv.reader(io.StringIO(table.lstrip("\ufeff")))][1:]
    # One done visit each, with its 3 people guided and 2 dossiers, like any outcome.
    assert sorted((row[0], *row[2:]) for row in rows) == [("Thủ tục 055", "1", "3", "2"), ("Đăng ký khai sinh", "1", "3", "2")]


def test_a_procedure_sent_outside_the_list_stays_ticked_when_the_outcome_comes_back(app, client, login):
    roster = arrange_roster(app)
    catalogue = arrange_catalogue(app)
    booked_code(app, app.test_client(), roster)
    [visit] = visit_rows(app)
    visits_began(app)
    login("leader")
    data = outcome_data(people_guided="abc", procedures_done=[str(catalogue["Thủ tục 055"][0])])
    response = client.post(f"/quan-tri/lich-hen/{visit.id}/ket-qua", data=data)
    assert response.status_code == 200
    # The booked procedure, unticked by the leader, stays offered; the one sent stays ticked.
    assert outcome_boxes(response.get_data(as_text=True))[:2] == [("Đăng ký khai sinh", False), ("Thủ tục 055", True)]


@pytest.mark.parametrize("sent", ["999999", "withdrawn", "x"])
def test_an_unknown_procedure_in_the_outcome_gets_a_message_and_keeps_what_was_typed(app, client, login, sent):
    roster = arrange_roster(app)
    catalogue = arrange_catalogue(app)
    booked_code(app, app.test_client(), roster)
    [visit] = visit_rows(app)
    visits_began(app)
    if sent == "withdrawn":
        sent = str(catalogue["Thủ tục cũ"][0])
    login("leader")
    response = client.post(f"/quan-tri/lich-hen/{visit.id}/ket-qua",
                           data=outcome_data(procedures_done=[str(roster.procedure_id), sent]))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(rf'<small id="procedures_done-error" class="error" role="alert">[^<]*{re.escape(UNKNOWN_DONE)}', html)
    assert 'value="3"' in html and 'value="2"' in html
    assert "000.00.21.H17-261124-0007" in html and "Hướng dẫn thêm cho con gái bà" in html
    assert outcome_boxes(html)[0] == ("Đăng ký khai sinh", True)
    assert "Thủ tục cũ" not in html
    assert visit_rows(app)[0].status == "requested"


def test_at_most_twenty_procedures_in_one_outcome(app, client, login):
    roster = arrange_roster(app)
    catalogue = arrange_catalogue(app)
    booked_code(app, app.test_client(), roster)
    [visit] = visit_rows(app)
    visits_began(app)
    login("leader")
    chosen = [str(catalogue[f"Thủ tục {n:03d}"][0]) for n in range(21)]
    response = client.post(f"/quan-tri/lich-hen/{visit.id}/ket-qua", data=outcome_data(procedures_done=chosen))
    assert "Xin chọn nhiều nhất 20 thủ tục." in response.get_data(as_text=True)
    assert visit_rows(app)[0].status == "requested"
    response = client.post(f"/quan-tri/lich-hen/{visit.id}/ket-qua", data=outcome_data(procedures_done=chosen[:20]))
    assert response.status_code == 303
    with app.app_context():
        assert len(db.session.get(type(visit), visit.id).procedures_done) == 20


def test_staff_home_counts_bookings_waiting_for_the_leader(app, client, login):
    roster = arrange_roster(app)
    booked_code(app, app.test_client(), roster)
    login("leader")
    assert "Lịch hẹn chờ xác nhận: 1" in client.get("/quan-tri/").get_data(as_text=True)


@pytest.mark.parametrize("people", ["-1", "abc", "", "1000"])
def test_outcome_form_refuses_bad_numbers(app, client, login, people):
    roster = arrange_roster(app)
    booked_code(app, app.test_client(), roster)
    [visit] = visit_rows(app)
    visits_began(app)
    login("leader")
    response = client.post(f"/quan-tri/lich-hen/{visit.id}/ket-qua", data={"people_guided": people, "dossiers_filed": "0"})
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    assert visit_rows(app)[0].status == "requested"


def test_leader_books_on_behalf_of_a_resident(app, client, login):
    from wardsite.audit import AuditEntry

    roster = arrange_roster(app)
    leader = login("leader")
    html = client.get("/quan-tri/lich-hen/moi").get_data(as_text=True)
    token = TOKEN.search(html).group(1)
    response = client.post("/quan-tri/lich-hen/moi", data=booking_data(roster, form_token=token))
    assert response.status_code == 303
    [visit] = visit_rows(app)
    assert visit.booked_by_id == leader.id
    with app.app_context():
        assert db.session.scalar(db.select(AuditEntry.action)) == "visit.booked_for_resident"
    assert "đặt giúp người dân" in client.get(f"/quan-tri/lich-hen/{visit.id}").get_data(as_text=True)


def test_roster_changes_show_the_affected_bookings(app, client, login):
    from wardsite.roster.models import Shift

    roster = arrange_roster(app)
    code = booked_code(app, app.test_client(), roster)
    login("leader")
    assert "Lịch trực đã thay đổi" not in client.get("/quan-tri/lich-hen/").get_data(as_text=True)
    with app.app_context():
        shift = db.session.get(Shift, roster.shift_id)
        shift.cancelled = True
        db.session.commit()
    html = client.get("/quan-tri/lich-hen/").get_data(as_text=True)
    assert "Lịch trực đã thay đổi" in html and code in html and "Ca trực của đội đã bị hủy" in html


@pytest.mark.parametrize("query", ["?ngay=abc", "?trang-thai=zzz", "?ngay=2026-02-30&trang-thai=done"])
def test_leader_list_ignores_garbage_filters(app, client, login, query):
    login("leader")
    assert client.get(f"/quan-tri/lich-hen/{query}").status_code == 200


def test_unknown_visit_is_404(app, client, login):
    login("leader")
    assert client.get("/quan-tri/lich-hen/999999").status_code == 404


# Retention -------------------------------------------------------------------


def test_purge_erases_personal_data_after_the_retention_period(app, client, runner):
    from wardsite.visits.models import Visit

    roster = arrange_roster(app)
    with app.app_context():
        old_day = local_today() - timedelta(days=100)
        recent_day = local_today() - timedelta(days=10)
        for day, status in ((old_day, "done"), (old_day, "cancelled"), (old_day, "no_show"), (old_day, "requested"), (recent_day, "done")):
            start = from_local(datetime.combine(day, time(8)))
            db.session.add(Visit(slot_start=start, slot_end=start + timedelta(hours=1), status=status, seat=None,
                                 full_name="Ông Bảy", phone="0911222333", address="Số 7", help_needed="Giúp tôi",
                                 residential_group_id=roster.group_id, people_guided=2, dossiers_filed=1,
                                 dossier_codes="H17-1", rating_comment="Tốt"))
        db.session.commit()
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "4" in result.output
    visits = visit_rows(app)
    old, recent = visits[:4], visits[4]
    for visit in old:
        assert (visit.full_name, visit.phone, visit.address, visit.help_needed, visit.dossier_codes, visit.rating_comment) == (
            "", None, "", "", "", "")
        assert visit.purged_at is not None
    assert [v.status for v in old] == ["done", "cancelled", "no_show", "requested"]  # statuses kept
    assert (old[0].people_guided, old[0].dossiers_filed, old[0].residential_group_id) == (2, 1, roster.group_id)
    assert recent.full_name == "Ông Bảy" and recent.purged_at is None
    # Idempotent: a second run finds nothing and changes nothing.
    again = runner.invoke(args=["purge"])
    assert again.exit_code == 0 and " 0 " in again.output
    assert [v.purged_at for v in visit_rows(app)[:4]] == [v.purged_at for v in old]


def test_retention_period_is_configurable(app, client, runner):
    from wardsite.visits.models import Visit

    arrange_roster(app)
    app.config["VISIT_RETENTION_DAYS"] = 5
    with app.app_context():
        start = utcnow() - timedelta(days=6)
        db.session.add(Visit(slot_start=start, slot_end=start + timedelta(hours=1), status="done", full_name="Bà Tư", phone="0911222333"))
        db.session.commit()
    runner.invoke(args=["purge"])
    assert visit_rows(app)[0].full_name == ""


# Object rules ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "upcoming", "resident_may_change", "may_rate"),
    [
        ("requested", True, True, False),
        ("confirmed", True, True, False),
        ("requested", False, False, False),
        ("done", False, False, True),
        ("no_show", False, False, False),
        ("cancelled", True, False, False),
    ],
)
def test_resident_rules_by_state(app, status, upcoming, resident_may_change, may_rate):
    from wardsite.visits.models import Visit

    start = utcnow() + timedelta(days=1 if upcoming else -1)
    visit = Visit(status=status, slot_start=start, slot_end=start + timedelta(hours=1))
    assert visit.can_change_by_resident() is resident_may_change
    assert visit.can_rate() is may_rate


def test_control_characters_never_reach_the_database(app, client):
    roster = arrange_roster(app)
    response = book(client, roster, full_name="Bà\x00 Năm", address="Số 1\x00", help_needed="a\x00b")
    assert response.status_code == 303
    [visit] = visit_rows(app)
    assert (visit.full_name, visit.address, visit.help_needed) == ("Bà Năm", "Số 1", "ab")
    assert client.post("/dat-lich/tra-cuu", data={"code": "AB\x00CDE", "phone": "09\x0012345678"}).status_code == 200


def test_lead_time_and_horizon_are_configurable(app, client):
    roster = arrange_roster(app)  # the team is out in two days
    # A site reads its settings when it starts; this one changes them while it
    # runs, so it keeps no page from before a change.
    app.extensions.pop("page_cache")
    app.config["VISIT_LEAD_DAYS"] = 3
    assert SLOT_RADIO.findall(client.get("/dat-lich/").get_data(as_text=True)) == []
    app.config["VISIT_LEAD_DAYS"] = 0
    app.config["VISIT_HORIZON_DAYS"] = 1
    assert SLOT_RADIO.findall(client.get("/dat-lich/").get_data(as_text=True)) == []
    app.config["VISIT_HORIZON_DAYS"] = 2
    assert len(SLOT_RADIO.findall(client.get("/dat-lich/").get_data(as_text=True))) == 3
    # A slot outside the window is refused even when sent by hand.
    app.config["VISIT_LEAD_DAYS"] = 3
    assert book(client, roster).status_code == 200
    assert visit_rows(app) == []


def test_forged_procedure_ids_and_tokens_get_no_server_error(app, client):
    roster = arrange_roster(app)
    # A number no database column holds: the form says so next to the field.
    response = book(client, roster, procedures=[str(2**70)])
    assert response.status_code == 200
    assert "không (còn) có trong danh mục thủ tục" in response.get_data(as_text=True)
    # A token longer than any we issue is no guard, but the booking stands.
    assert book(client, roster, form_token="x" * 500).status_code == 303
    assert [visit.form_token for visit in visit_rows(app)] == [None]
