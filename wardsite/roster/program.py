"""The run's integer program for `rostering` (its docstring says what the
goals are): the columns and rows the hard rules give, and the
lexicographic solve with HiGHS."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Hashable

import highspy
import numpy as np

from wardsite.roster.specs import (
    HOURS_SLACK,
    NEEDS_EXPERIENCED,
    ShiftSpec,
    VolunteerSpec,
    day_number,
    day_of,
    has_skill,
    hours_of,
    weekday_of,
)
from wardsite.roster.state import State as _State


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


class Program:
    """The run's one 0/1 integer program, solved lexicographically (see the
    module's docstring): columns are the (volunteer, shift) pairs the rules
    allow, then the experienced and day switches, the load steps, and one
    column per goal (seats, most load, least load, squared loads, the
    preference and stability cost), each the sum its row defines. A goal's
    optimum becomes a bound on its column before the next goal is solved."""

    def __init__(self, run_shifts: list[ShiftSpec], state: _State, previous: set):
        shifts, volunteers = state.shifts, state.volunteers
        self.state = state
        free_seats = {s.id: s.seats - len(state.by_shift[s.id]) for s in run_shifts}
        columns: list[tuple[int, int]] = []
        for volunteer in volunteers.values():
            for shift_id in sorted(volunteer.eligible):
                if shift_id in free_seats and free_seats[shift_id] > 0 and state.free_for(volunteer.id, shift_id):
                    columns.append((volunteer.id, shift_id))
        self.columns = columns
        if not columns:
            return

        rows: list[tuple[list[int], list[float], float]] = []  # (columns, coefficients, upper bound)
        by_shift: dict[int, list[int]] = defaultdict(list)
        by_volunteer: dict[int, list[int]] = defaultdict(list)
        for index, (volunteer_id, shift_id) in enumerate(columns):
            by_shift[shift_id].append(index)
            by_volunteer[volunteer_id].append(index)
        seat_rows = {}
        for shift_id, indexes in by_shift.items():
            if len(indexes) > free_seats[shift_id] or shifts[shift_id].kind in NEEDS_EXPERIENCED:
                seat_rows[shift_id] = len(rows)
                rows.append((indexes, [1.0] * len(indexes), float(free_seats[shift_id])))
        steps: dict[int, int] = {}  # volunteer → how many more seats they could take
        for volunteer_id, indexes in by_volunteer.items():
            volunteer = volunteers[volunteer_id]
            per_week: dict[Hashable, list[int]] = defaultdict(list)
            for i in indexes:
                per_week[shifts[columns[i][1]].week].append(i)
            steps[volunteer_id] = 0
            for week, members in per_week.items():
                room = volunteer.max_per_week - state.week_count[volunteer_id, week]
                steps[volunteer_id] += min(room, len(members))
                if len(members) > room:
                    rows.append((members, [1.0] * len(members), float(room)))
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
            # Nobody at all without the switch: the seats at most the seats
            # times the switch. The same roster, but the relaxation can no
            # longer half-open a shift and fill it with newcomers.
            members, coefficients, bound = rows[seat_rows[shift_id]]
            rows[seat_rows[shift_id]] = ([*members, switch], [*coefficients, -bound], 0.0)
        self.switches = range(len(columns), len(columns) + extra_columns)
        limit = state.rules.max_consecutive_days
        if limit:
            for volunteer_id, indexes in by_volunteer.items():
                extra_columns = _consecutive_rows(
                    volunteer_id, [(i, day_number(shifts[columns[i][1]])) for i in indexes], state, limit, rows,
                    len(columns) + extra_columns, extra_columns,
                )
        lower_rows = [-highspy.kHighsInf] * len(rows)

        # Load steps: a volunteer's k-th seat more, costing (2 (pinned + k) + 1)
        # in the sum of squared loads; the load rows tie them to the seats.
        counted = {
            v.id for v in volunteers.values()
            if any(s in shifts and has_skill(v, shifts[s]) for s in v.eligible)
        }
        fixed_loads = [state.load(v) for v in counted if v not in by_volunteer]
        step_start = len(columns) + extra_columns
        step_columns: list[tuple[int, int]] = []  # (volunteer, its load after the step)
        for volunteer_id in by_volunteer:
            for k in range(steps[volunteer_id]):
                step_columns.append((volunteer_id, state.load(volunteer_id) + k + 1))
        goal = step_start + len(step_columns)
        self.SEATS, self.SQUARES, self.COST = range(goal, goal + 3)
        width = goal + 3
        self.steps_of: dict[int, list[int]] = defaultdict(list)  # volunteer → step columns, the load each reaches
        for j, (volunteer_id, _load) in enumerate(step_columns):
            self.steps_of[volunteer_id].append(step_start + j)
        self.step_load = {step_start + j: load for j, (_v, load) in enumerate(step_columns)}
        for volunteer_id, indexes in by_volunteer.items():
            mine = self.steps_of[volunteer_id]
            rows.append(([*indexes, *mine], [1.0] * len(indexes) + [-1.0] * len(mine), 0.0))
            lower_rows.append(0.0)
        # The load of the counted volunteers without a column is fixed.
        self.fixed_most = max(fixed_loads, default=0)
        self.fixed_least = min(fixed_loads, default=None)
        self.loads_of = {v: state.load(v) for v in by_volunteer}
        seats = list(range(len(columns)))
        # Preferences weigh more than all kept pairs together: a kept pair
        # never costs a volunteer's day wish, nor a wish a seat or fairness.
        weight = len(previous) + 1
        cost = [weight * day_cost(volunteers[v], shifts[s]) - (1 if (v, s) in previous else 0) for v, s in columns]
        for members, coefficients, goal_column in (
            (seats, [1.0] * len(seats), self.SEATS),
            (list(range(step_start, goal)), [2.0 * load - 1.0 for _v, load in step_columns], self.SQUARES),
            (seats, [float(c) for c in cost], self.COST),
        ):
            rows.append(([*members, goal_column], [*coefficients, -1.0], 0.0))
            lower_rows.append(0.0)
        self.has_cost = any(cost)

        lower = np.zeros(width)
        upper = np.concatenate([upper, np.ones(width - len(columns))])
        upper[self.SEATS] = upper[self.SQUARES] = highspy.kHighsInf
        lower[self.COST], upper[self.COST] = -highspy.kHighsInf, highspy.kHighsInf
        # The goals are sums of 0/1 columns, integral too: the search then
        # knows its objective moves in whole steps.
        self.integer = np.array([*range(len(columns)), *self.switches, self.SEATS, self.COST], dtype=np.int32)

        model = highspy.HighsLp()
        model.num_col_ = width
        model.num_row_ = len(rows)
        model.col_cost_ = np.zeros(width)
        model.col_lower_ = lower
        model.col_upper_ = upper
        model.row_lower_ = np.array(lower_rows, dtype=float)
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
        self.width = width
        self.relaxed = _highs()
        self.relaxed.passModel(model)
        # A start the integer search may always fall back on: nobody added.
        self.incumbent = np.zeros(width)
        self.lower, self.upper = lower.copy(), upper.copy()

    def solve(self, deadline: float | None) -> tuple[list[tuple[int, int]], bool, int | None]:
        """The pairs chosen, whether every goal's optimum is proven, and the
        proven most seats (an upper bound when not proven)."""
        if not self.columns:
            return [], True, 0
        self.deadline = deadline
        self.proven = True
        _seats, bound = self._goal(self.SEATS, maximise=True)
        # The least sum of squares first: where the rosters are a flow's
        # (without the experienced and the knapsack rows) it is also the
        # least maximum and the most minimum load, so the checks that follow
        # fail at once. Where they do not, the loads are bounded and the
        # squares solved again within the bounds.
        if not self._out_of_time():
            self._goal(self.SQUARES, maximise=False, hold=False)
        if not self._out_of_time() and self._even_out() and not self._out_of_time():
            self._goal(self.SQUARES, maximise=False, hold=False)
        if not self._out_of_time():
            self._hold(self.SQUARES, False, self.incumbent, round(self.incumbent[self.SQUARES]))
        chosen = [self.columns[i] for i in np.flatnonzero(self.incumbent[:len(self.columns)] > 0.5)]
        return chosen, self.proven, bound

    def _run_relaxed(self) -> None:
        # Every solve starts afresh, so that HiGHS presolves again: warm
        # starts skip presolve, and presolve is what finds at once that a
        # trial bound leaves too few seats (and is several times faster).
        self.relaxed.clearSolver()
        if self.deadline is not None:
            self.relaxed.setOptionValue("time_limit", max(0.01, self.deadline - time.monotonic()))
        self.relaxed.run()

    def _out_of_time(self) -> bool:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self.proven = False
            return True
        return False

    def _loads(self, solution: np.ndarray) -> dict[int, int]:
        loads = dict(self.loads_of)
        for i in np.flatnonzero(solution[:len(self.columns)] > 0.5):
            loads[self.columns[i][0]] += 1
        return loads

    def _even_out(self) -> bool:
        """The most load as low as it goes, then the least as high as it
        goes, each a whole number at a time from the incumbent's: a trial
        bounds the load steps and asks whether the seats still fit. True if
        the incumbent changed."""
        loads = self._loads(self.incumbent)
        fixed_least = [self.fixed_least] if self.fixed_least is not None else []
        self.most = max([*loads.values(), self.fixed_most])
        changed = False
        while self.most > self.fixed_most and not self._out_of_time() and self._fits(self.most - 1, None):
            self.most -= 1
            changed = True
        self._bound_steps(self.most, None)
        loads = self._loads(self.incumbent)
        reachable = [load + len(self.steps_of[v]) for v, load in self.loads_of.items()]
        self.least = min([*loads.values(), *fixed_least])
        high = min([*reachable, self.most, *fixed_least])
        while self.least < high and not self._out_of_time() and self._fits(self.most, self.least + 1):
            self.least += 1
            changed = True
        self._bound_steps(self.most, self.least)
        return changed

    def _bound_steps(self, most: int, least: int | None) -> None:
        steps = np.array(sorted(self.step_load), dtype=np.int32)
        loads = np.array([self.step_load[j] for j in steps])
        lower = (loads <= least).astype(float) if least is not None else np.zeros(len(steps))
        upper = (loads <= most).astype(float)
        self.lower[steps], self.upper[steps] = lower, upper
        self.relaxed.changeColsBounds(len(steps), steps, lower, upper)

    def _fits(self, most: int, least: int | None) -> bool:
        """Whether the most seats fit with every counted load at most `most`
        and at least `least`; if so the roster found becomes the incumbent."""
        self._bound_steps(most, least)
        cost = np.zeros(self.width)
        cost[self.SEATS] = -1.0
        self.relaxed.changeColsCost(self.width, np.arange(self.width, dtype=np.int32), cost)
        self._run_relaxed()
        status = self.relaxed.getModelStatus()
        fits = False
        if status == highspy.HighsModelStatus.kOptimal:
            solution = np.asarray(self.relaxed.getSolution().col_value)
            if self._integral(solution):
                self._keep(solution)
                fits = True
            else:
                exact = self._exact(cost)
                exact.run()
                status = exact.getModelStatus()
                if status == highspy.HighsModelStatus.kOptimal:
                    self._keep(np.asarray(exact.getSolution().col_value))
                    fits = True
                elif status != highspy.HighsModelStatus.kInfeasible:
                    self.proven = False  # stopped at the limit: taken as not fitting
        return fits  # the caller bounds the steps as the search ends

    def _exact(self, cost: np.ndarray) -> highspy.Highs:
        """The integer program as the relaxation stands, with `cost`. (Not
        given the incumbent as a start: HiGHS 1.16 then reports the start's
        values as its solution. The caller compares instead.)"""
        exact = _highs()
        exact.passModel(self.relaxed.getLp())
        exact.changeColsCost(self.width, np.arange(self.width, dtype=np.int32), cost)
        exact.changeColsIntegrality(len(self.integer), self.integer, np.full(len(self.integer), 1, dtype=np.uint8))
        if self.deadline is not None:
            exact.setOptionValue("time_limit", max(0.01, self.deadline - time.monotonic()))
        return exact

    def _goal(self, column: int, maximise: bool, hold: bool = True) -> tuple[int, int | None]:
        """Optimise one goal with the earlier ones held; then hold this one
        (with `hold`). Returns its value and the best bound proven on it."""
        sign = -1.0 if maximise else 1.0
        cost = np.zeros(self.width)
        cost[column] = sign
        self.relaxed.changeColsCost(self.width, np.arange(self.width, dtype=np.int32), cost)
        self._run_relaxed()
        relaxed_bound = None
        if self.relaxed.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            solution = np.asarray(self.relaxed.getSolution().col_value)
            if self._integral(solution):
                return self._hold(column, maximise, solution, round(solution[column]), hold=hold)
            value = solution[column]
            relaxed_bound = math.floor(value + 1e-6) if maximise else math.ceil(value - 1e-6)
        exact = self._exact(cost)
        exact.run()
        status = exact.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            self.proven = False
        solution = np.asarray(exact.getSolution().col_value)
        found = len(solution) == self.width and exact.getInfo().primal_solution_status == 2
        if status == highspy.HighsModelStatus.kOptimal:
            bound = round(solution[column])
        elif status == highspy.HighsModelStatus.kTimeLimit and math.isfinite(exact.getInfo().mip_dual_bound):
            dual = exact.getInfo().mip_dual_bound * sign
            bound = math.floor(dual + 1e-6) if maximise else math.ceil(dual - 1e-6)
        else:
            bound = relaxed_bound
        if not found or sign * solution[column] > sign * self.incumbent[column]:
            solution = self.incumbent  # the search stopped before it did as well
        return self._hold(column, maximise, solution, round(solution[column]), bound, hold=hold)

    def _integral(self, solution: np.ndarray) -> bool:
        part = solution[:len(self.columns)]
        return not np.any(np.abs(part - np.round(part)) > 1e-7)

    def _bounds(self, column: int) -> tuple[float, float]:
        # Kept here: getLp() would copy the whole program.
        return self.lower[column], self.upper[column]

    def _set_bounds(self, column: int, bounds: tuple[float, float]) -> None:
        self.lower[column], self.upper[column] = bounds
        self.relaxed.changeColBounds(column, float(bounds[0]), float(bounds[1]))

    def _keep(self, solution: np.ndarray) -> None:
        solution = solution.copy()
        solution[:len(self.columns)] = np.round(solution[:len(self.columns)])
        for i in self.switches:
            solution[i] = math.ceil(solution[i] - 1e-7)
        self.incumbent = solution

    def _hold(self, column: int, maximise: bool, solution: np.ndarray, value: int, bound=None,
              hold: bool = True) -> tuple[int, int | None]:
        self._keep(solution)
        if not hold:
            return value, value if bound is None else bound
        low, high = self._bounds(column)
        self._set_bounds(column, (value, high) if maximise else (low, value))
        return value, value if bound is None else bound


def day_cost(volunteer: VolunteerSpec, shift: ShiftSpec) -> int:
    """1 on a day the volunteer would rather avoid, -1 on one they prefer."""
    weekday = weekday_of(shift)
    if weekday is None:
        return 0
    return (1 if weekday in volunteer.avoided_days else 0) - (1 if weekday in volunteer.preferred_days else 0)


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


def _highs() -> highspy.Highs:
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", 0.5)  # the objective is integral
    highs.setOptionValue("random_seed", 0)
    highs.setOptionValue("threads", 1)
    return highs
