"""What every part of the scaled data set uses: bulk INSERTs with the next
free ids (and PostgreSQL's sequences moved past them), unique codes, the
ward's midnight of each day, and the names people and streets have."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from datetime import time as clock

from sqlalchemy import func, insert, select, text

from wardsite.extensions import db
from wardsite.timeutil import from_local

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Quang", "Thanh", "Hoài", "Gia", "Bảo", "Khánh"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hiền", "Hùng", "Khoa", "Lan", "Linh", "Long", "Mai", "Nam", "Nga",
         "Phong", "Phúc", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tú", "Tuấn", "Vân", "Việt", "Yến", "Khôi", "Nhi"]
STREETS = ["đường Hòa Phong", "đường Trần Phú", "đường Lê Lợi", "đường Nguyễn Du", "đường Phan Chu Trinh", "đường Hai Bà Trưng"]


# Tables given explicit ids: PostgreSQL's sequences are moved past them at the end.
EXPLICIT_IDS: set[str] = set()


def bulk(model, rows: list[dict], ids: bool = False) -> list[int]:
    """INSERT the rows with one executemany; with `ids`, give them the next
    free ids and return those. Core, not the ORM's bulk insert: that leaves
    out None values and so splits rows of different shapes into many
    statements; and RETURNING with the rows' order kept makes SQLite insert
    one row per statement."""
    if not rows:
        return []
    new_ids = []
    if ids:
        first = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        new_ids = list(range(first, first + len(rows)))
        for row, new_id in zip(rows, new_ids):
            row["id"] = new_id
        EXPLICIT_IDS.add(model.__tablename__)
    table = getattr(model, "__table__", model)
    db.session.execute(insert(table), rows)
    return new_ids


def reset_sequences() -> None:
    if db.engine.dialect.name != "postgresql":
        return
    for table in sorted(EXPLICIT_IDS):
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT MAX(id) FROM \"{table}\"))"))


def unique_code(rng: random.Random, alphabet: str, length: int, taken: set[str]) -> str:
    while True:
        code = "".join(rng.choices(alphabet, k=length))
        if code not in taken:
            taken.add(code)
            return code


class Day:
    """Ward-local midnight of each date, as UTC, computed once per date."""

    def __init__(self):
        self._cache: dict[date, datetime] = {}

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        midnight = self._cache.get(day)
        if midnight is None:
            midnight = self._cache[day] = from_local(datetime.combine(day, clock(0)))
        return midnight + timedelta(hours=hour, minutes=minute)
