"""Demo data for a fictional ward: Phường Hòa Phong, with four residential groups
and one account per role."""

from wardsite.accounts.models import User
from wardsite.admin.models import ResidentialGroup, WardSettings
from wardsite.extensions import db

RESIDENTIAL_GROUPS = [
    ("Tổ dân phố 1", "Nhà văn hóa TDP 1, số 12 ngõ 4 đường Hòa Phong"),
    ("Tổ dân phố 2", "Nhà văn hóa TDP 2, số 3 đường Trần Phú"),
    ("Tổ dân phố 3", "Nhà văn hóa TDP 3, số 45 đường Lê Lợi"),
    ("Tổ dân phố 4", "Nhà văn hóa TDP 4, số 8 hẻm 20 đường Nguyễn Du"),
]

ACCOUNTS = [
    ("admin", "quantri@hoaphong.example", "Nguyễn Văn Quản", "0912000001"),
    ("editor", "bientap@hoaphong.example", "Trần Thị Biên", "0912000002"),
    ("leader", "doan@hoaphong.example", "Lê Minh Đoàn", "0912000003"),
    ("volunteer", "tnv@hoaphong.example", "Phạm Thu Hà", "0912000004"),
]


def load(logins: list, make_password) -> None:
    db.session.add(
        WardSettings(
            id=1,
            name="Phường Hòa Phong",
            address="Số 1 đường Hòa Phong, phường Hòa Phong, tỉnh Hà Tĩnh",
            phone="02393855123",
            email="ubnd@hoaphong.example",
            opening_hours=(
                "Thứ Hai – Thứ Sáu: 07:30–11:30 và 13:00–17:00\n"
                "Sáng thứ Bảy: 07:30–11:30\n"
                "Thứ Tư: ngày trực tuyến – không giấy tờ\n"
                "Thứ Năm: ngày không viết, ngày không hẹn"
            ),
        )
    )
    for position, (name, house) in enumerate(RESIDENTIAL_GROUPS, start=1):
        db.session.add(ResidentialGroup(name=name, cultural_house_address=house, position=position))
    for role, email, name, phone in ACCOUNTS:
        password = make_password()
        account = User(email=email, name=name, phone=phone)
        account.roles = [role]
        account.set_password(password)
        db.session.add(account)
        logins.append((role, email, password))
