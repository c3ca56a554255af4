"""What the solver (`rostering`) and the independent check of its hard
rules (`hard_rules`) both speak of: shifts, volunteers and the rules'
settings without the database, and the plain tests of a rule on two shifts."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

# Shifts where nobody new may be sent without an experienced member; the
# one definition, for the solver and the hand-made assignments alike.
NEEDS_EXPERIENCED = frozenset({"estation", "mobile"})

NOBODY_AVAILABLE = "nobody_available"
AT_LIMIT = "at_limit"
NO_EXPERIENCED = "no_experienced"


@dataclass(frozen=True)
class ShiftSpec:
    id: int
    kind: str
    start: object  # anything ordered: datetimes in the app, numbers in tests
    end: object
    seats: int
    week: Hashable
    station: Hashable = None  # what station variety counts: a station, or the kind for mobile teams
    day: Hashable = None  # what the daily limit counts in (the ward's date); None: a day of its own
    required_skill: str = ""  # a skill every volunteer on the shift must have; "" for none
    month: Hashable = None  # what the monthly hours count in; None: the monthly limit does not see the shift
    ordinal: int | None = None  # the day's number (consecutive days differ by 1); None: `day`'s toordinal() if a date
    weekday: int | None = None  # 0 Monday … 6 Sunday, for day preferences; None: `day`'s weekday() if a date


@dataclass(frozen=True)
class VolunteerSpec:
    id: int
    experienced: bool
    max_per_week: int
    eligible: frozenset  # ids of the shifts inside availability and not on a date away
    skills: frozenset = frozenset()
    max_hours_per_week: float | None = None  # None: no limit in hours
    max_hours_per_month: float | None = None
    preferred_days: frozenset = frozenset()  # weekdays (0 Monday … 6 Sunday) the volunteer would rather serve
    avoided_days: frozenset = frozenset()  # weekdays they would rather not; both soft


@dataclass(frozen=True)
class Rules:
    """Hard rules with a setting. `min_rest` is in the units of a shift's
    end minus start (a timedelta in the app, a number in tests); None or 0:
    only overlaps are forbidden. `max_per_day` None: no daily limit.
    `max_consecutive_days` None or 0: a volunteer may work any number of
    days in a row; N: never on N + 1 consecutive days."""

    min_rest: object = None
    max_per_day: int | None = None
    max_consecutive_days: int | None = None


@dataclass
class RosterResult:
    assignments: set[tuple[int, int]]  # (volunteer id, shift id), pinned ones included
    empty: dict[int, tuple[int, str]] = field(default_factory=dict)  # shift id → (empty seats, reason)
    # False when the solver stopped at its time limit: the best roster found,
    # not proven the best.
    proven: bool = True
    seat_bound: int | None = None  # the most seats proven possible (= filled when proven)
    spread: int = 0  # most minus least loaded, see `rostering.spread_of`

    @property
    def filled(self) -> int:
        return len(self.assignments)


def overlaps(a: ShiftSpec, b: ShiftSpec) -> bool:
    return a.start < b.end and b.start < a.end


def too_close(a: ShiftSpec, b: ShiftSpec, rest=None) -> bool:
    """Overlapping, or with less than `rest` between one's end and the other's start."""
    if not rest:
        return overlaps(a, b)
    return a.start < b.end + rest and b.start < a.end + rest


def day_of(shift: ShiftSpec) -> Hashable:
    return shift.day if shift.day is not None else ("shift", shift.id)


def weekday_of(shift: ShiftSpec) -> int | None:
    if shift.weekday is not None:
        return shift.weekday
    return shift.day.weekday() if hasattr(shift.day, "weekday") else None


def has_skill(volunteer: VolunteerSpec, shift: ShiftSpec) -> bool:
    return not shift.required_skill or shift.required_skill in volunteer.skills


def day_number(shift: ShiftSpec) -> int | None:
    """The number of the shift's day for the consecutive-days rule; None: the
    rule does not see the shift."""
    if shift.ordinal is not None:
        return shift.ordinal
    return shift.day.toordinal() if hasattr(shift.day, "toordinal") else None


def longest_run(days: set[int], around: int) -> int:
    """How many consecutive days `days` holds through `around` (counted in)."""
    before = 0
    while around - before - 1 in days:
        before += 1
    after = 0
    while around + after + 1 in days:
        after += 1
    return before + 1 + after


# Sums of hours are compared with this much room, so 3 × 2.8 h fit in 8.4 h.
HOURS_SLACK = 1e-6


def hours_of(shift: ShiftSpec) -> float:
    """The shift's length in hours (a timedelta in the app, a number in tests)."""
    length = shift.end - shift.start
    return length.total_seconds() / 3600 if hasattr(length, "total_seconds") else float(length)
