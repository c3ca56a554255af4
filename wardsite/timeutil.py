"""Time: stored in UTC, shown in the ward's time zone as dd/mm/yyyy HH:MM."""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

WARD_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_now() -> datetime:
    return utcnow().astimezone(WARD_TZ)


def local_today() -> date:
    return local_now().date()


def to_local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(WARD_TZ)


def from_local(moment: datetime) -> datetime:
    """A naive wall-clock time in the ward, as an aware UTC datetime."""
    return moment.replace(tzinfo=WARD_TZ).astimezone(timezone.utc)


def format_datetime(moment: datetime | None) -> str:
    return "" if moment is None else to_local(moment).strftime("%d/%m/%Y %H:%M")


def machine_datetime(moment: datetime | None) -> str:
    """For `<time datetime>`: the ward's time with its offset, to the second
    (HTML allows no microseconds), e.g. 2026-12-05T08:30:00+07:00."""
    return "" if moment is None else to_local(moment).replace(microsecond=0).isoformat()


def format_date(day: date | datetime | None) -> str:
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = to_local(day).date()
    return day.strftime("%d/%m/%Y")


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as naive UTC, the same on SQLite and PostgreSQL.

    SQLite keeps no time zone, so every value is converted to UTC on the way in
    and marked as UTC on the way out; a naive value is refused rather than guessed.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)
