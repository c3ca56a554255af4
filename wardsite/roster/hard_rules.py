"""The independent check of the roster's hard rules (see `rostering`'s
docstring): written apart from the solver, pair by pair, with none of its
indexes, so that the property tests and the benchmark check the solver
against it."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from wardsite.roster.specs import NEEDS_EXPERIENCED, Rules, ShiftSpec, VolunteerSpec, day_number, hours_of, HOURS_SLACK


def check_hard_rules(
    shifts: Iterable[ShiftSpec], volunteers: Iterable[VolunteerSpec], assignments: Iterable[tuple[int, int]],
    pinned: Iterable[tuple[int, int]] = (),
    ignore_experienced: bool = False,
    ignore_experienced_for: Iterable[int] = (),
    rules: Rules | None = None,
) -> list[str]:
    """Every broken hard rule, in words; empty when the roster is sound.
    Pinned pairs are exempt from eligibility and the required skill (a
    leader may override them), and the experienced rule is not checked for
    the shifts in `ignore_experienced_for` (or at all with
    `ignore_experienced`)."""
    rules = rules or Rules()
    exempt = set(ignore_experienced_for)
    shifts = {shift.id: shift for shift in shifts}
    volunteers = {volunteer.id: volunteer for volunteer in volunteers}
    pinned = set(pinned)
    problems = []
    by_volunteer: dict[int, list[ShiftSpec]] = defaultdict(list)
    by_shift: dict[int, list[int]] = defaultdict(list)
    for volunteer_id, shift_id in assignments:
        by_volunteer[volunteer_id].append(shifts[shift_id])
        by_shift[shift_id].append(volunteer_id)
        if (volunteer_id, shift_id) not in pinned and shift_id not in volunteers[volunteer_id].eligible:
            problems.append(f"volunteer {volunteer_id} is not available for shift {shift_id}")
        skill = shifts[shift_id].required_skill
        if (volunteer_id, shift_id) not in pinned and skill and skill not in volunteers[volunteer_id].skills:
            problems.append(f"volunteer {volunteer_id} lacks the skill {skill} of shift {shift_id}")
    for volunteer_id, mine in by_volunteer.items():
        for i, a in enumerate(mine):
            for b in mine[i + 1:]:
                if a.start < b.end and b.start < a.end:
                    problems.append(f"volunteer {volunteer_id} is in overlapping shifts {a.id} and {b.id}")
                elif rules.min_rest:
                    first, second = (a, b) if a.start <= b.start else (b, a)
                    if second.start - first.end < rules.min_rest:
                        problems.append(f"volunteer {volunteer_id} has too little rest between shifts {first.id} and {second.id}")
        for week, count in Counter(s.week for s in mine).items():
            if count > volunteers[volunteer_id].max_per_week:
                problems.append(f"volunteer {volunteer_id} has {count} shifts in week {week}")
        volunteer = volunteers[volunteer_id]
        for limit, key, what in ((volunteer.max_hours_per_week, "week", "week"), (volunteer.max_hours_per_month, "month", "month")):
            if limit is None:
                continue
            totals: dict = defaultdict(float)
            for s in mine:
                if getattr(s, key) is not None:
                    totals[getattr(s, key)] += hours_of(s)
            for period, total in totals.items():
                if total > limit + HOURS_SLACK:
                    problems.append(f"volunteer {volunteer_id} has {total:g} hours in {what} {period}, above {limit:g}")
        if rules.max_per_day is not None:
            for day, count in Counter(s.day for s in mine if s.day is not None).items():
                if count > rules.max_per_day:
                    problems.append(f"volunteer {volunteer_id} has {count} shifts on day {day}")
        if rules.max_consecutive_days:
            # Written apart from the solver: walk the sorted days, counting runs.
            days = sorted({n for n in (day_number(s) for s in mine) if n is not None})
            run = 0
            for i, n in enumerate(days):
                run = run + 1 if i and n == days[i - 1] + 1 else 1
                if run == rules.max_consecutive_days + 1:
                    problems.append(f"volunteer {volunteer_id} works more than {rules.max_consecutive_days} days in a row, up to day {n}")
    for shift_id, members in by_shift.items():
        shift = shifts[shift_id]
        if len(members) > shift.seats:
            problems.append(f"shift {shift_id} has more people than seats")
        if ignore_experienced or shift_id in exempt:
            continue
        if shift.kind in NEEDS_EXPERIENCED and not any(volunteers[v].experienced for v in members):
            problems.append(f"shift {shift_id} has nobody experienced")
    return problems
