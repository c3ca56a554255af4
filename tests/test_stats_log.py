"""The guidance log at /tinh-nguyen/ghi-nhan: a volunteer on duty records a
session in seconds, with or without JavaScript."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from wardsite.admin.models import ResidentialGroup
from wardsite.audit import AuditEntry
from wardsite.extensions import db
from wardsite.procedures.models import Procedure, Sector
from wardsite.stats.models import GuidanceSession
from wardsite.timeutil import local_today, utcnow
from wardsite.volunteers.models import Assignment, Shift, Station, StationHost, Volunteer

URL = "/tinh-nguyen/ghi-nhan"
HTMX = {"HX-Request": "true", "HX-Target": "guidance-log", "HX-Current-URL": "http://localhost" + URL}


@pytest.fixture
def place(app):
    """The counter, an e-station of group 1 now hosted by group 2, and two procedures."""
    with app.app_context():
        group_1 = ResidentialGroup(name="Tổ dân phố 1", position=1)
        group_2 = ResidentialGroup(name="Tổ dân phố 2", position=2)
        counter = Station(name="Bộ phận một cửa", kind="counter", position=0)
        estation = Station(name="Điểm TDP 1", kind="estation", residential_group=group_1, position=1)
        today = local_today()
        estation.hosts.append(StationHost(week_start=today - timedelta(days=today.weekday()), residential_group=group_2))
        civil = Sector(name="Hộ tịch", slug="ho-tich")
        birth = Procedure(code="1.001193", name="Đăng ký khai sinh", sector=civil, published=True)
        draft = Procedure(code="1.000656", name="Thủ tục nháp", sector=civil, published=False)
        db.session.add_all([counter, estation, birth, draft])
        db.session.commit()
        return {"counter": counter.id, "estation": estation.id, "group_2": group_2.id, "birth": birth.id, "draft": draft.id}


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


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"people_guided": "ba"}, "Vui lòng nhập một số nguyên, ví dụ 2."),
        ({"people_guided": "0"}, "Vui lòng nhập một số từ 1 đến 200."),
        ({"people_guided": ""}, "Vui lòng nhập số người bạn đã hướng dẫn."),
        ({"dossiers_filed": "-1"}, "Vui lòng nhập một số từ 0 đến 200."),
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
