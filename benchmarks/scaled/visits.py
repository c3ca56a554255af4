"""20,000 home visits on the mobile teams' shifts, in every state."""

from __future__ import annotations

import bisect
import itertools
import random
from datetime import timedelta

from sqlalchemy import select

from benchmarks.scaled.common import FAMILY, GIVEN, MIDDLE, STREETS, Day, bulk, unique_code
from wardsite.extensions import db
from wardsite.timeutil import local_today, utcnow
from wardsite.visits.models import (
    CANCELLED,
    CODE_ALPHABET,
    CODE_LENGTH,
    CONFIRMED,
    DONE,
    NO_SHOW,
    REQUESTED,
    Visit,
    visit_procedure,
    visit_procedure_done,
)

VISITS = 20_000

HELP = ["Kích hoạt tài khoản VNeID mức 2.", "Đăng ký khai sinh cho cháu.", "Gia hạn tạm trú cho người thuê nhà.",
        "Xin bản sao trích lục hộ tịch.", "Ông bà đi lại khó khăn, cần chứng thực giấy tờ.", ""]


def add_visits(rng: random.Random, shifts: list[dict], groups, procedures: tuple[list[int], list[float]], day: Day) -> None:
    """20,000 visits, at most one holding each team's slot; some upcoming within the booking horizon."""
    from flask import current_app

    config = current_app.config
    length = timedelta(minutes=int(config["VISIT_SLOT_MINUTES"]))
    retention = timedelta(days=int(config["VISIT_RETENTION_DAYS"]))
    today, now = local_today(), utcnow()
    bookable_from = day.at(today + timedelta(days=int(config["VISIT_LEAD_DAYS"])), 0)
    bookable_to = day.at(today + timedelta(days=int(config["VISIT_HORIZON_DAYS"]) + 1), 0)
    past, upcoming = [], []
    for shift in shifts:
        moment = shift["starts_at"]
        while moment + length <= shift["ends_at"]:
            if moment + length <= now:
                past.append((shift["id"], moment))
            elif bookable_from <= moment < bookable_to:
                upcoming.append((shift["id"], moment))
            moment += length
    upcoming = rng.sample(upcoming, len(upcoming) // 2)
    wanted = VISITS - len(upcoming)
    if wanted > len(past):
        raise SystemExit(f"only {len(past)} past slots for {wanted} visits")
    chosen = sorted(rng.sample(past, wanted) + upcoming, key=lambda slot: (slot[1], slot[0]))

    ids, cumulative = procedures[0], list(itertools.accumulate(procedures[1]))
    codes = set(db.session.scalars(select(Visit.code)))
    rows, asked, done = [], [], []
    for shift_id, start in chosen:
        ahead = start > now
        status = rng.choices([REQUESTED, CONFIRMED], weights=[1, 1])[0] if ahead else \
            rng.choices([DONE, NO_SHOW, CANCELLED, CONFIRMED], weights=[78, 8, 10, 4])[0]
        created = start - timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 12))
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        row = dict(
            code=unique_code(rng, CODE_ALPHABET, CODE_LENGTH, codes), status=status, shift_id=shift_id, slot_start=start,
            slot_end=start + length, seat=None if status == CANCELLED else 1, full_name=name,
            phone=f"09{rng.randrange(10**8):08d}", address=f"Số {rng.randint(1, 120)}, ngõ {rng.randint(1, 30)}, {rng.choice(STREETS)}",
            help_needed=rng.choice(HELP), residential_group_id=rng.choice(groups).id, consent_at=created, form_token=None,
            booked_by_id=None, created_at=created, confirmed_at=None, closed_at=None, cancelled_by_resident=False,
            people_guided=None, dossiers_filed=None, dossier_codes="", outcome_note="", rating=None, rating_comment="",
            rated_at=None, purged_at=None,
        )
        if status in (CONFIRMED, DONE, NO_SHOW):
            row["confirmed_at"] = created + timedelta(hours=rng.randint(1, 20))
        if status == DONE:
            people = rng.choices([1, 2, 3], weights=[55, 35, 10])[0]
            row.update(closed_at=start + length, people_guided=people, dossiers_filed=sum(rng.random() < 0.55 for _ in range(people)))
            if rng.random() < 0.6:
                row.update(rating=rng.choices([3, 4, 5], weights=[10, 35, 55])[0], rated_at=start + timedelta(days=1),
                           rating_comment=rng.choice(["", "", "Các em nhiệt tình, dễ hiểu."]))
        elif status == NO_SHOW:
            row["closed_at"] = start + length
        elif status == CANCELLED:
            row.update(closed_at=start - timedelta(hours=rng.randint(2, 30)), cancelled_by_resident=rng.random() < 0.8)
        if start + length + retention < now:  # what `flask purge` would have erased
            row.update(full_name="", phone=None, address="", help_needed="", rating_comment="", purged_at=start + length + retention)
        rows.append(row)
        wanted_procedures = {ids[bisect.bisect_left(cumulative, rng.random() * cumulative[-1])] for _ in range(rng.choice([0, 1, 1, 2]))}
        asked.append(sorted(wanted_procedures))
        done.append(sorted(wanted_procedures)[: rng.randint(1, 2)] if status == DONE else [])
    visit_ids = bulk(Visit, rows, ids=True)
    bulk(visit_procedure, [{"visit_id": v, "procedure_id": p} for v, mine in zip(visit_ids, asked) for p in mine])
    bulk(visit_procedure_done, [{"visit_id": v, "procedure_id": p} for v, mine in zip(visit_ids, done) for p in mine])
