"""Fills and re-plans as background jobs: the leader's "fill the roster" and
"re-plan" buttons queue a `FillJob` and show its page, which refreshes
itself; the outbox worker (`flask notify worker`, wardsite.notify.worker)
runs the jobs between its batches, so a solver that takes minutes never
holds a web worker.

Like the outbox, a job is claimed with one conditional UPDATE (queued ->
running, with a claim token and a lease), so two workers never run the same
job; a job whose lease ran out (its worker was killed) is queued again, and
failed after `MAX_ATTEMPTS`. The result is saved with the same token check
in the transaction that saves the roster, so a job taken over is saved once.

A fill job saves the roster and keeps what the fill page showed (the
report). A re-plan job saves nothing: it keeps the plan (the seats added and
taken off, the teams and home visits that change) and a stamp of the roster
it was planned on; the leader's confirmation applies exactly that plan, if
the stamp and the home visits are still what they were."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import asdict
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from wardsite.extensions import db
from wardsite.notify import worker as notify_worker
from wardsite.roster import notices
from wardsite.roster.filling import FillPlan, FillReport, _context, apply_plan, plan_fill
from wardsite.roster.models import FillJob, ShiftExclusion
from wardsite.roster.shifts import describe, shifts_between
from wardsite.stations.services import week_start
from wardsite.timeutil import utcnow
from wardsite.volunteers.models import Volunteer

log = logging.getLogger("wardsite.roster.jobs")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
MAX_ATTEMPTS = 3
STEPS = {
    "": _l("Waiting for the worker"),
    "reading": _l("Reading the roster"),
    "solving": _l("Working out the roster"),
}


def lease() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("ROSTER_JOB_LEASE_SECONDS", 900)))


# Queueing ----------------------------------------------------------------------------


def queue(kind: str, start: date, end: date, user_id: int | None = None) -> FillJob:
    """A job to fill (or re-plan) `start`..`end`; one already waiting or
    running for the same week and kind is given back instead."""
    waiting = db.session.scalar(
        select(FillJob).where(FillJob.kind == kind, FillJob.start_day == start, FillJob.end_day == end,
                              FillJob.status.in_((QUEUED, RUNNING))).order_by(FillJob.id)
    )
    if waiting is not None:
        return waiting
    job = FillJob(kind=kind, start_day=start, end_day=end, status=QUEUED, requested_by_id=user_id, created_at=utcnow())
    db.session.add(job)
    db.session.flush()
    return job


def under_way(start: date) -> FillJob | None:
    """The latest fill or re-plan of the week of `start` still waiting or running."""
    return db.session.scalar(
        select(FillJob).where(FillJob.start_day == start, FillJob.status.in_((QUEUED, RUNNING)))
        .order_by(FillJob.id.desc()).limit(1)
    )


def ahead_of(job: FillJob) -> int:
    """How many queued jobs the worker takes before this one."""
    return db.session.scalar(
        select(db.func.count()).select_from(FillJob).where(FillJob.status == QUEUED, FillJob.id < job.id)
    ) or 0


def result(job: FillJob) -> dict:
    return json.loads(job.result) if job.result else {}


# Claiming ----------------------------------------------------------------------------


def requeue_stale(now: datetime | None = None) -> int:
    """Jobs whose worker stopped (the lease ran out) go back to the queue, or
    fail after MAX_ATTEMPTS."""
    now = now or utcnow()
    stale = (FillJob.status == RUNNING, FillJob.claimed_until < now)
    failed = db.session.execute(
        update(FillJob).where(*stale, FillJob.attempts >= MAX_ATTEMPTS)
        .values(status=FAILED, claim_token=None, claimed_until=None, finished_at=now,
                error="the worker stopped while running this job, too many times")
        .execution_options(synchronize_session=False)
    ).rowcount or 0
    queued = db.session.execute(
        update(FillJob).where(*stale).values(status=QUEUED, claim_token=None, claimed_until=None, progress="")
        .execution_options(synchronize_session=False)
    ).rowcount or 0
    db.session.commit()
    if failed or queued:
        log.warning("%s fill job(s) of a stopped worker queued again, %s failed", queued, failed)
    return queued


def claim(now: datetime | None = None) -> FillJob | None:
    """The oldest queued job, claimed with one conditional UPDATE; None when
    there is none (or another worker took it first)."""
    now = now or utcnow()
    oldest = select(FillJob.id).where(FillJob.status == QUEUED).order_by(FillJob.created_at, FillJob.id).limit(1)
    taking = notify_worker.claiming(FillJob, oldest).where(FillJob.status == QUEUED)
    token = secrets.token_hex(16)
    db.session.execute(
        taking.values(status=RUNNING, claim_token=token, claimed_until=now + lease(), started_at=now,
                      attempts=FillJob.attempts + 1, progress="reading")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return db.session.scalar(
        select(FillJob).where(FillJob.claim_token == token).execution_options(populate_existing=True)
    )


def _still_mine(job: FillJob, token: str, **values) -> bool:
    """Set `values` on the job if this worker still holds it (not committed)."""
    done = db.session.execute(
        update(FillJob).where(FillJob.id == job.id, FillJob.claim_token == token, FillJob.status == RUNNING)
        .values(**values).execution_options(synchronize_session=False)
    )
    return bool(done.rowcount)


def _step(job: FillJob, token: str, step: str) -> None:
    if _still_mine(job, token, progress=step):
        db.session.commit()


# Running -----------------------------------------------------------------------------


def report_result(report: FillReport) -> dict:
    return {
        "seats": report.seats, "filled": report.filled, "added": report.added, "removed": report.removed,
        "added_seats": report.added_seats, "removed_seats": report.removed_seats,
        "told": asdict(report.told), "proven_optimal": report.proven,
    }


def plan_result(plan: FillPlan) -> dict:
    """What the re-plan page shows, and what a confirmation applies."""
    changes = plan.team_changes()
    visits = notices.booking_hooks().team_changes(changes)
    return {
        "seats": plan.seats, "filled": plan.filled, "proven_optimal": plan.proven,
        "add": [[v.id, s.id] for v, s in plan.added], "remove": [a.id for a in plan.removed],
        "changes": [{
            "shift": describe(change.shift), "shift_id": change.shift.id,
            "published": change.shift.published_at is not None,
            "added": [v.name for v in change.added], "removed": [v.name for v in change.removed],
        } for change in changes],
        "visits": [{"visit_id": v.visit_id, "code": v.code, "when": v.when, "before": list(v.before),
                    "after": list(v.after)} for v in visits],
        "visits_key": visits_key(visits),
        "stamp": roster_stamp(plan.start, plan.end),
    }


def run(job: FillJob) -> bool:
    """Run a claimed job to its end; False if another worker took it over meanwhile."""
    token = job.claim_token
    start, end, kind = job.start_day, job.end_day, job.kind
    try:
        _step(job, token, "solving")
        if kind == "replan":
            values = plan_result(plan_fill(start, end, replan=True))
        else:
            values = report_result(apply_plan(plan_fill(start, end)))
        if not _still_mine(job, token, status=DONE, progress="", result=json.dumps(values, ensure_ascii=False),
                           finished_at=utcnow(), claim_token=None, claimed_until=None):
            db.session.rollback()  # taken over: the other worker's run counts
            return False
        db.session.commit()
        return True
    except Exception as error:  # noqa: BLE001 - a failed job is shown to the leader, the worker goes on
        db.session.rollback()
        log.exception("fill job %s failed", job.id)
        _still_mine(job, token, status=FAILED, progress="", error=repr(error)[:500], finished_at=utcnow(),
                    claim_token=None, claimed_until=None)
        db.session.commit()
        return False


def run_one() -> int:
    """The worker's task: put back stale jobs, claim one and run it; 1 if a job ran."""
    requeue_stale()
    job = claim()
    if job is None:
        return 0
    run(job)
    return 1


def run_due() -> int:
    """Run every queued job in this process (tests, ROSTER_FILL_INLINE)."""
    count = 0
    while run_one():
        count += 1
    return count


notify_worker.add_task(run_one)


# Confirming a re-plan ---------------------------------------------------------------


def visits_key(visits) -> str:
    return hashlib.sha256(repr([(v.visit_id, list(v.after)) for v in visits]).encode()).hexdigest()[:20]


def roster_stamp(start: date, end: date) -> str:
    """A digest of everything the plan of `start`..`end` was worked out from:
    the shifts and seats of its weeks and the days either side, the leader's
    "not this shift", and every volunteer's availability and limits. A
    confirmation applies the stored plan only while it is unchanged."""
    first, last = week_start(start), week_start(end) + timedelta(days=6)
    shifts = shifts_between(first, last)
    shifts += _context(shifts, first, last)
    ids = sorted(s.id for s in shifts)
    parts = [sorted((s.id, s.seats, s.starts_at.isoformat(), s.ends_at.isoformat(), s.required_skill,
                     s.published_at is not None) for s in shifts)]
    parts.append(sorted((a.id, a.shift_id, a.volunteer_id, a.pinned, a.attendance) for s in shifts for a in s.assignments))
    parts.append(sorted(db.session.execute(
        select(ShiftExclusion.shift_id, ShiftExclusion.volunteer_id).where(ShiftExclusion.shift_id.in_(ids))).all()))
    for v in db.session.scalars(select(Volunteer).order_by(Volunteer.id)):
        parts.append((v.id, v.active, v.experienced, v.max_shifts_per_week, v.max_hours_per_week, v.max_hours_per_month,
                      sorted(v.weekly_cells), sorted(v.skills), sorted((d.start_date, d.end_date) for d in v.dates_away)))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def stored_plan(job: FillJob) -> FillPlan:
    """The re-plan the job worked out, on today's records."""
    values = result(job)
    first, last = week_start(job.start_day), week_start(job.end_day) + timedelta(days=6)
    shifts = shifts_between(first, last)
    by_id = {s.id: s for s in shifts}
    gone = set(values["remove"])
    removed = [a for s in shifts for a in s.assignments if a.id in gone]
    people = {v.id: v for v in db.session.scalars(select(Volunteer).where(Volunteer.id.in_([v for v, _s in values["add"]])))}
    added = [(people[v], by_id[s]) for v, s in values["add"] if v in people and s in by_id]
    return FillPlan(job.start_day, job.end_day, True, values["seats"], values["filled"], added, removed, {},
                    shifts=shifts, proven=values.get("proven_optimal", True))


def still_valid(job: FillJob) -> bool:
    """The roster and the home visits are as the re-plan saw them."""
    values = result(job)
    if roster_stamp(job.start_day, job.end_day) != values.get("stamp"):
        return False
    plan = stored_plan(job)
    if len(plan.added) != len(values["add"]) or len(plan.removed) != len(values["remove"]):
        return False
    return visits_key(notices.booking_hooks().team_changes(plan.team_changes())) == values.get("visits_key")


def apply_replan(job: FillJob) -> FillReport:
    """Save the job's re-plan (the caller checked `still_valid`) and mark it applied."""
    report = apply_plan(stored_plan(job))
    job.applied_at = utcnow()
    return report

