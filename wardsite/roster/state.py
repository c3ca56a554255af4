"""The solver's roster as it grows: assignments with the indexes its hard
rules need (`rostering`'s docstring lists them), and whether a volunteer
may still take a shift."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable

from wardsite.roster.specs import (
    HOURS_SLACK,
    Rules,
    ShiftSpec,
    VolunteerSpec,
    day_number,
    day_of,
    has_skill,
    hours_of,
    longest_run,
    too_close,
)


class State:
    """Assignments with the indexes the rules need."""

    def __init__(self, shifts: dict[int, ShiftSpec], volunteers: dict[int, VolunteerSpec], pairs: Iterable,
                 rules: Rules | None = None):
        self.shifts = shifts
        self.volunteers = volunteers
        self.rules = rules or Rules()
        self.by_volunteer: dict[int, set[int]] = defaultdict(set)
        self.by_shift: dict[int, set[int]] = defaultdict(set)
        self.week_count: Counter = Counter()
        self.day_count: Counter = Counter()
        self.days_worked: dict[int, Counter] = defaultdict(Counter)  # volunteer → day number → shifts
        self.hours: defaultdict = defaultdict(float)  # (volunteer, "week" or "month", period) → hours
        for volunteer_id, shift_id in pairs:
            self.add(volunteer_id, shift_id)

    def add(self, volunteer_id: int, shift_id: int) -> None:
        self.by_volunteer[volunteer_id].add(shift_id)
        self.by_shift[shift_id].add(volunteer_id)
        self.week_count[volunteer_id, self.shifts[shift_id].week] += 1
        self.day_count[volunteer_id, day_of(self.shifts[shift_id])] += 1
        self._count_hours(volunteer_id, shift_id, 1)
        number = day_number(self.shifts[shift_id])
        if number is not None:
            self.days_worked[volunteer_id][number] += 1

    def remove(self, volunteer_id: int, shift_id: int) -> None:
        self.by_volunteer[volunteer_id].discard(shift_id)
        self.by_shift[shift_id].discard(volunteer_id)
        self.week_count[volunteer_id, self.shifts[shift_id].week] -= 1
        self.day_count[volunteer_id, day_of(self.shifts[shift_id])] -= 1
        self._count_hours(volunteer_id, shift_id, -1)
        number = day_number(self.shifts[shift_id])
        if number is not None:
            self.days_worked[volunteer_id][number] -= 1
            if not self.days_worked[volunteer_id][number]:
                del self.days_worked[volunteer_id][number]

    def _count_hours(self, volunteer_id: int, shift_id: int, sign: int) -> None:
        shift = self.shifts[shift_id]
        self.hours[volunteer_id, "week", shift.week] += sign * hours_of(shift)
        if shift.month is not None:
            self.hours[volunteer_id, "month", shift.month] += sign * hours_of(shift)

    def hours_left(self, volunteer_id: int, shift: ShiftSpec) -> list[tuple[str, Hashable, float]]:
        """("week" or "month", period, hours still allowed) for each hours limit
        of the volunteer that sees `shift`."""
        volunteer = self.volunteers[volunteer_id]
        left = []
        if volunteer.max_hours_per_week is not None:
            left.append(("week", shift.week, volunteer.max_hours_per_week - self.hours[volunteer_id, "week", shift.week]))
        if volunteer.max_hours_per_month is not None and shift.month is not None:
            left.append(("month", shift.month, volunteer.max_hours_per_month - self.hours[volunteer_id, "month", shift.month]))
        return left

    def worked_days(self, volunteer_id: int, ignoring: int | None = None) -> set[int]:
        days = set(self.days_worked[volunteer_id])
        if ignoring is not None and ignoring in self.by_volunteer[volunteer_id]:
            number = day_number(self.shifts[ignoring])
            if number is not None and self.days_worked[volunteer_id][number] == 1:
                days.discard(number)
        return days

    def load(self, volunteer_id: int) -> int:
        return len(self.by_volunteer[volunteer_id])

    def free_for(self, volunteer_id: int, shift_id: int, ignoring: int | None = None) -> bool:
        """Eligible with the skill, not already there, no overlap and enough
        rest, under the weekly and daily limits."""
        volunteer = self.volunteers[volunteer_id]
        shift = self.shifts[shift_id]
        if shift_id not in volunteer.eligible or volunteer_id in self.by_shift[shift_id] or not has_skill(volunteer, shift):
            return False
        if self.week_count[volunteer_id, shift.week] >= volunteer.max_per_week:
            return False
        if self.rules.max_per_day is not None and self.day_count[volunteer_id, day_of(shift)] >= self.rules.max_per_day:
            return False
        if any(hours_of(shift) > left + HOURS_SLACK for _k, _p, left in self.hours_left(volunteer_id, shift)):
            return False
        limit = self.rules.max_consecutive_days
        number = day_number(shift)
        if limit and number is not None and longest_run(self.worked_days(volunteer_id, ignoring), number) > limit:
            return False
        rest = self.rules.min_rest
        return not any(
            other != ignoring and too_close(shift, self.shifts[other], rest) for other in self.by_volunteer[volunteer_id]
        )

    def has_experienced(self, shift_id: int, without: int | None = None) -> bool:
        return any(v != without and self.volunteers[v].experienced for v in self.by_shift[shift_id])

    def pairs(self) -> set[tuple[int, int]]:
        return {(v, s) for v, shift_ids in self.by_volunteer.items() for s in shift_ids}
