"""Demo data: thirty volunteers with varied availability, the first one linked
to the demo volunteer account."""

import random

from sqlalchemy import select

from wardsite.accounts.models import User
from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db
from wardsite.volunteers.models import DAY_PARTS, SKILLS, Volunteer

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Quang", "Thanh"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hiền", "Hùng", "Khoa", "Lan", "Linh", "Long", "Mai", "Nam",
         "Nga", "Phong", "Phúc", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tú", "Tuấn", "Vân", "Việt", "Yến"]
BRANCHES = ["Chi đoàn khu phố 1", "Chi đoàn khu phố 2", "Chi đoàn Trường THPT Hòa Phong", "Chi đoàn cơ quan phường"]


def load(logins: list, make_password) -> None:
    rng = random.Random(2026)
    groups = list(db.session.scalars(select(ResidentialGroup).order_by(ResidentialGroup.position)))
    account = db.session.scalar(select(User).where(User.email == "tnv@hoaphong.example"))
    parts = list(DAY_PARTS)
    for number in range(30):
        name = f"{FAMILY[number % len(FAMILY)]} {MIDDLE[number % len(MIDDLE)]} {GIVEN[number]}"
        volunteer = Volunteer(
            name=name, phone=f"09{rng.randint(10000000, 99999999)}", email=f"tnv{number + 1}@hoaphong.example",
            branch=BRANCHES[number % len(BRANCHES)], residential_group=groups[number % len(groups)],
            experienced=number % 3 == 0, max_shifts_per_week=rng.choice([1, 2, 2, 3]),
        )
        volunteer.skills = rng.sample(list(SKILLS), rng.randint(1, 3))
        cells = {(rng.randrange(7), rng.choice(parts)) for _ in range(rng.randint(3, 9))}
        cells |= {(5, "morning")} if number % 2 == 0 else {(6, "evening")}
        volunteer.set_weekly_cells(cells)
        if number == 0 and account is not None:
            volunteer.name, volunteer.email, volunteer.phone = account.name, account.email, account.phone or volunteer.phone
            volunteer.user = account
            volunteer.set_weekly_cells(cells | {(5, "morning"), (6, "morning"), (0, "morning")})
        db.session.add(volunteer)
    db.session.flush()
