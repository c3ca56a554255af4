"""Records and requests the tests arrange, shared by more than one test module:
articles, procedures, a roster to book from, a place to log guidance at.

Fixtures here are made available to every test by tests/conftest.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest

from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db
from wardsite.news.models import PUBLISHED, Article
from wardsite.procedures.models import Document, Procedure, Sector
from wardsite.procedures.services import ChannelData, DocumentData, ProcedureData, save
from wardsite.timeutil import from_local, local_today, utcnow
from wardsite.visits.models import Visit
from wardsite.roster.models import Assignment, FillJob, Shift, ShiftTemplate, SwapOffer
from wardsite.stations.models import OpeningHours, Station, StationHost
from wardsite.volunteers.models import Volunteer

# News ----------------------------------------------------------------------


def make_article(app, title="Khai trương Tổ dân phố điện tử", *, kind="news", status=PUBLISHED, published_at=None,
                 body="Nhà văn hóa có **máy tính** và máy in.", summary="Người dân được hướng dẫn ngay tại nhà văn hóa.",
                 pinned=False, age=timedelta(hours=1)) -> int:
    with app.app_context():
        article = Article(kind=kind, summary=summary, body=body, status=status, pinned=pinned)
        article.set_title(title)
        if status == PUBLISHED:
            article.published_at = published_at or (utcnow() - age)
        db.session.add(article)
        db.session.commit()
        return article.id


def article_url(app, article_id: int) -> str:
    with app.app_context():
        article = db.session.get(Article, article_id)
        return f"/tin-tuc/{article.id}-{article.slug}"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def article_form(**changes) -> dict:
    data = {
        "title": "Khai trương Tổ dân phố điện tử",
        "kind": "notice",
        "summary": "Người dân được hướng dẫn làm thủ tục trực tuyến tại nhà văn hóa.",
        "body": "## Giờ mở cửa\n\n- Thứ Hai – Thứ Sáu\n\nMang theo **căn cước**.",
        "cover_alt": "Phòng máy tính ở nhà văn hóa",
        "cover_caption": "Nhà văn hóa Tổ dân phố 1",
        "status": PUBLISHED,
        "published_at": "",
    }
    data.update(changes)
    return data


# Procedures ----------------------------------------------------------------


@pytest.fixture
def make_procedure(app):
    """Save a procedure through the same service the editor and importer use."""

    def make(code: str, name: str, **values) -> int:
        values.setdefault("published", True)
        values.setdefault("sector", "Hộ tịch")
        with app.app_context():
            procedure = Procedure()
            save(procedure, ProcedureData(code=code, name=name, **values))
            db.session.add(procedure)
            db.session.commit()
            return procedure.id

    return make


@pytest.fixture
def catalogue(make_procedure):
    make_procedure(
        "1.001193", "Đăng ký khai sinh", online="full", same_day=True, postal_receive=True,
        last_checked_on=date(2025, 7, 1), check_note="Dữ liệu mẫu: cần đối chiếu.",
        steps=["Bước 1: Chuẩn bị tờ khai.", "Bước 2: Nộp hồ sơ tại bộ phận một cửa."],
        documents=[DocumentData("Tờ khai đăng ký khai sinh", "https://dichvucong.gov.vn/mau", originals=1), DocumentData("Giấy chứng sinh", originals=1)],
        channels=[ChannelData("in_person", "Trong ngày", "Miễn phí nếu đúng hạn"), ChannelData("online", "Trong ngày", "Miễn phí")],
    )
    make_procedure("1.004884", "Đăng ký lại khai sinh", online="partial")
    make_procedure("1.000656", "Đăng ký khai tử", online="full", applicants="Người thân của người chết.")
    # "khai sinh" appears only in the body of this one: it must rank below the name matches.
    make_procedure("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", applicants="Người đã đăng ký khai sinh tại phường.")
    make_procedure("2.000815", "Chứng thực bản sao từ bản chính", sector="Chứng thực", online="none")
    make_procedure("1.001699.000.00.00.H17", "Xác định mức độ khuyết tật", sector="Bảo trợ xã hội", online="partial")
    make_procedure("1.004222", "Đăng ký thường trú (bản nháp)", sector="Cư trú", published=False)


def titles(response) -> list[str]:
    return re.findall(r'<h2 class="procedure-item-title"><a [^>]*>([^<]*)</a>', response.get_data(as_text=True))


# A roster to book home visits from ----------------------------------------


SLOT_RADIO = re.compile(r'name="slot" value="([^"]+)"')


TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


TAKEN_TEXT = "vừa có người đặt"


@dataclass
class Roster:
    group_id: int
    procedure_id: int
    procedure_code: str
    shift_id: int
    day: date
    volunteer_ids: list[int]


def make_mobile_shift(day: date, start: int = 8, end: int = 11, *, volunteers=(), published=True, cancelled=False,
                      kind="mobile") -> int:
    shift = Shift(
        kind=kind,
        starts_at=from_local(datetime.combine(day, time(start))),
        ends_at=from_local(datetime.combine(day, time(end))),
        seats=max(1, len(volunteers)),
        published_at=utcnow() if published else None,
        cancelled=cancelled,
    )
    shift.assignments = [Assignment(volunteer_id=volunteer_id) for volunteer_id in volunteers]
    db.session.add(shift)
    db.session.commit()
    return shift.id


def make_volunteer(name: str, experienced: bool = True) -> int:
    volunteer = Volunteer(name=name, experienced=experienced)
    db.session.add(volunteer)
    db.session.commit()
    return volunteer.id


def arrange_roster(app, days_ahead: int = 2) -> Roster:
    """A residential group, a published online procedure with papers, two volunteers
    rostered on a mobile-team shift 08:00–11:00 (three one-hour slots)."""
    with app.app_context():
        group = ResidentialGroup(name="Tổ dân phố 3")
        procedure = Procedure(code="1.001193", name="Đăng ký khai sinh", online="partial", published=True)
        procedure.documents = [
            Document(name="Tờ khai đăng ký khai sinh", originals=1, position=1),
            Document(name="Giấy chứng sinh", originals=1, position=2),
        ]
        db.session.add_all([group, procedure])
        db.session.commit()
        volunteers = [make_volunteer("Nguyễn Văn An"), make_volunteer("Trần Thị Bích", experienced=False)]
        day = local_today() + timedelta(days=days_ahead)
        shift_id = make_mobile_shift(day, volunteers=volunteers)
        return Roster(group.id, procedure.id, procedure.code, shift_id, day, volunteers)


def slot_value(day: date, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:00"


def booking_data(roster: Roster, hour: int = 8, **changes) -> dict:
    data = {
        "full_name": "Lê Thị Năm",
        "phone": "0912 345 678",
        "address": "Số 12, ngõ 4, đường Hòa Phong",
        "residential_group": str(roster.group_id),
        "slot": slot_value(roster.day, hour),
        "procedures": [str(roster.procedure_id)],
        "help_needed": "Kích hoạt VNeID mức 2",
        "notify_by": "none",
        "consent": "y",
        "form_token": f"token-{hour}-{changes.get('phone', '0912345678')}",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def visit_rows(app):
    with app.app_context():
        return db.session.scalars(db.select(Visit).order_by(Visit.id)).all()


# Guidance at the stations --------------------------------------------------


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


# Roster records --------------------------------------------------------------


def make_roster_records() -> dict:
    """One of each roster record, for the permission matrix (flushed, not
    committed): a station, a volunteer, next Monday's e-station shift with the
    volunteer on it, a swap offer of that seat and a shift template."""
    station = Station(name="Tổ dân phố điện tử số 1", kind="estation", address="Nhà văn hóa TDP 1")
    station.hours = [OpeningHours(weekday=day, opens=time(7, 30), closes=time(21)) for day in range(7)]
    volunteer = Volunteer(name="Lê Thị Quyền", experienced=True, email="", phone="0912345678", branch="Chi đoàn 1")
    today = local_today()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=1)
    shift = Shift(kind="estation", station=station, seats=2, starts_at=from_local(datetime.combine(monday, time(8))),
                  ends_at=from_local(datetime.combine(monday, time(11))))
    assignment = Assignment(shift=shift, volunteer=volunteer)
    offer = SwapOffer(shift=shift, from_volunteer=volunteer)
    template = ShiftTemplate(kind="counter", station=station, weekday=0, starts=time(7, 30), ends=time(11, 30), seats=1)
    # A re-plan job done on a roster that has changed since: its confirmation is refused.
    job = FillJob(kind="replan", start_day=monday, end_day=monday + timedelta(days=6), status="done",
                  result='{"seats": 2, "filled": 1, "add": [], "remove": [], "changes": [], "visits": [], '
                         '"visits_key": "", "stamp": "changed since"}')
    db.session.add_all([station, volunteer, shift, assignment, offer, template, job])
    db.session.flush()
    return {
        "station_id": station.id, "volunteer_id": volunteer.id, "shift_id": shift.id, "assignment_id": assignment.id,
        "offer_id": offer.id, "template_id": template.id, "fill_job_id": job.id,
    }
