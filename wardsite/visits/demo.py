"""Demo home visits over the demo roster's mobile-team shifts: past ones done
(with outcomes and ratings), a few nobody-at-home or cancelled; upcoming ones
requested or confirmed, one booked by the leader on a resident's behalf."""

from __future__ import annotations

import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from wardsite.accounts.models import User, UserRole
from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db
from wardsite.procedures.models import Procedure
from wardsite.timeutil import local_today, utcnow
from wardsite.visits.models import CANCELLED, CONFIRMED, DONE, NO_SHOW, REQUESTED, Visit
from wardsite.visits.slots import shift_slot_starts, slot_length, staffed_mobile_shifts

RESIDENTS = [
    ("Nguyễn Thị Hoa", "Số 15, ngõ 3, đường Hòa Phong", "Cần kích hoạt tài khoản VNeID mức 2, mắt kém không đọc được chữ nhỏ."),
    ("Trần Văn Thành", "Số 8, hẻm 21, đường Lê Lợi", "Đăng ký khai sinh cho cháu nội."),
    ("Lê Thị Mai", "Số 42, đường Trần Phú", "Xin bản sao trích lục hộ tịch."),
    ("Phạm Văn Hùng", "Số 3, ngõ 9, đường Nguyễn Du", "Đăng ký tạm trú cho người thuê nhà."),
    ("Võ Thị Lan", "Số 27, đường Hòa Phong", "Ông nhà đi lại khó khăn, cần làm thủ tục chứng thực."),
    ("Đặng Văn Minh", "Số 5, hẻm 7, đường Lê Lợi", ""),
    ("Bùi Thị Thu", "Số 61, đường Trần Phú", "Đăng ký hộ kinh doanh nhỏ bán tạp hóa."),
    ("Hoàng Văn Nam", "Số 19, ngõ 2, đường Nguyễn Du", "Gia hạn tạm trú."),
    ("Ngô Thị Hạnh", "Số 11, đường Phan Chu Trinh", "Xác nhận tình trạng hôn nhân."),
    ("Dương Văn Tài", "Số 33, hẻm 4, đường Hòa Phong", "Cài VNeID cho cả nhà."),
]
COMMENTS = ["Các em rất nhiệt tình, dễ hiểu.", "Cảm ơn đội đã đến tận nhà.", "Hơi trễ giờ nhưng làm xong hồ sơ.", ""]


def load(logins, make_password) -> None:  # noqa: ARG001 - no accounts of its own
    rng = random.Random(6)
    now = utcnow()
    today = local_today()
    shifts = staffed_mobile_shifts(today - timedelta(days=120), today + timedelta(days=60))
    groups = db.session.scalars(select(ResidentialGroup).order_by(ResidentialGroup.position)).all()
    procedures = db.session.scalars(select(Procedure).where(Procedure.published.is_(True)).order_by(Procedure.id)).all()
    leader = db.session.scalar(select(User).join(UserRole).where(UserRole.role == "leader").order_by(User.id))
    if not shifts or not groups:
        return
    length = slot_length()
    retention = timedelta(days=int(current_app.config["VISIT_RETENTION_DAYS"]))
    count = 0
    for shift in shifts:
        for moment in shift_slot_starts(shift):
            if rng.random() < 0.4:
                continue  # leave free slots to book in the demo
            name, address, help_needed = RESIDENTS[count % len(RESIDENTS)]
            count += 1
            past = moment + length < now
            if past:
                status = rng.choices([DONE, NO_SHOW, CANCELLED], weights=[7, 1, 1])[0]
            else:
                status = (REQUESTED, CONFIRMED)[count % 2]
            visit = Visit(
                shift_id=shift.id,
                slot_start=moment,
                slot_end=moment + length,
                full_name=name,
                phone=f"09{rng.randrange(10**7, 10**8)}",
                address=address,
                help_needed=help_needed,
                residential_group_id=rng.choice(groups).id,
                consent_at=moment - timedelta(days=rng.randint(1, 10)),
                created_at=moment - timedelta(days=rng.randint(1, 10)),
                procedures=rng.sample(procedures, k=min(len(procedures), rng.randint(0, 2))),
            )
            if count == 3 and leader is not None:
                visit.booked_by_id = leader.id
            if status in (CONFIRMED, DONE, NO_SHOW):
                visit.status = CONFIRMED
                visit.confirmed_at = visit.created_at + timedelta(hours=3)
            if status == DONE:
                guided = rng.randint(1, 3)
                visit.record_outcome(
                    guided, rng.randint(0, guided), "", "", visit.procedures[:1]
                )
                visit.closed_at = moment + length
                if rng.random() < 0.6:
                    visit.rating = rng.choice([4, 5, 5, 3])
                    visit.rating_comment = rng.choice(COMMENTS)
                    visit.rated_at = moment + timedelta(days=1)
            elif status == NO_SHOW:
                visit.mark_no_show()
            elif status == CANCELLED:
                visit.cancel(by_resident=True)
            if moment + length + retention < now:
                visit.erase_personal_data()
            db.session.add(visit)
