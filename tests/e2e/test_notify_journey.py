"""A resident books and chooses Zalo: the worker sends the "received" ZNS to
the stand-in Zalo with the template's parameters; the leader then changes the
team, and the "changed" message follows."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_visits import _arrange, _fill_booking
from tests.test_notify_channels import ZNS, StandIn, zns_success
from wardsite.extensions import db
from wardsite.notify.channels import LogChannel
from wardsite.notify.worker import Worker
from wardsite.notify.zalo import Token, TokenStore, ZaloZnsChannel

pytestmark = pytest.mark.e2e


def send_due(app, zalo) -> None:
    with app.app_context():
        Worker(app.config, {"log": LogChannel(), "zalo": zalo}).run_once()
        db.session.remove()


def test_a_resident_chooses_zalo_and_gets_the_received_then_the_changed_message(live_server, page, page_nojs, sign_in, tmp_path):
    provider = StandIn()
    provider.answer(ZNS, zns_success())
    zalo = ZaloZnsChannel({"visit_received": "400001", "visit_changed": "400004"},
                          TokenStore(tmp_path / "token.json", Token("token-1")), url=provider.url + ZNS, timeout=2)
    try:
        slot = _arrange(live_server.app, days_ahead=4, start_hour=9, volunteer_name="Phan Văn Mười")
        _arrange(live_server.app, days_ahead=4, start_hour=9, volunteer_name="Đặng Thị Chín")  # a second team then
        resident = page_nojs
        resident.goto(f"/dat-lich/?ngay={slot[:10]}")
        _fill_booking(resident, slot, "0987 000 333")
        resident.locator('input[name="notify_by"][value="zalo"]').check()
        resident.get_by_role("button", name="Đặt lịch", exact=True).click()
        resident.wait_for_url(re.compile(r"/dat-lich/xac-nhan/"))
        code = resident.locator(".visit-code-big").inner_text().strip()

        send_due(live_server.app, zalo)
        [received] = [r["body"] for r in provider.requests]
        day = f"{slot[8:10]}/{slot[5:7]}/{slot[:4]}"
        assert received["phone"] == "84987000333" and received["template_id"] == "400001"
        assert received["template_data"] == {"code": code, "time": "09:00", "date": day,
                                             "link": f"{live_server.url}/dat-lich/tra-cuu"}

        leader = live_server.create_user("leader")
        sign_in(page, leader)
        page.goto(f"/quan-tri/lich-hen/?ngay={slot[:10]}")
        page.get_by_role("link", name=code).click()
        page.get_by_role("heading", name=f"Lịch hẹn tại nhà {code}").wait_for()
        page.get_by_label(re.compile("Đặng Thị Chín")).check()
        page.get_by_role("button", name="Lưu đội").click()
        # the saved team's message, not only the old page's load, before the worker runs
        page.get_by_text(f"Đã lưu đội đi hướng dẫn cho lịch hẹn {code}").wait_for()

        send_due(live_server.app, zalo)
        bodies = [r["body"] for r in provider.requests]
        assert [b["template_id"] for b in bodies] == ["400001", "400004"]
        assert bodies[1]["template_data"]["code"] == code and bodies[1]["phone"] == "84987000333"
    finally:
        provider.close()
