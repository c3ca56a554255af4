"""A booked home visit (`Visit`), its requested procedures and the team sent.

A visit holds one seat: the slot `slot_start` of a mobile-team shift. The seat
is claimed by `seat = 1` under UNIQUE(shift_id, slot_start, seat); releasing it
(cancel, erase) sets `seat` to NULL, and NULLs never collide, so the database
itself refuses a second active booking of the same team and slot, on SQLite
and PostgreSQL alike, however many requests race.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardsite.accounts.models import User
from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db
from wardsite.procedures.models import Procedure
from wardsite.roster.models import Shift
from wardsite.timeutil import UTCDateTime, to_local, utcnow
from wardsite.volunteers.models import Volunteer

# Received but not yet holding its time: more new phone numbers booked from one
# address in a day than VISIT_NEW_PHONES_PER_ADDRESS. A leader phones the
# resident and confirms it, which claims the seat if it is still free.
TO_CHECK = "to_check"
REQUESTED = "requested"
CONFIRMED = "confirmed"
DONE = "done"
NO_SHOW = "no_show"
CANCELLED = "cancelled"

STATUSES = {
    TO_CHECK: _l("To check by phone"),
    REQUESTED: _l("Requested"),
    CONFIRMED: _l("Confirmed"),
    DONE: _l("Done"),
    NO_SHOW: _l("Nobody at home"),
    CANCELLED: _l("Cancelled"),
}
ACTIVE = (TO_CHECK, REQUESTED, CONFIRMED)

# No 0/O, 1/I/L: the code is read aloud on the phone and typed by elderly people.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_booking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def clean_code(raw: str | None) -> str:
    """What a resident typed, as a code: upper case, no spaces or dashes."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


visit_procedure = Table(
    "visit_procedure",
    db.metadata,
    Column("visit_id", ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True),
    Column("procedure_id", ForeignKey(f"{Procedure.__tablename__}.id", ondelete="CASCADE"), primary_key=True),
    info={"page_cache": "visits"},
)

visit_procedure_done = Table(
    "visit_procedure_done",
    db.metadata,
    Column("visit_id", ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True),
    Column("procedure_id", ForeignKey(f"{Procedure.__tablename__}.id", ondelete="CASCADE"), primary_key=True),
    info={"page_cache": "visits"},
)

# The team the leader sends, when it differs from the shift's rostered team.
visit_team_member = Table(
    "visit_team_member",
    db.metadata,
    Column("visit_id", ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True),
    Column("volunteer_id", ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True),
    info={"page_cache": "visits"},
)


# What the ward did to a visit behind the resident's back, told on their booking page.
TEAM_CHANGED = "team_changed"  # the roster changed the team
MOVED = "moved"  # the team's shift was cancelled; another team at the same time takes the visit
CANCELLED_BY_WARD = "cancelled_by_ward"  # the shift was cancelled and no other team was free


class VisitNotice(db.Model):
    """A change the ward made to a booking, for the resident's lookup page
    (residents have no e-mail address, so the page is where they learn it)."""

    __tablename__ = "visit_notice"
    __table_args__ = {"info": {"page_cache": None}}  # no public page shows it

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Visit(db.Model):
    __tablename__ = "visit"
    __table_args__ = (
        UniqueConstraint("shift_id", "slot_start", "seat", name="uq_visit_seat"),
        Index("ix_visit_slot_start", "slot_start"),
        Index("ix_visit_phone", "phone"),
        {"info": {"page_cache": "visits"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True, default=new_booking_code)
    status: Mapped[str] = mapped_column(String(20), default=REQUESTED)

    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shift.id", ondelete="SET NULL"))
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime)
    slot_end: Mapped[datetime] = mapped_column(UTCDateTime)
    seat: Mapped[int | None] = mapped_column(Integer, default=1)

    # Personal data: erased by `purge` after the retention period.
    full_name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str | None] = mapped_column(String(15))
    address: Mapped[str] = mapped_column(String(300), default="")
    help_needed: Mapped[str] = mapped_column(Text, default="")
    residential_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("residential_group.id", ondelete="SET NULL")
    )
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How the resident asked to be told: "zalo", "sms", or "none" (only by
    # looking the booking up); "none" again once they stop messages.
    notify_by: Mapped[str] = mapped_column(String(10), default="none", server_default="none")
    # A double click or a resubmitted page carries the same token: one booking.
    form_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # done, no-show or cancelled
    cancelled_by_resident: Mapped[bool] = mapped_column(default=False)

    # The outcome: anonymous figures kept for the ward's statistics.
    people_guided: Mapped[int | None] = mapped_column(Integer)
    dossiers_filed: Mapped[int | None] = mapped_column(Integer)
    dossier_codes: Mapped[str] = mapped_column(Text, default="")
    outcome_note: Mapped[str] = mapped_column(Text, default="")

    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    shift: Mapped[Shift | None] = relationship()
    residential_group: Mapped[ResidentialGroup | None] = relationship()
    booked_by: Mapped[User | None] = relationship()
    procedures: Mapped[list[Procedure]] = relationship(secondary=visit_procedure, order_by=Procedure.id)
    procedures_done: Mapped[list[Procedure]] = relationship(secondary=visit_procedure_done, order_by=Procedure.id)
    chosen_team: Mapped[list[Volunteer]] = relationship(secondary=visit_team_member, order_by=Volunteer.name)
    notices: Mapped[list[VisitNotice]] = relationship(order_by=VisitNotice.id, cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.code

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def to_check(self) -> bool:
        """Received, not yet holding its time (see TO_CHECK)."""
        return self.status == TO_CHECK

    @property
    def upcoming(self) -> bool:
        return self.slot_start > utcnow()

    @property
    def has_started(self) -> bool:
        """Its slot has begun: only then can the team say how it went."""
        return not self.upcoming

    @property
    def team(self) -> list[Volunteer]:
        """The leader's choice, else whoever is rostered on the shift."""
        if self.chosen_team:
            return list(self.chosen_team)
        if self.shift is None or self.shift.cancelled:
            return []
        return [assignment.volunteer for assignment in self.shift.assignments]

    @property
    def personal_data_erased(self) -> bool:
        return self.purged_at is not None

    # Transitions ---------------------------------------------------------------

    def release_seat(self) -> None:
        self.seat = None

    def confirm(self) -> None:
        self.status = CONFIRMED
        self.confirmed_at = utcnow()

    def cancel(self, by_resident: bool = False) -> None:
        self.status = CANCELLED
        self.closed_at = utcnow()
        self.cancelled_by_resident = by_resident
        self.release_seat()

    def mark_no_show(self) -> None:
        self.status = NO_SHOW
        self.closed_at = utcnow()

    def record_outcome(self, people_guided: int, dossiers_filed: int, dossier_codes: str, note: str, procedures) -> None:
        self.status = DONE
        self.closed_at = self.closed_at or utcnow()
        self.people_guided = people_guided
        self.dossiers_filed = dossiers_filed
        self.dossier_codes = dossier_codes
        self.outcome_note = note
        self.procedures_done = list(procedures)

    def erase_personal_data(self) -> None:
        """Keep the anonymous figures (when, where, what, how many), drop the
        person, here and in the messages sent or queued to them."""
        from wardsite import mail

        if self.phone and self.id is not None:
            mail.erase_recipient(self.phone, mail.resident_key(self.id))
            mail.erase_recipient(self.phone, "phone-code:")  # its one-time codes
        self.notify_by = "none"
        self.full_name = ""
        self.phone = None
        self.address = ""
        self.help_needed = ""
        self.dossier_codes = ""
        self.outcome_note = ""
        self.rating_comment = ""
        self.form_token = None
        self.purged_at = utcnow()

    # Object rules --------------------------------------------------------------

    def can_change_by_resident(self) -> bool:
        """Cancel or move: only while it is still ahead and active."""
        return self.active and self.upcoming and not self.personal_data_erased

    def can_rate(self) -> bool:
        return self.status == DONE and self.rating is None and not self.personal_data_erased

    def can_confirm(self, user) -> bool:
        return user.is_authenticated and user.has_role("leader") and self.status in (TO_CHECK, REQUESTED)

    def can_record_outcome(self, user) -> bool:
        """Who may record how it went, and in which states; `has_started`
        says when (the leader is told why, rather than refused)."""
        return user.is_authenticated and user.has_role("leader") and self.status in (REQUESTED, CONFIRMED, DONE) \
            and not self.personal_data_erased

    def can_change_team(self, user) -> bool:
        return user.is_authenticated and user.has_role("leader") and self.active

    def can_cancel(self, user) -> bool:
        return user.is_authenticated and user.has_role("leader") and self.active


class WaitingEntry(db.Model):
    """A resident who found no free time and asked to be called back: name,
    phone, residential group and the days and times that suit them, with
    their consent. Leaders see the list and call in order; an entry is deleted
    once the leader has called (its purpose is done), or by `purge` after
    VISIT_WAITING_DAYS."""

    __tablename__ = "visit_waiting_entry"
    __table_args__ = (Index("ix_visit_waiting_entry_created_at", "created_at"), {"info": {"page_cache": "visits"}})  # the booking form offers it

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(15))
    residential_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("residential_group.id", ondelete="SET NULL")
    )
    suitable_times: Mapped[str] = mapped_column(String(300), default="")
    # What decides which freed seats are offered: weekdays "0".."6" (Monday
    # first) and parts of the day (see DAY_PARTS), comma-separated; empty: any.
    weekdays: Mapped[str] = mapped_column(String(20), default="")
    day_parts: Mapped[str] = mapped_column(String(40), default="")
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The same form sent twice is one entry.
    form_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The resident's code, with their phone number, opens an offered seat.
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True, default=new_booking_code)

    residential_group: Mapped[ResidentialGroup | None] = relationship()
    offers: Mapped[list[WaitingOffer]] = relationship(
        back_populates="entry", order_by="WaitingOffer.id", cascade="all, delete-orphan", passive_deletes=True,
    )

    def weekday_set(self) -> set[int]:
        return {int(day) for day in self.weekdays.split(",") if day.isdigit()}

    def day_part_set(self) -> set[str]:
        return {part for part in self.day_parts.split(",") if part in DAY_PARTS}

    def suits(self, moment: datetime) -> bool:
        """Whether a slot starting at `moment` (UTC) is on a day and at a time the resident said suit them."""
        local = to_local(moment)
        days, parts = self.weekday_set(), self.day_part_set()
        return (not days or local.weekday() in days) and (not parts or day_part(local) in parts)

    @property
    def open_offer(self) -> WaitingOffer | None:
        return next((offer for offer in self.offers if offer.is_open), None)


# Parts of the day a resident may say suit them, by the slot's local start hour.
DAY_PARTS = {"morning": (0, 12), "afternoon": (12, 17), "evening": (17, 24)}


def day_part(local: datetime) -> str:
    return next(name for name, (first, last) in DAY_PARTS.items() if first <= local.hour < last)


# An offer's states: OFFERED holds the seat until `expires_at`.
OFFERED = "offered"
ACCEPTED = "accepted"
DECLINED = "declined"
EXPIRED = "expired"


class WaitingOffer(db.Model):
    """A freed seat offered to a resident on the waiting list, held for them
    until `expires_at` (VISIT_OFFER_HOLD_HOURS).

    Two constraints decide every race, as the visit's seat does:
    UNIQUE(shift_id, slot_start, seat) gives a seat to one open offer at most,
    and UNIQUE(entry_id, pending) gives a resident one open offer at most;
    closing an offer (accepted, declined, expired) sets both to NULL, and
    NULLs never collide. Against bookings, both sides take the seat's lock
    row (`locks.lock_seat`) and look at the other table under it, so a
    seat is never both offered and booked."""

    __tablename__ = "visit_waiting_offer"
    __table_args__ = (
        UniqueConstraint("shift_id", "slot_start", "seat", name="uq_visit_waiting_offer_seat"),
        UniqueConstraint("entry_id", "pending", name="uq_visit_waiting_offer_pending"),
        {"info": {"page_cache": "visits"}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("visit_waiting_entry.id", ondelete="CASCADE"), index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shift.id", ondelete="SET NULL"))
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime)
    slot_end: Mapped[datetime] = mapped_column(UTCDateTime)
    seat: Mapped[int | None] = mapped_column(Integer, default=1)
    pending: Mapped[int | None] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default=OFFERED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    entry: Mapped[WaitingEntry] = relationship(back_populates="offers")

    @property
    def is_open(self) -> bool:
        return self.status == OFFERED and self.expires_at > utcnow()

    def close(self, status: str) -> None:
        self.status = status
        self.seat = None
        self.pending = None
        self.closed_at = utcnow()


class PhoneGuard(db.Model):
    """One row per phone number that has booked, keyed by an HMAC of the
    normalised number (never the number itself). A booking takes this row's
    lock (an UPDATE: a row lock on PostgreSQL, the write lock on SQLite)
    before it counts the phone's active bookings, so that bookings sent at
    once with one phone are counted one after the other and the limit
    VISIT_MAX_ACTIVE_PER_PHONE holds. `purge` deletes the rows not touched
    for VISIT_RETENTION_DAYS."""

    __tablename__ = "visit_phone_guard"
    __table_args__ = {"info": {"page_cache": None}}  # no public page shows it

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PhoneCode(db.Model):
    """A one-time code sent to a phone number new to the ward before its
    booking is held (visits/phone_codes.py). Keyed by the phone's HMAC, as
    `PhoneGuard`, never the number; the code itself is kept only as an HMAC
    with the site's secret. One code per phone is open at a time (`closed_at`
    empty): a new one closes the one before. `verified_at`: the right code was
    typed, and the number is known to the ward from then on, until `purge`
    deletes the row after VISIT_RETENTION_DAYS."""

    __tablename__ = "visit_phone_code"
    __table_args__ = (Index("ix_visit_phone_code_phone_key", "phone_key"), {"info": {"page_cache": None}})  # no public page shows it

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_key: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
