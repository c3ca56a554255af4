"""Business rules of the volunteers area, reachable without HTTP: saving a
volunteer, their weekly availability and dates away, the calendar link, and
the card with its QR code and check page.

What a volunteer is on duty for comes from the roster, which builds on this
area: the roster hands its lookup over when it loads (`set_duty_lookup`), so
that this area does not import it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from wardsite.accounts.models import User, UserRole
from wardsite.admin.models import ResidentialGroup
from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.urls import absolute_url_for

from wardsite.volunteers.models import DateAway, Volunteer, new_calendar_token


def volunteer_for(user) -> Volunteer | None:
    """The volunteer linked to a signed-in account."""
    return db.session.scalar(select(Volunteer).where(Volunteer.user_id == user.id))


def by_card_code(code: str) -> Volunteer | None:
    return db.session.scalar(select(Volunteer).where(Volunteer.card_code == code.strip().upper()[:20]))


def by_calendar_token(token: str) -> Volunteer | None:
    return db.session.scalar(select(Volunteer).where(Volunteer.calendar_token == token))


def everyone() -> list[Volunteer]:
    """Active volunteers first, then by name."""
    return list(db.session.scalars(select(Volunteer).order_by(Volunteer.active.desc(), Volunteer.name)))


def active_volunteers() -> list[Volunteer]:
    return list(db.session.scalars(select(Volunteer).where(Volunteer.active.is_(True)).order_by(Volunteer.name)))


def free_accounts(volunteer: Volunteer | None) -> list[User]:
    """Accounts with the volunteer role not linked to anyone else."""
    taken = set(db.session.scalars(select(Volunteer.user_id).where(Volunteer.user_id.is_not(None))))
    if volunteer is not None and volunteer.user_id:
        taken.discard(volunteer.user_id)
    users = db.session.scalars(select(User).join(UserRole).where(UserRole.role == "volunteer").order_by(User.name))
    return [user for user in users if user.id not in taken]


def save_volunteer(volunteer: Volunteer, *, name: str, phone: str, email: str, branch: str,
                   residential_group: ResidentialGroup | None, skills: list[str], experienced: bool, active: bool,
                   max_shifts_per_week: int, user_id: int | None,
                   max_hours_per_week: int | None = None, max_hours_per_month: int | None = None) -> Volunteer:
    """A new volunteer (without an id yet) or changes to one."""
    new = volunteer.id is None
    volunteer.name = name
    volunteer.phone = phone
    volunteer.email = email
    volunteer.branch = branch
    volunteer.residential_group = residential_group
    volunteer.skills = skills
    volunteer.experienced = experienced
    volunteer.active = active
    volunteer.max_shifts_per_week = max_shifts_per_week
    volunteer.max_hours_per_week = max_hours_per_week
    volunteer.max_hours_per_month = max_hours_per_month
    volunteer.user_id = user_id
    db.session.add(volunteer)
    db.session.flush()
    record_audit("volunteer.created" if new else "volunteer.updated", volunteer, f"{volunteer.name}, active={volunteer.active}")
    return volunteer


def set_availability(volunteer: Volunteer, cells: list[tuple[int, str]]) -> None:
    """The weekly pattern: (weekday, part of the day) cells."""
    volunteer.set_weekly_cells(cells)
    record_audit("volunteer.availability", volunteer, f"{volunteer.name}: {len(cells)} periods a week")


def add_dates_away(volunteer: Volunteer, start: date, end: date, note: str) -> None:
    volunteer.dates_away.append(DateAway(start_date=start, end_date=end, note=note))
    record_audit("volunteer.away_added", volunteer, f"{start:%d/%m/%Y}–{end:%d/%m/%Y}")


def remove_dates_away(volunteer: Volunteer, away: DateAway) -> None:
    volunteer.dates_away.remove(away)
    record_audit("volunteer.away_removed", volunteer, f"{away.start_date:%d/%m/%Y}–{away.end_date:%d/%m/%Y}")


def renew_calendar_link(volunteer: Volunteer) -> None:
    """A new private calendar address; the old one stops working."""
    volunteer.calendar_token = new_calendar_token()
    record_audit("volunteer.calendar_token", volunteer, volunteer.name)


# The card and its check -------------------------------------------------------------


def verification_url(volunteer: Volunteer) -> str:
    return absolute_url_for("volunteers.verify", code=volunteer.card_code)


_duty_lookup: Callable[[Volunteer], list] = lambda volunteer: []


def set_duty_lookup(lookup: Callable[[Volunteer], list]) -> None:
    """The roster's published shifts of a volunteer today."""
    global _duty_lookup
    _duty_lookup = lookup


def on_duty_today(volunteer: Volunteer) -> list:
    return _duty_lookup(volunteer)
