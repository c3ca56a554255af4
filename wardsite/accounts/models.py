"""Staff accounts: users, their roles and passwords. Residents never need one."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, event, select
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
    __table_args__ = {"info": {"page_cache": "people"}}

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = {"info": {"page_cache": "people"}}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(15), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256), info={"page_cache": None})
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info={"page_cache": None})
    # Part of every session's and remember cookie's user id ("7:3"): raising
    # it ends all of them (sign-out, password change, deactivation, an admin's
    # "sign out everywhere").
    session_version: Mapped[int] = mapped_column(default=1, server_default="1", info={"page_cache": None})

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

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie."""
        return f"{self.id}:{self.session_version or 1}"

    @staticmethod
    def from_session_id(session_id: str) -> User | None:
        """The user of a session or remember cookie, if it has not been ended
        since and the account is active."""
        number, _, version = (session_id or "").partition(":")
        if not (number.isdigit() and version.isdigit()):
            return None  # from before session versions: sign in again
        user = db.session.get(User, int(number))
        if user is None or not user.active or (user.session_version or 1) != int(version):
            return None
        return user

    def end_sessions(self) -> None:
        """End every session and remember cookie of this user (on commit)."""
        self.session_version = (self.session_version or 1) + 1

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt with a random salt.
        self.password_hash = generate_password_hash(password)
        if self.id is not None:
            self.end_sessions()

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


@event.listens_for(User.active, "set", active_history=True)
def _deactivation_ends_sessions(user: User, value, old_value, initiator) -> None:
    if old_value is True and not value:
        user.end_sessions()
