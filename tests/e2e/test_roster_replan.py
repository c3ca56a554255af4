"""The leader re-plans a published week in a real browser at 390 px, with
JavaScript on and off: the button queues a background job, its page waits
and updates by itself (htmx polling; a refresh without JavaScript) once the
worker has run it, shows the changes (who is added and taken off, the home
visit whose team changes), and nothing is saved until the leader confirms;
then the message log shows the messages. axe-core checks every page."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from wardsite.extensions import db
from wardsite.mail import OutboxMessage
from wardsite.notify.channels import LogChannel
from wardsite.notify.worker import Worker
from wardsite.roster import services
from wardsite.roster.models import Assignment, Shift
from wardsite.timeutil import from_local, local_today
from wardsite.visits.models import CONFIRMED, Visit
from wardsite.volunteers.models import DAY_PARTS, Volunteer

pytestmark = pytest.mark.e2e

EVERY_CELL = [(day, part) for day in range(7) for part in DAY_PARTS]
MONDAY = services.week_start(local_today()) + timedelta(weeks=1)
SATURDAY = MONDAY + timedelta(days=5)


def _volunteer(name, *, email="", experienced=True, cells=EVERY_CELL) -> Volunteer:
    volunteer = Volunteer(name=name, experienced=experienced, max_shifts_per_week=1, email=email, phone="0912345678",
                          branch="Chi đoàn 1")
    volunteer.set_weekly_cells(cells)
    db.session.add(volunteer)
    return volunteer


def _shift(day, kind="counter", seats=1) -> Shift:
    shift = Shift(kind=kind, seats=seats, starts_at=from_local(datetime.combine(day, time(8))),
                  ends_at=from_local(datetime.combine(day, time(11))))
    db.session.add(shift)
    return shift


def _arrange_published_week(app) -> int:
    """The issue's week: Hà and Tuấn on the published Saturday mobile team
    with the confirmed visit EZU72A; then Phúc joins (free on Saturday
    mornings only) and two shifts only Hà and Tuấn could take are added."""
    with app.app_context():
        ha = _volunteer("Phạm Thu Hà", email="ha@example.org")
        tuan = _volunteer("Đặng Minh Tuấn", email="tuan@example.org")
        saturday = _shift(SATURDAY, kind="mobile", seats=2)
        db.session.add_all([Assignment(shift=saturday, volunteer=ha), Assignment(shift=saturday, volunteer=tuan)])
        db.session.flush()
        services.publish(MONDAY, MONDAY + timedelta(days=6))
        start = from_local(datetime.combine(SATURDAY, time(8)))
        db.session.add(Visit(code="EZU72A", shift_id=saturday.id, slot_start=start, slot_end=start + timedelta(hours=1),
                             status=CONFIRMED, full_name="Lê Thị Năm", phone="0912345678", address="Số 12, ngõ 4"))
        _volunteer("Bùi Thị Phúc", experienced=False, cells=[(5, "morning")])
        _shift(MONDAY + timedelta(days=4))
        _shift(MONDAY + timedelta(days=6))
        db.session.execute(db.delete(OutboxMessage))  # the publishing messages
        db.session.commit()
        return saturday.id


def _team(app, shift_id) -> list[str]:
    with app.app_context():
        names = sorted(a.volunteer.name for a in db.session.get(Shift, shift_id).assignments)
        db.session.remove()
        return names


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_leader_replans_a_published_week_in_the_background_and_confirms(
        live_server, page, page_nojs, sign_in, check_accessibility, javascript):
    app = live_server.app
    browser_page = page if javascript else page_nojs
    saturday_id = _arrange_published_week(app)
    leader = live_server.create_user("leader")
    app.config["ROSTER_FILL_INLINE"] = False  # as in production: the worker runs the job
    try:
        sign_in(browser_page, leader)
        browser_page.goto(f"/quan-tri/lich-truc/?tuan={MONDAY.isoformat()}")
        browser_page.get_by_role("button", name="Sắp xếp lại tuần đã công bố (bạn xem trước các thay đổi)").click()
        expect(browser_page.get_by_text("Đang chờ đến lượt")).to_be_visible()
        check_accessibility(browser_page)

        # The worker's round: messages, then the job.
        with app.app_context():
            assert Worker(app.config, {"log": LogChannel()}).run_once() == 1
            db.session.remove()
        # The page asks again by itself: htmx every 2 s, or a refresh after 3 s without JavaScript.
        expect(browser_page.get_by_role("heading", name="Thay đổi trong các tổ trực")).to_be_visible(timeout=15_000)
        changes = browser_page.locator("table").first
        expect(changes.get_by_text("Bùi Thị Phúc")).to_be_visible()
        expect(browser_page.get_by_role("link", name="EZU72A")).to_be_visible()
        assert _team(app, saturday_id) == ["Phạm Thu Hà", "Đặng Minh Tuấn"]  # nothing saved by looking
        check_accessibility(browser_page)

        browser_page.get_by_role("button", name="Lưu lịch mới và báo cho mọi người liên quan").click()
        expect(browser_page.get_by_text("Đã xếp lịch: 3 trên 4 chỗ; thêm 2, bỏ 1.")).to_be_visible()
        expect(browser_page.get_by_text("Đã gửi vào hộp thư tin nhắn cho 1 tình nguyện viên và 1 lịch hẹn tại nhà.")).to_be_visible()
        saturday = _team(app, saturday_id)
        assert "Bùi Thị Phúc" in saturday and len(saturday) == 2
        check_accessibility(browser_page)

        # The message log: the volunteer taken off the published team, and the visit's leaders.
        moved = ({"Phạm Thu Hà", "Đặng Minh Tuấn"} - set(saturday)).pop()
        browser_page.goto("/quan-tri/hop-thu")
        mover = "ha@example.org" if moved == "Phạm Thu Hà" else "tuan@example.org"
        expect(browser_page.get_by_text(mover).first).to_be_visible()
        expect(browser_page.get_by_text("EZU72A").first).to_be_visible()
        check_accessibility(browser_page)
    finally:
        app.config["ROSTER_FILL_INLINE"] = True
