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
the experienced switches, and a row per run of N + 1 days), so the program
stays the same and its optimum is still the most seats the rules allow.
Weeks are solved in order, each seeing the days already worked around it,
so the consecutive-days rule holds across weeks too.

Goals, in order:
1. as many seats filled as the hard rules allow: an exact integer program,
   solved per week with HiGHS. Days in a row and a month's hours reach
   across weeks: each week sees the weeks before it as they were decided
   (and pinned seats after it), so those two rules always hold, but a
   month's hours go to its first weeks first, which is not always the most
   seats over the whole month;
2. keep what the previous run decided (a rerun changes nothing it need not),
   then vary each volunteer's stations: exchange shifts so that volunteers go
   where they have served least, over past weeks and this roster;
3. spread the load: after the integer program, seats move from a volunteer to
   one with at least two shifts fewer who could legally take the seat, until
   no such move is left. So among volunteers who could have taken a seat,
   the most and least loaded differ by at most one.

Pinned assignments (made by hand) are never moved and count towards every rule.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable

import highspy
import numpy as np

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
)
from wardsite.roster.state import State as _State

def fill(
    shifts: Iterable[ShiftSpec],
    volunteers: Iterable[VolunteerSpec],
    pinned: Iterable[tuple[int, int]] = (),
    previous: Iterable[tuple[int, int]] = (),
    history: dict[int, Counter] | None = None,
    rules: Rules | None = None,
) -> RosterResult:
    """Fill the shifts. `pinned` pairs stay as they are; `previous` pairs (the
    last run's) are kept where that costs no seat; `history` counts each
    volunteer's earlier shifts per station, for station variety; `rules`
    the rest and daily limit."""
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
    for week in sorted(weeks, key=lambda w: weeks[w][0].start):
        for volunteer_id, shift_id in _solve_week(weeks[week], state, previous):
            state.add(volunteer_id, shift_id)

    # Lexicographically (sum of squared loads, station repetition) goes down
    # at every step, so this loop ends.
    # Station variety never moves what the previous run decided: it is the last goal.
    _spread(state, pinned)
    while _vary_stations(state, pinned | previous, history, weeks):
        _spread(state, pinned)
    return RosterResult(state.pairs(), explain_empty(shifts.values(), volunteers.values(), state.pairs(), rules))


def _maximal_cliques(intervals: list[ShiftSpec], rest=None) -> list[list[int]]:
    """Maximal sets of pairwise overlapping shifts (an interval graph's cliques):
    the shifts running just before each end that follows a start. With
    `rest`, each shift counts as running until `rest` after its end: the
    cliques of shifts pairwise too close."""
    events = []
    for shift in intervals:
        events.append((shift.start, 1, shift.id))
        events.append((shift.end + rest if rest else shift.end, 0, shift.id))  # an end sorts before a start at the same time
    events.sort(key=lambda e: (e[0], e[1]))
    active: set[int] = set()
    cliques = []
    grew = False
    for _when, is_start, shift_id in events:
        if is_start:
            active.add(shift_id)
            grew = True
        else:
            if grew and len(active) > 1:
                cliques.append(sorted(active))
            grew = False
            active.discard(shift_id)
    return cliques


def _solve_week(week_shifts: list[ShiftSpec], state: _State, previous: set) -> list[tuple[int, int]]:
    shifts, volunteers = state.shifts, state.volunteers
    free_seats = {s.id: s.seats - len(state.by_shift[s.id]) for s in week_shifts}
    week = week_shifts[0].week

    columns: list[tuple[int, int]] = []
    for volunteer in volunteers.values():
        room = volunteer.max_per_week - state.week_count[volunteer.id, week]
        if room <= 0:
            continue
        for shift in week_shifts:
            if free_seats[shift.id] > 0 and state.free_for(volunteer.id, shift.id):
                columns.append((volunteer.id, shift.id))
    if not columns:
        return []

    rows: list[tuple[list[int], list[float], float]] = []  # (columns, coefficients, upper bound)
    by_shift: dict[int, list[int]] = defaultdict(list)
    by_volunteer: dict[int, list[int]] = defaultdict(list)
    for index, (volunteer_id, shift_id) in enumerate(columns):
        by_shift[shift_id].append(index)
        by_volunteer[volunteer_id].append(index)
    for shift_id, indexes in by_shift.items():
        if len(indexes) > free_seats[shift_id]:
            rows.append((indexes, [1.0] * len(indexes), float(free_seats[shift_id])))
    for volunteer_id, indexes in by_volunteer.items():
        room = volunteers[volunteer_id].max_per_week - state.week_count[volunteer_id, week]
        if len(indexes) > room:
            rows.append((indexes, [1.0] * len(indexes), float(room)))
        column_of = {columns[i][1]: i for i in indexes}
        for clique in _maximal_cliques([shifts[columns[i][1]] for i in indexes], state.rules.min_rest):
            members = [column_of[s] for s in clique]
            rows.append((members, [1.0] * len(members), 1.0))
        # Hours limits: a row per week or month, each column weighing its hours.
        periods: dict[tuple, tuple[list[int], float]] = {}
        for i in indexes:
            for key, period, left in state.hours_left(volunteer_id, shifts[columns[i][1]]):
                periods.setdefault((key, period), ([], left))[0].append(i)
        for members, left in periods.values():
            weights = [hours_of(shifts[columns[i][1]]) for i in members]
            if sum(weights) > left + HOURS_SLACK:
                rows.append((members, weights, left + HOURS_SLACK))
        if state.rules.max_per_day is not None:
            by_day: dict[Hashable, list[int]] = defaultdict(list)
            for i in indexes:
                by_day[day_of(shifts[columns[i][1]])].append(i)
            for day, members in by_day.items():
                room_today = state.rules.max_per_day - state.day_count[volunteer_id, day]
                if len(members) > room_today:
                    rows.append((members, [1.0] * len(members), float(room_today)))

    upper = np.ones(len(columns))
    extra_columns = 0  # one "has an experienced member" switch per shift that needs it
    for shift_id, indexes in by_shift.items():
        shift = shifts[shift_id]
        if shift.kind not in NEEDS_EXPERIENCED or state.has_experienced(shift_id):
            continue
        experienced = [i for i in indexes if volunteers[columns[i][0]].experienced]
        newcomers = [i for i in indexes if not volunteers[columns[i][0]].experienced]
        if not newcomers:
            continue
        if not experienced:
            upper[newcomers] = 0.0
            continue
        switch = len(columns) + extra_columns
        extra_columns += 1
        rows.append(([switch, *experienced], [1.0] + [-1.0] * len(experienced), 0.0))
        for i in newcomers:  # a new member only beside an experienced one
            rows.append(([i, switch], [1.0, -1.0], 0.0))
    day_switches = len(columns) + extra_columns  # the "works that day" switches start here
    limit = state.rules.max_consecutive_days
    if limit:
        for volunteer_id, indexes in by_volunteer.items():
            extra_columns = _consecutive_rows(
                volunteer_id, [(i, day_number(shifts[columns[i][1]])) for i in indexes], state, limit, rows,
                len(columns) + extra_columns, extra_columns,
            )
    upper = np.concatenate([upper, np.ones(extra_columns)])

    # Every filled seat is worth more than all kept assignments together, so
    # the optimum fills the true maximum of seats and, among such rosters,
    # keeps as much of the previous run as it can.
    # The switches are worth a little too: left free, they let the relaxation
    # settle on fractional corners.
    weight = len(previous) + extra_columns + 1
    # The day switches cost a little instead: each then sits at its day's
    # largest column, integral when the seats are.
    cost = np.full(len(columns) + extra_columns, -1.0)
    cost[day_switches:] = 1.0
    for index, pair in enumerate(columns):
        cost[index] = -(weight + (1 if pair in previous else 0))

    return [columns[i] for i in _solve_binary(cost, upper, rows) if i < len(columns)]


def _consecutive_rows(volunteer_id: int, numbered: list[tuple[int, int | None]], state: _State, limit: int,
                      rows: list, next_column: int, extra_columns: int) -> int:
    """Rows keeping one volunteer off N + 1 consecutive days: a "works that
    day" switch per new day (each of the day's columns at most the switch) and,
    for every run of N + 1 days that the days already worked and these could
    fill, the switches at most N minus the days already worked in it.
    Returns the new count of extra columns."""
    worked = state.worked_days(volunteer_id)
    candidate_days: dict[int, list[int]] = defaultdict(list)
    for index, number in numbered:
        if number is not None and number not in worked:
            candidate_days[number].append(index)
    if not candidate_days:
        return extra_columns
    switch_of: dict[int, int] = {}
    for first in sorted({n - k for n in candidate_days for k in range(limit + 1)}):
        window = range(first, first + limit + 1)
        if not all(n in worked or n in candidate_days for n in window):
            continue
        for n in window:
            if n in candidate_days and n not in switch_of:
                switch_of[n] = next_column + len(switch_of)
                for i in candidate_days[n]:
                    rows.append(([i, switch_of[n]], [1.0, -1.0], 0.0))
        members = [switch_of[n] for n in window if n in candidate_days]
        # A pinned run may already be too long: then none of these days.
        rows.append((members, [1.0] * len(members), float(max(0, limit - sum(1 for n in window if n in worked)))))
    return extra_columns + len(switch_of)


def _solve_binary(cost: np.ndarray, upper: np.ndarray, rows) -> list[int]:
    """Minimise cost·x over 0/1 vectors x with each row's sum at most its bound.

    The linear relaxation is tried first: these rosters are close to network
    flows, so its optimum is usually integral already, and then it is also the
    integer optimum. Otherwise HiGHS's branch and bound finishes the job."""
    model = highspy.HighsLp()
    model.num_col_ = len(cost)
    model.num_row_ = len(rows)
    model.col_cost_ = cost
    model.col_lower_ = np.zeros(len(cost))
    model.col_upper_ = upper
    model.row_lower_ = np.full(len(rows), -highspy.kHighsInf)
    model.row_upper_ = np.array([bound for _c, _v, bound in rows], dtype=float)
    starts, indexes, values = [0], [], []
    for members, coefficients, _bound in rows:
        indexes.extend(members)
        values.extend(coefficients)
        starts.append(len(indexes))
    model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    model.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    model.a_matrix_.index_ = np.array(indexes, dtype=np.int32)
    model.a_matrix_.value_ = np.array(values, dtype=float)

    relaxed = _highs()
    relaxed.passModel(model)
    relaxed.run()
    solution = np.asarray(relaxed.getSolution().col_value)
    if relaxed.getModelStatus() != highspy.HighsModelStatus.kOptimal or np.any(np.abs(solution - np.round(solution)) > 1e-7):
        model.integrality_ = [highspy.HighsVarType.kInteger] * len(cost)
        exact = _highs()
        exact.passModel(model)
        exact.run()
        solution = np.asarray(exact.getSolution().col_value)
    return [int(i) for i in np.flatnonzero(solution > 0.5)]


def _highs() -> highspy.Highs:
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", 0.5)  # the objective is integral
    highs.setOptionValue("random_seed", 0)
    highs.setOptionValue("threads", 1)
    return highs


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
