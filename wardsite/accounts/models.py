"""Staff accounts: users, their roles and passwords. Residents never need one."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from wardsite.extensions import db
from wardsite.timeutil import UTCDateTime, utcnow

ROLES = {
    "admin": _l("Administrator"),
    "editor": _l("Editor"),
    "leader": _l("Youth-union leader"),
    "volunteer": _l("Volunteer"),
}


class UserRole(db.Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(15), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    @roles.setter
    def roles(self, names) -> None:
        wanted = set(names)
        unknown = wanted - ROLES.keys()
        if unknown:
            raise ValueError(f"unknown roles: {sorted(unknown)}")
        self.role_rows = [row for row in self.role_rows if row.role in wanted]
        for name in sorted(wanted - self.roles):
            self.role_rows.append(UserRole(role=name))

    def has_role(self, *names: str) -> bool:
        """Admins may do what every other role may do."""
        mine = self.roles
        return "admin" in mine or bool(mine.intersection(names))

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt with a random salt.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def can_edit(self, user) -> bool:
        return user.is_authenticated and user.has_role("admin")

    def can_deactivate(self, user) -> bool:
        """An admin cannot lock themselves out."""
        return self.can_edit(user) and user.id != self.id

    @staticmethod
    def find_by_login(identifier: str) -> User | None:
        """Find a user by e-mail (any case) or phone number (any spacing)."""
        from wardsite.phone import normalize_phone

        identifier = identifier.strip()
        if "@" in identifier:
            return db.session.scalar(select(User).where(User.email == identifier.lower()))
        phone = normalize_phone(identifier)
        if phone is None:
            return None
        return db.session.scalar(select(User).where(User.phone == phone))
