"""A phone number new to the ward gets a one-time code before its booking
holds a time: at 390 px, with JavaScript on and off, the form comes back with
the code field beside the phone number, the summary in view and what was
typed kept; the right code books (visits/phone_codes.py)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from tests.e2e.test_visits import _arrange, _fill_booking
from wardsite.extensions import db
from wardsite.mail import OutboxMessage

pytestmark = pytest.mark.e2e


def last_code(app) -> str:
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "phone_code")
                                    .order_by(OutboxMessage.id.desc()))
        db.session.remove()
        return json.loads(message.params)["code"]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_new_number_types_the_code_it_was_sent_and_books(live_server, page, page_nojs, javascript,
                                                            check_accessibility):
    app = live_server.app
    app.config.update(VISIT_PHONE_CODES=True, NOTIFY_LOG_ONLY=True)
    resident = page if javascript else page_nojs
    try:
        slot = _arrange(app, days_ahead=6, start_hour=14 if javascript else 16)
        resident.goto(f"/dat-lich/?ngay={slot[:10]}")
        _fill_booking(resident, slot, "0987 000 444" if javascript else "0987 000 555")
        resident.locator('input[name="notify_by"][value="sms"]').check()
        resident.get_by_role("button", name="Đặt lịch", exact=True).click()
        code_field = resident.get_by_label("Mã đã gửi đến điện thoại của bác")
        code_field.wait_for()
        summary = resident.locator("#error-summary")
        assert summary.is_visible() and "Phường vừa gửi mã 6 số qua SMS" in summary.inner_text()
        assert resident.title().startswith("Lỗi: ")
        assert resident.get_by_label("Họ và tên người cần giúp").input_value() == "Trương Thị Bảy"
        assert resident.locator(f'input[name="slot"][value="{slot}"]').is_checked()
        check_accessibility(resident)
        code_field.fill("000000" if last_code(app) != "000000" else "111111")
        resident.get_by_role("button", name="Đặt lịch", exact=True).click()
        resident.get_by_text("Mã chưa đúng").first.wait_for()
        resident.get_by_label("Mã đã gửi đến điện thoại của bác").fill(last_code(app))
        resident.get_by_role("button", name="Đặt lịch", exact=True).click()
        resident.wait_for_url(re.compile(r"/dat-lich/xac-nhan/"))
    finally:
        app.config.update(VISIT_PHONE_CODES=None, NOTIFY_LOG_ONLY=False)
