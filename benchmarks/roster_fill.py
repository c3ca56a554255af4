"""Automatic rostering: 300 volunteers, 4 weeks, 60 shifts a week (by default).

    .venv/bin/python benchmarks/roster_fill.py [--seed N] [--volunteers N] [--weeks N] [--scarce] [--time-limit S]
        [--min-rest HOURS] [--max-per-day N]
        [--max-consecutive-days N] [--max-hours-per-week H] [--max-hours-per-month H]

Times `wardsite.roster.rostering.fill` (the solver the leader's button and
`flask roster fill` use) and its peak memory with tracemalloc; the shifts
follow the ward's templates (counter mornings and afternoons, e-stations and
mobile teams at weekends and in the evenings) with 2–4 seats.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wardsite.roster.hard_rules import check_hard_rules  # noqa: E402
from wardsite.roster.rostering import Rules, ShiftSpec, VolunteerSpec, fill  # noqa: E402

PARTS = {"morning": (7, 12), "afternoon": (13, 17), "evening": (18, 21)}


def make_case(seed: int, volunteers: int = 300, weeks: int = 4, shifts_per_week: int = 60, scarce: bool = False):
    """The ward's roster; `scarce`: issue 17's hard case, 8 % experienced
    members, weekly limits of 1–2, and half the volunteers away on some days
    (each of theirs with one chance in five)."""
    rng = random.Random(seed)
    shifts = []
    part_of = {}
    slots = [(day, part) for day in range(7) for part in PARTS]
    for week in range(weeks):
        for n in range(shifts_per_week):
            day, part = slots[n % len(slots)]
            first, last = PARTS[part]
            start = week * 7 * 24 + day * 24 + first + rng.choice([0, 0, 0.5, 1])
            end = min(start + rng.choice([2, 3, 4]), week * 7 * 24 + day * 24 + last + 1)
            kind = "counter" if day < 5 and part != "evening" and n % 3 == 0 else rng.choice(["estation", "mobile"])
            shift = ShiftSpec(len(shifts) + 1, kind, start, end, rng.randint(2, 4), week, station=(kind, n % 4), day=(week, day),
                              ordinal=week * 7 + day, month=week // 2)  # "months" of two weeks, so the monthly limit spans weeks
            shifts.append(shift)
            part_of[shift.id] = (day, part)
    people = []
    for v in range(1, volunteers + 1):
        cells = set(rng.sample(slots, rng.randint(2, 6)))
        away_week = rng.randrange(weeks) if rng.random() < 0.2 else None
        away_days = set()
        if scarce and rng.random() < 0.5:
            away_days = {(w, d) for w in range(weeks) for d in range(7) if rng.random() < 0.2}
        eligible = frozenset(s.id for s in shifts if part_of[s.id] in cells and s.week != away_week and s.day not in away_days)
        if scarce:
            people.append(VolunteerSpec(v, rng.random() < 0.08, rng.choice([1, 2]), eligible))
        else:
            people.append(VolunteerSpec(v, rng.random() < 0.35, rng.choice([1, 1, 2, 2, 3]), eligible))
    return shifts, people


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--volunteers", type=int, default=300)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--scarce", action="store_true", help="8 %% experienced, limits 1-2, half away some days")
    parser.add_argument("--time-limit", type=float, default=None, help="the solver's limit in seconds (ROSTER_SOLVER_SECONDS)")
    parser.add_argument("--min-rest", type=float, default=None, help="hours between shifts (the app's ROSTER_MIN_REST_HOURS)")
    parser.add_argument("--max-per-day", type=int, default=None, help="shifts a day (ROSTER_MAX_SHIFTS_PER_DAY)")
    parser.add_argument("--max-consecutive-days", type=int, default=None, help="days in a row (ROSTER_MAX_CONSECUTIVE_DAYS)")
    parser.add_argument("--max-hours-per-week", type=float, default=None, help="every volunteer's most hours a week")
    parser.add_argument("--max-hours-per-month", type=float, default=None, help="every volunteer's most hours in two weeks")
    args = parser.parse_args()
    shifts, people = make_case(args.seed, volunteers=args.volunteers, weeks=args.weeks, scarce=args.scarce)
    if args.max_hours_per_week is not None or args.max_hours_per_month is not None:
        people = [replace(p, max_hours_per_week=args.max_hours_per_week, max_hours_per_month=args.max_hours_per_month) for p in people]
    rules = Rules(min_rest=args.min_rest, max_per_day=args.max_per_day, max_consecutive_days=args.max_consecutive_days)
    began, began_cpu = time.perf_counter(), time.process_time()
    result = fill(shifts, people, rules=rules, time_limit=args.time_limit)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    # A second run for memory: tracemalloc slows Python down several times.
    tracemalloc.start()
    fill(shifts, people, rules=rules, time_limit=args.time_limit)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    seats = sum(s.seats for s in shifts)
    assert not check_hard_rules(shifts, people, result.assignments, rules=rules)
    print(f"{len(people)} volunteers, {len(shifts)} shifts, {seats} seats")
    print(f"filled {result.filled} seats, {len(result.empty)} shifts with empty seats")
    print(f"bound {result.seat_bound} seats ({'proven optimum' if result.proven else 'best found, not proven best'}); spread {result.spread}")
    print(f"time {elapsed:.2f} s (CPU {cpu:.2f} s: the machine is shared); peak memory {peak / 1e6:.1f} MB (tracemalloc: Python allocations, not HiGHS's own)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident size of the whole process (imports, HiGHS included): {rss:.0f} MB")


if __name__ == "__main__":
    main()
