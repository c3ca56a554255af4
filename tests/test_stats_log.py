"""The guidance log at /tinh-nguyen/ghi-nhan: a volunteer on duty records a
session in seconds, with or without JavaScript."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from wardsite.audit import AuditEntry
from wardsite.extensions import db
from wardsite.roster.models import Assignment, Shift
from wardsite.stations.models import Station
from wardsite.stats.models import GuidanceSession
from wardsite.timeutil import local_today, utcnow
from wardsite.volunteers.models import Volunteer

URL = "/tinh-nguyen/ghi-nhan"
HTMX = {"HX-Request": "true", "HX-Target": "guidance-log", "HX-Current-URL": "http://localhost" + URL}


def test_a_volunteer_logs_a_session(client, app, login, place):
    person = login("volunteer")
    response = client.post(URL, data={
        "station": place["estation"], "people_guided": "3", "dossiers_filed": "2",
        "procedures": [place["birth"]], "note": "Hai cụ cần VNeID mức 2",
    })
    assert response.status_code == 303
    with app.app_context():
        entry = db.session.scalar(select(GuidanceSession))
        assert (entry.people_guided, entry.dossiers_filed, entry.note) == (3, 2, "Hai cụ cần VNeID mức 2")
        assert entry.day == local_today()
        assert entry.logged_by_id == person.id
        assert [p.name for p in entry.procedures] == ["Đăng ký khai sinh"]
        # The e-station sits at group 2's cultural house this week: the figures go to group 2.
        assert entry.residential_group_id == place["group_2"]
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "guidance_session.logged"))
        assert audit.user_id == person.id and audit.target_id == str(entry.id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã lưu: 3 người được hướng dẫn, 2 hồ sơ tại Điểm TDP 1." in page
    assert "Tại Điểm TDP 1: 1 lượt hướng dẫn, 3 người được hướng dẫn, 2 hồ sơ nộp trực tuyến." in page
    # The next entry starts at the same station, with fresh numbers.
    assert f'<option selected value="{place["estation"]}">' in page
    assert re.search(r'autofocus[^>]*name="people_guided"[^>]*value="1"', page)


def test_with_htmx_the_form_comes_back_cleared_with_the_tally(client, login, place):
    login("leader")
    for people in (1, 2):
        response = client.post(
            URL, data={"station": place["counter"], "people_guided": people, "dossiers_filed": 1},
            headers=HTMX, follow_redirects=True,
        )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in page and page.lstrip().startswith('<div id="guidance-log">')
    assert "Đã lưu: 2 người được hướng dẫn, 1 hồ sơ tại Bộ phận một cửa." in page
    assert "Bạn đã ghi: 2 lượt hướng dẫn, 3 người được hướng dẫn, 2 hồ sơ nộp trực tuyến." in page
    assert 'value="1"' in page


def test_only_published_procedures_are_offered(client, login, place):
    login("volunteer")
    page = client.get(URL).get_data(as_text=True)
    assert "Đăng ký khai sinh" in page
    assert "Thủ tục nháp" not in page


def test_the_station_defaults_to_the_volunteers_shift(client, app, login, place):
    person = login("volunteer")
    with app.app_context():
        volunteer = Volunteer(name="Phạm Thu Hà", user_id=person.id, experienced=True)
        shift = Shift(kind="estation", station_id=place["estation"], starts_at=utcnow() - timedelta(hours=1),
                      ends_at=utcnow() + timedelta(hours=2), seats=2)
        shift.assignments.append(Assignment(volunteer=volunteer))
        db.session.add(shift)
        db.session.commit()
        volunteer_id = volunteer.id
    page = client.get(URL).get_data(as_text=True)
    assert f'<option selected value="{place["estation"]}">' in page
    assert "Bạn đang có ca trực tại đây." in page
    client.post(URL, data={"station": place["estation"], "people_guided": 1, "dossiers_filed": 0})
    with app.app_context():
        assert db.session.scalar(select(GuidanceSession.volunteer_id)) == volunteer_id


def test_off_shift_nothing_is_chosen_until_the_volunteer_chooses(client, login, place):
    """Not on a shift: the list starts with "choose", so an entry never lands on
    whichever station happens to be first."""
    login("volunteer")
    page = client.get(URL).get_data(as_text=True)
    select_html = page[page.index('name="station"'):]
    select_html = select_html[:select_html.index("</select>")]
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select_html)[0] == "Chọn nơi bạn đang trực"
    assert re.findall(r'<option selected value="([^"]*)"', select_html) == [""]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"people_guided": "ba"}, "Vui lòng nhập một số nguyên, ví dụ 2."),
        ({"people_guided": "0"}, "Vui lòng nhập một số từ 1 đến 200."),
        ({"people_guided": ""}, "Vui lòng nhập số người bạn đã hướng dẫn."),
        ({"dossiers_filed": "-1"}, "Vui lòng nhập một số từ 0 đến 200."),
        ({"station": ""}, "Vui lòng chọn nơi bạn đang trực."),
        ({"station": "999"}, "Vui lòng chọn nơi bạn đang trực."),
        ({"station": "abc"}, "Vui lòng chọn nơi bạn đang trực."),
        ({"station": "99999999999999999999999"}, "Vui lòng chọn nơi bạn đang trực."),
        ({"note": "x" * 501}, "Tối đa 500 ký tự."),
    ],
)
def test_bad_input_is_explained_and_kept(client, app, login, place, changes, message):
    login("volunteer")
    data = {"station": place["counter"], "people_guided": "2", "dossiers_filed": "1", "note": "giữ lại"}
    data.update(changes)
    response = client.post(URL, data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page
    assert message in page
    typed = changes.get("people_guided")
    if typed:
        assert f'value="{typed}"' in page
    with app.app_context():
        assert db.session.scalar(select(GuidanceSession.id)) is None


def test_garbage_station_in_the_address_is_ignored(client, login, place):
    login("volunteer")
    for value in ("999", "abc", "-1", "99999999999999999999999"):
        assert client.get(f"{URL}?diem={value}").status_code == 200


def test_residents_and_editors_cannot_log(client, login):
    assert client.get(URL).status_code == 302
    login("editor")
    assert client.get(URL).status_code == 403


def _entry(app, person_id: int | None, days_ago: int = 0) -> int:
    with app.app_context():
        entry = GuidanceSession(people_guided=30, dossiers_filed=1, logged_by_id=person_id,
                                logged_at=utcnow() - timedelta(days=days_ago))
        db.session.add(entry)
        db.session.commit()
        return entry.id


def _exists(app, entry_id: int) -> bool:
    with app.app_context():
        return db.session.get(GuidanceSession, entry_id) is not None


def test_a_volunteer_deletes_a_wrong_entry_of_today(client, app, login, place):
    person = login("volunteer")
    entry_id = _entry(app, person.id)
    page = client.get(URL).get_data(as_text=True)
    assert f'action="/tinh-nguyen/ghi-nhan/{entry_id}/xoa"' in page
    response = client.post(f"{URL}/{entry_id}/xoa", headers=HTMX, follow_redirects=True)
    assert "Đã xóa lượt ghi nhận." in response.get_data(as_text=True)
    assert not _exists(app, entry_id)
    with app.app_context():
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "guidance_session.deleted"))
        assert audit.user_id == person.id and "30 người" in audit.summary


def test_only_ones_own_entries_of_today_unless_leader(client, app, login, make_user, place):
    someone = make_user("volunteer")
    person = login("volunteer")
    others = _entry(app, someone.id)
    yesterday = _entry(app, person.id, days_ago=1)
    assert client.post(f"{URL}/{others}/xoa").status_code == 403
    assert client.post(f"{URL}/{yesterday}/xoa").status_code == 403
    assert client.post(f"{URL}/999999/xoa").status_code == 404
    assert _exists(app, others) and _exists(app, yesterday)
    client.post("/dang-xuat")
    login("leader")
    assert client.post(f"{URL}/{yesterday}/xoa").status_code == 303
    assert not _exists(app, yesterday)


# The same form sent twice -------------------------------------------------------------

TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')
TALLY_OF_ONE = "Bạn đã ghi: 1 lượt hướng dẫn, 3 người được hướng dẫn, 2 hồ sơ nộp trực tuyến."


def form_token(page: str) -> str:
    found = TOKEN.findall(page)
    assert len(found) == 1, "the log form carries one token"
    return found[0]


def _entries(app) -> list[GuidanceSession]:
    with app.app_context():
        return db.session.scalars(select(GuidanceSession)).all()


def _audit_lines(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "guidance_session.logged"))


def _typed(place, token: str) -> dict:
    return {"form_token": token, "station": place["counter"], "people_guided": "3", "dossiers_filed": "2",
            "procedures": [place["birth"]], "note": "Cụ ông cần VNeID"}


def test_a_new_form_gets_a_new_token(client, login, place):
    login("volunteer")
    first, second = (form_token(client.get(URL).get_data(as_text=True)) for _ in range(2))
    assert first != second
    # The form shown again for the next entry has its own token, too.
    saved = client.post(URL, data=_typed(place, first), follow_redirects=True).get_data(as_text=True)
    assert "Đã lưu: 3 người được hướng dẫn" in saved
    assert form_token(saved) not in (first, second)


def test_the_same_form_sent_twice_logs_one_entry(client, app, login, place):
    person = login("volunteer")
    token = form_token(client.get(URL).get_data(as_text=True))
    first = client.post(URL, data=_typed(place, token))
    again = client.post(URL, data=_typed(place, token))  # a double tap, or back and resend
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert page.count("Đã lưu: 3 người được hướng dẫn, 2 hồ sơ tại Bộ phận một cửa.") == 1
    assert TALLY_OF_ONE in page
    assert page.count('action="/tinh-nguyen/ghi-nhan/') == 1  # one entry to delete in the latest list
    entries = _entries(app)
    assert [(e.form_token, e.logged_by_id, e.note) for e in entries] == [(token, person.id, "Cụ ông cần VNeID")]
    assert _audit_lines(app) == 1


def test_with_htmx_a_resent_form_clears_for_the_next_entry_with_a_tally_of_one(client, app, login, place):
    login("volunteer")
    token = form_token(client.get(URL).get_data(as_text=True))
    for _ in range(2):
        response = client.post(URL, data=_typed(place, token), headers=HTMX, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith('<div id="guidance-log">')
    assert "Đã lưu: 3 người được hướng dẫn, 2 hồ sơ tại Bộ phận một cửa." in page
    assert TALLY_OF_ONE in page
    assert re.search(r'autofocus[^>]*name="people_guided"[^>]*value="1"', page)  # cleared
    # The cleared form is a new one: the next entry is not mistaken for the last.
    following = form_token(page)
    assert following != token
    page = client.post(URL, data=_typed(place, following), headers=HTMX, follow_redirects=True).get_data(as_text=True)
    assert "Bạn đã ghi: 2 lượt hướng dẫn, 6 người được hướng dẫn, 4 hồ sơ nộp trực tuyến." in page
    assert len(_entries(app)) == 2


def test_a_form_with_errors_keeps_its_token_so_the_corrected_resend_is_still_one_entry(client, app, login, place):
    login("volunteer")
    token = form_token(client.get(URL).get_data(as_text=True))
    wrong = client.post(URL, data={**_typed(place, token), "people_guided": "0"}).get_data(as_text=True)
    assert "Vui lòng nhập một số từ 1 đến 200." in wrong
    assert form_token(wrong) == token
    for _ in range(2):
        assert client.post(URL, data=_typed(place, token)).status_code == 303
    assert len(_entries(app)) == 1


def test_a_token_from_another_persons_entry_saves_nothing_and_asks_again(client, app, login, make_user, place):
    someone = make_user("volunteer")
    with app.app_context():
        db.session.add(GuidanceSession(people_guided=5, dossiers_filed=5, logged_by_id=someone.id,
                                       form_token="their-own-token-123456"))
        db.session.commit()
    login("volunteer")
    response = client.post(URL, data=_typed(place, "their-own-token-123456"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Biểu mẫu này đã được gửi từ một tài khoản khác. Vui lòng kiểm tra số liệu và lưu lại." in page
    assert "5 người" not in page  # nothing of the other person's entry
    assert 'value="3"' in page  # what was typed is kept
    fresh = form_token(page)
    assert fresh != "their-own-token-123456"
    assert client.post(URL, data=_typed(place, fresh)).status_code == 303
    assert sorted(e.people_guided for e in _entries(app)) == [3, 5]


@pytest.mark.parametrize("token", ["", "kurz", "A" * 65, "abc\x00def0123456789", "<script>alert(1)</script>"])
def test_a_missing_or_malformed_token_still_logs(client, app, login, place, token):
    login("volunteer")
    assert client.post(URL, data=_typed(place, token)).status_code == 303
    assert [e.form_token for e in _entries(app)] == [None]


def test_the_unique_token_decides_when_the_earlier_sending_was_not_yet_visible(app, make_user, place):
    """Two sendings that each looked before the other stored its entry: the second
    one's insert meets the unique token and answers with the first one's entry."""
    from wardsite.accounts.models import User
    from wardsite.stats import services

    person = make_user("volunteer")
    results = []
    for _ in range(2):
        with app.test_request_context():
            user = db.session.get(User, person.id)
            entry, new = services.log_session_once(
                form_token="same-form-token-0001", station=db.session.get(Station, place["counter"]), user=user,
                people_guided=2, dossiers_filed=1, procedures=[], note="")
            results.append((entry.id, new))
            db.session.remove()
    assert results == [(results[0][0], True), (results[0][0], False)]
    assert len(_entries(app)) == 1 and _audit_lines(app) == 1


# Two sendings at the same moment, through a real server ---------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def live_url(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


def test_two_sendings_at_the_same_moment_store_one_entry(app, make_user, place, live_url):
    person = make_user("volunteer")
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)

    def post(path: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        try:
            with opener.open(urllib.request.Request(live_url + path, data=body, method="POST"), timeout=60) as answer:
                return answer.status, answer.headers.get("Location", "")
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers.get("Location", "")

    assert post("/dang-nhap", {"login": person.email, "password": person.password})[0] == 303
    rounds = 5  # each a pair of sendings of one form, released together
    for number in range(rounds):
        token = f"pair-{number}-form-token-000"
        barrier = threading.Barrier(2)
        answers: list = [None, None]

        def send(index: int, token=token, barrier=barrier, answers=answers) -> None:
            barrier.wait(timeout=30)
            answers[index] = post(URL, {**_typed(place, token), "note": f"cặp {number}"})

        threads = [threading.Thread(target=send, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)
        assert [status for status, _ in answers] == [303, 303], answers
        assert answers[0][1] == answers[1][1] and f"diem={place['counter']}" in answers[0][1]
    entries = _entries(app)
    assert sorted(e.form_token for e in entries) == [f"pair-{n}-form-token-000" for n in range(rounds)]
    assert {e.logged_by_id for e in entries} == {person.id}
    assert _audit_lines(app) == rounds
