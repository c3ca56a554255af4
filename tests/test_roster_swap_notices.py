"""A seat offered for a swap is told to the volunteers who could take it
(issue 15): only those within every hard rule, on each one's chosen channel,
at most ROSTER_SWAP_TELL_MAX of them, held by quiet hours like every phone
message except for a shift today."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from sqlalchemy import select

from tests.test_volunteers import MONDAY, make_shift, make_volunteer
from wardsite.extensions import db
from wardsite.mail import OutboxMessage
from wardsite.notify.channels import LogChannel
from wardsite.notify.worker import Worker
from wardsite.roster import services
from wardsite.roster.models import Assignment
from wardsite.timeutil import from_local, local_now
from wardsite.volunteers.models import DateAway


def swap_messages():
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("swap-offered:"))
                                   .order_by(OutboxMessage.id)))


def offered_seat(shift, name="Nguyễn Văn Offer"):
    giver = make_volunteer(name, notify_by="none")
    seat = Assignment(shift=shift, volunteer=giver)
    db.session.add(seat)
    db.session.flush()
    return seat


def test_the_volunteers_who_could_take_it_are_told_each_their_own_way(app):
    with app.app_context():
        shift = make_shift(MONDAY, seats=2, published=True)
        seat = offered_seat(shift)
        by_zalo = make_volunteer("Trần Thị Zalo", notify_by="zalo")
        by_sms = make_volunteer("Lê Văn Sms", notify_by="sms")
        by_email = make_volunteer("Phạm Thị Mail", email="mail@example.org")
        make_volunteer("Hoàng Văn Không", notify_by="none")  # chose no messages
        away = make_volunteer("Đỗ Thị Vắng", notify_by="sms")
        away.dates_away.append(DateAway(start_date=MONDAY, end_date=MONDAY))
        on_it = make_volunteer("Vũ Văn Trực", notify_by="sms")
        db.session.add(Assignment(shift=shift, volunteer=on_it))
        make_volunteer("Ngô Thị Nghỉ", notify_by="sms", active=False)
        db.session.flush()
        services.offer_swap(seat)
        db.session.commit()
        sent = {(m.dedupe_key.rsplit(":", 1)[1], m.channel, m.kind) for m in swap_messages()}
        assert sent == {(str(by_zalo.id), "zalo", "swap_offered"), (str(by_sms.id), "sms", "swap_offered"),
                        (str(by_email.id), "email", None)}
        zalo = next(m for m in swap_messages() if m.channel == "zalo")
        params = json.loads(zalo.params)
        assert set(params) == {"when", "place", "link"} and params["link"].endswith("/tinh-nguyen/")
        assert params["when"].startswith("08:00-11:00") and zalo.same_day is False
        email = next(m for m in swap_messages() if m.channel == "email")
        assert "Phạm Thị Mail" in email.body and "/tinh-nguyen/" in email.body
        assert "Nguyễn Văn Offer" not in email.body and "0912345678" not in email.body  # nobody else's data
        # Offering the same seat again tells nobody again.
        services.offer_swap(seat)
        db.session.commit()
        assert len(swap_messages()) == 3


def test_at_most_the_cap_are_told_those_with_fewest_seats_that_week_first(app):
    app.config["ROSTER_SWAP_TELL_MAX"] = 2
    with app.app_context():
        shift = make_shift(MONDAY, seats=1, published=True)
        seat = offered_seat(shift)
        busy = make_volunteer("Bận Rộn", notify_by="sms")
        for day in (1, 2):
            db.session.add(Assignment(shift=make_shift(MONDAY + timedelta(days=day)), volunteer=busy))
        free = [make_volunteer(f"Rảnh {n}", notify_by="sms") for n in range(3)]
        db.session.flush()
        services.offer_swap(seat)
        db.session.commit()
        told = [int(m.dedupe_key.rsplit(":", 1)[1]) for m in swap_messages()]
        assert told == [free[0].id, free[1].id]
    app.config["ROSTER_SWAP_TELL_MAX"] = 0
    with app.app_context():
        other = make_shift(MONDAY + timedelta(days=3), seats=1, published=True)
        services.offer_swap(offered_seat(other, "Người Khác"))
        db.session.commit()
        assert len(swap_messages()) == 2


def test_quiet_hours_hold_it_except_for_a_shift_today(app):
    app.config["NOTIFY_QUIET_HOURS"] = "00:00-23:59"  # always quiet, for the test
    with app.app_context():
        later = make_shift(MONDAY, seats=1, published=True)
        now = local_now()
        today = make_shift(now.date(), start=time(23, 59) if now.time() < time(23, 0) else now.time(),
                           end=time(23, 59, 59), seats=1, published=True)
        make_volunteer("Trần Thị Zalo", notify_by="zalo")
        services.offer_swap(offered_seat(later, "Người A"))
        services.offer_swap(offered_seat(today, "Người B"))
        db.session.commit()
        messages = swap_messages()
        assert [m.same_day for m in messages] == [False, True]
        log = LogChannel()
        Worker(app.config, {"log": log, "zalo": log}).run_once()
        assert [notice.key for notice, _text in log.sent] == [messages[1].dedupe_key]
