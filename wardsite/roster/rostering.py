"""Automatic rostering, without the database: who goes to which shift.

Hard rules, never broken by what this module adds:
- a volunteer only goes to shifts they are eligible for (inside their weekly
  availability, not on a date away: the caller decides, see `eligible`);
- a shift that requires a skill takes only volunteers who have it;
- never two overlapping shifts for one volunteer, and with `Rules.min_rest`
  at least that long between the end of one and the start of the next;
- at most `max_per_week` shifts a week for each volunteer, and at most
  `max_hours_per_week` and `max_hours_per_month` hours when they are set; with
  `Rules.max_per_day` at most that many on one day, and with
  `Rules.max_consecutive_days` N never shifts on N + 1 consecutive days;
- a staffed shift of a kind in NEEDS_EXPERIENCED has an experienced member.

The rules are eligibility: they decide which (volunteer, shift) columns the
integer program has and which rows bound them (rest is an overlap of shifts
stretched by the rest; the daily limit a row per volunteer and day; the
consecutive days a 0/1 "works that day" column per volunteer and day, like
the experienced switches, and a row per run of N + 1 days).

The whole run is one program, all its weeks together: a Sunday-night shift
that overlaps Monday's, days in a row and a month's hours across a week's
edge, and the loads that fairness compares all reach across weeks.

Goals, in order (lexicographic: each solved with the ones before held at
their optimum):
1. as many seats filled as the hard rules allow;
2. fairness. A volunteer's load is their number of seats among the shifts
   given (pinned ones included); the counted volunteers are those eligible
   (in `eligible`, with the skill) for at least one of the shifts, and the
   spread is the most minus the least load among them (`spread_of`). With
   the seats held: (a) the least possible maximum load, (b) then the most
   possible minimum load, so the least spread that maximum allows, (c) then
   the least sum of squared loads. Loads are 0/1 "one seat more" steps per
   volunteer, so (a) and (b) bound the steps (found by bisection over whole
   numbers) and (c) costs each step 2k - 1: all linear. At the optimum no
   seat can move to a volunteer with two shifts fewer;
3. volunteers' preferred and avoided weekdays (soft: a seat or fairness is
   never given up for them), and, below that, keeping what the previous run
   decided (a rerun changes nothing it need not);
4. station variety, by exchanges after the program: two volunteers swap
   shifts in a week when both go where they have served less, over past
   weeks and this roster. Exchanges keep every load and never worsen a day
   preference, nor touch a kept pair, so they undo none of the above.

Each goal's linear relaxation is solved first: these rosters are close to
network flows, so its optimum is usually integral and then proven. Otherwise
HiGHS's branch and bound finishes the goal, from the best roster so far.
With `time_limit`, a goal stopped at the limit keeps the best roster found,
and `RosterResult.proven` is False: the best found, not proven the best.

Pinned assignments (made by hand) are never moved and count towards every rule.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable

from wardsite.roster.specs import (  # noqa: F401 (the solver's vocabulary, named here for its callers)
    AT_LIMIT,
    NEEDS_EXPERIENCED,
    NO_EXPERIENCED,
    NOBODY_AVAILABLE,
    RosterResult,
    Rules,
    ShiftSpec,
    VolunteerSpec,
    HOURS_SLACK,
    day_number,
    day_of,
    has_skill,
    hours_of,
    overlaps,
    too_close,
    weekday_of,
)
from wardsite.roster.program import Program as _Program, day_cost as _day_cost
from wardsite.roster.state import State as _State

def fill(
    shifts: Iterable[ShiftSpec],
    volunteers: Iterable[VolunteerSpec],
    pinned: Iterable[tuple[int, int]] = (),
    previous: Iterable[tuple[int, int]] = (),
    history: dict[int, Counter] | None = None,
    rules: Rules | None = None,
    time_limit: float | None = None,
) -> RosterResult:
    """Fill the shifts. `pinned` pairs stay as they are; `previous` pairs (the
    last run's) are kept where that costs no seat and no fairness; `history`
    counts each volunteer's earlier shifts per station, for station variety;
    `rules` the rest and daily limit; `time_limit` the seconds the integer
    program may take (None: until proven)."""
    rules = rules or Rules()
    shifts = {shift.id: shift for shift in shifts}
    volunteers = {volunteer.id: volunteer for volunteer in volunteers}
    pinned = {(v, s) for v, s in pinned if s in shifts}
    previous = {(v, s) for v, s in previous if s in shifts and v in volunteers} - pinned
    history = {v: Counter(counts) for v, counts in (history or {}).items()}
    state = _State(shifts, volunteers, ((v, s) for v, s in pinned), rules)

    weeks: dict[Hashable, list[ShiftSpec]] = defaultdict(list)
    for shift in sorted(shifts.values(), key=lambda s: (s.start, s.id)):
        weeks[shift.week].append(shift)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    program = _Program(sorted(shifts.values(), key=lambda s: (s.start, s.id)), state, previous)
    chosen, proven, bound = program.solve(deadline)
    for volunteer_id, shift_id in chosen:
        state.add(volunteer_id, shift_id)

    # Stopped at the time limit, the one-seat moves still even out what they
    # can; a proven optimum has no such move left (each would lower the sum
    # of squared loads). Exchanges for station variety keep every load and
    # day preference, and never move what the previous run decided.
    if not proven:
        _spread(state, pinned)
    while _vary_stations(state, pinned | previous, history, weeks):
        if not proven:
            _spread(state, pinned)
    return RosterResult(
        state.pairs(), explain_empty(shifts.values(), volunteers.values(), state.pairs(), rules),
        proven=proven, seat_bound=len(pinned) + bound if bound is not None else None,
        spread=spread_of(shifts.values(), volunteers.values(), state.pairs()),
    )


def spread_of(shifts: Iterable[ShiftSpec], volunteers: Iterable[VolunteerSpec],
              assignments: Iterable[tuple[int, int]]) -> int:
    """The most loaded minus the least loaded volunteer, among those eligible
    (in `eligible`, with the skill) for at least one of the shifts; a load
    is the number of the volunteer's seats among the shifts, pinned ones
    included. 0 when nobody is eligible."""
    shifts = {shift.id: shift for shift in shifts}
    loads = Counter(v for v, s in assignments if s in shifts)
    counted = [
        loads[v.id] for v in volunteers
        if any(s in shifts and has_skill(v, shifts[s]) for s in v.eligible)
    ]
    return max(counted) - min(counted) if counted else 0


def _spread(state: _State, pinned: set) -> None:
    """Move seats from heavily to lightly loaded volunteers while a move is legal
    and the difference is two or more. Each move lowers the sum of squared
    loads, so this ends."""
    candidates: dict[int, list[int]] = defaultdict(list)
    for volunteer in state.volunteers.values():
        for shift_id in volunteer.eligible:
            if shift_id in state.shifts:
                candidates[shift_id].append(volunteer.id)
    moved_any = False
    moved = True
    while moved:
        moved = False
        for volunteer_id, shift_id in sorted(state.pairs(), key=lambda p: (-state.load(p[0]), p)):
            if (volunteer_id, shift_id) in pinned:
                continue
            load = state.load(volunteer_id)
            keeps_experienced = (
                state.shifts[shift_id].kind not in NEEDS_EXPERIENCED
                or not state.volunteers[volunteer_id].experienced
                or state.has_experienced(shift_id, without=volunteer_id)
            )
            for other in sorted(candidates[shift_id], key=lambda v: (state.load(v), v)):
                if state.load(other) > load - 2:
                    break
                if not keeps_experienced and not state.volunteers[other].experienced:
                    continue
                if _day_cost(state.volunteers[other], state.shifts[shift_id]) > _day_cost(state.volunteers[volunteer_id], state.shifts[shift_id]):
                    continue  # never against a day preference
                if state.free_for(other, shift_id):
                    state.remove(volunteer_id, shift_id)
                    state.add(other, shift_id)
                    moved = moved_any = True
                    break
    return moved_any


def _vary_stations(state: _State, fixed: set, history: dict, weeks: dict) -> bool:
    """Exchange two volunteers' shifts in a week when both may take the other's
    and they end up at stations they have served less (counting the history
    and this roster, the sum over volunteers and stations of count² drops).
    Loads do not change. True if anything was exchanged."""
    served: dict[int, Counter] = defaultdict(Counter)
    for volunteer_id, counts in history.items():
        served[volunteer_id].update(counts)
    for volunteer_id, shift_id in state.pairs():
        served[volunteer_id][state.shifts[shift_id].station] += 1

    def gain(volunteer_id: int, away: Hashable, to: Hashable) -> int:
        if away == to:
            return 0
        counts = served[volunteer_id]
        return 2 * (counts[to] - counts[away] + 1)

    def may_take(volunteer_id: int, shift_id: int) -> bool:
        """Once both have left their shifts."""
        if not state.free_for(volunteer_id, shift_id):
            return False
        shift = state.shifts[shift_id]
        if shift.kind not in NEEDS_EXPERIENCED or state.volunteers[volunteer_id].experienced:
            return True
        return state.has_experienced(shift_id)

    swapped = False
    for week_shifts in weeks.values():
        ids = {shift.id for shift in week_shifts}
        pairs = sorted((v, s) for v, s in state.pairs() if s in ids and (v, s) not in fixed)
        for i, (a, s) in enumerate(pairs):
            for b, t in pairs[i + 1:]:
                if a == b or s == t or s not in state.by_volunteer[a] or t not in state.by_volunteer[b]:
                    continue
                station_s, station_t = state.shifts[s].station, state.shifts[t].station
                if station_s == station_t or gain(a, station_s, station_t) + gain(b, station_t, station_s) >= 0:
                    continue
                if a in state.by_shift[t] or b in state.by_shift[s]:
                    continue
                va, vb, sa, sb = state.volunteers[a], state.volunteers[b], state.shifts[s], state.shifts[t]
                if _day_cost(va, sb) + _day_cost(vb, sa) > _day_cost(va, sa) + _day_cost(vb, sb):
                    continue  # never against the day preferences
                state.remove(a, s)
                state.remove(b, t)
                if may_take(a, t) and may_take(b, s):
                    state.add(a, t)
                    state.add(b, s)
                    for volunteer_id, old, new in ((a, station_s, station_t), (b, station_t, station_s)):
                        served[volunteer_id][old] -= 1
                        served[volunteer_id][new] += 1
                    swapped = True
                else:
                    state.add(a, s)
                    state.add(b, t)
    return swapped


def explain_empty(
    shifts: Iterable[ShiftSpec], volunteers: Iterable[VolunteerSpec], assignments: Iterable[tuple[int, int]],
    rules: Rules | None = None,
) -> dict[int, tuple[int, str]]:
    """For each shift with empty seats: how many, and why nobody fills them."""
    shifts = {shift.id: shift for shift in shifts}
    volunteers = {volunteer.id: volunteer for volunteer in volunteers}
    state = _State(shifts, volunteers, ((v, s) for v, s in assignments if s in shifts and v in volunteers), rules)
    empty = {}
    for shift in shifts.values():
        missing = shift.seats - len(state.by_shift[shift.id])
        if missing <= 0:
            continue
        available = [
            v for v in volunteers.values()
            if shift.id in v.eligible and has_skill(v, shift) and v.id not in state.by_shift[shift.id]
        ]
        free = [v for v in available if state.free_for(v.id, shift.id)]
        if not available:
            reason = NOBODY_AVAILABLE
        elif not free:
            reason = AT_LIMIT
        elif (
            shift.kind in NEEDS_EXPERIENCED
            and not state.has_experienced(shift.id)
            and not any(v.experienced for v in free)
        ):
            reason = NO_EXPERIENCED
        else:
            reason = AT_LIMIT  # only when a pinned assignment breaks a rule
        empty[shift.id] = (missing, reason)
    return empty
