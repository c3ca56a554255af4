"""The leader's planning screens (/quan-tri/lich-truc/...): filling a week,
publishing it, re-planning a published week (the changes shown first, saved
only once confirmed), cancelling a shift (its home visits shown first) and
moving a volunteer to another seat (the rules it breaks shown first).
They are routes of the roster blueprint (`blueprint.bp`), so their endpoints
are `roster.*` beside the week view in `routes`.

A fill or a re-plan runs as a background job (`jobs`, run by the worker):
the button queues it and shows its page, which asks again until the job is
done, then shows the result (a re-plan's changes, to confirm).

A confirmation carries a key of what it showed (`confirm`), or the re-plan
job's stamp of the roster: if the roster or the bookings changed in between,
the leader is told instead of saving something they did not see."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wardsite.accounts.permissions import roles_required
from wardsite.extensions import db
from wardsite.forms import EmptyForm
from wardsite.htmx import render
from wardsite.roster import jobs, moves, services, swaps
from wardsite.roster.blueprint import bp, parse_day
from wardsite.roster.models import FillJob, Shift, SwapOffer
from wardsite.timeutil import local_today

SEATS_LISTED = 8  # in the message; the rest are counted
POLL_SECONDS = 2  # how often a job's page asks again while the job runs


def _form_week() -> date:
    return services.week_start(parse_day(request.form.get("tuan"), local_today()))


def _seat_list(seats: list[tuple[str, str]]) -> str:
    listed = "; ".join(f"{name} ({shift})" for name, shift in seats[:SEATS_LISTED])
    if len(seats) > SEATS_LISTED:
        listed += "; " + _("and %(count)s more", count=len(seats) - SEATS_LISTED)
    return listed


def report_lines(report: dict) -> list[str]:
    """What a fill did, in words (`jobs.report_result`): the seats filled, who
    was added and who was taken off, who was told, and whether the roster is
    proven the best."""
    lines = [_("Roster filled: %(filled)s of %(seats)s seats; %(added)s added, %(removed)s removed.",
               filled=report["filled"], seats=report["seats"], added=report["added"], removed=report["removed"])]
    if report["added_seats"]:
        lines.append(_("Added: %(seats)s.", seats=_seat_list(report["added_seats"])))
    if report["removed_seats"]:
        lines.append(_("Taken off: %(seats)s.", seats=_seat_list(report["removed_seats"])))
    told = report["told"]
    if told["volunteers"] or told["visits"]:
        lines.append(_("Messages queued in the outbox for %(volunteers)s volunteers and %(visits)s home visits.",
                       volunteers=told["volunteers"], visits=told["visits"]))
    if not report.get("proven_optimal", True):
        lines.append(not_proven_line())
    return lines


def not_proven_line() -> str:
    """Said on the fill's and the re-plan's pages when the solver stopped at its time limit."""
    return _("This is the best roster found in the time allowed, not proven the best.")


def _key(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def _queue(kind: str, week: date):
    """Queue a fill or re-plan job for `week` and show its page; with
    ROSTER_FILL_INLINE (tests, development) the job is run here and then."""
    job = jobs.queue(kind, week, week + timedelta(days=6), user_id=current_user.id)
    db.session.commit()
    if current_app.config.get("ROSTER_FILL_INLINE"):
        jobs.run_due()
    return redirect(url_for("roster.fill_job", job_id=job.id), 303)


@bp.route("/quan-tri/lich-truc/xep", methods=["POST"])
@roles_required("leader")
def fill():
    """Queue the fill of the week; the job's page shows how it goes."""
    week = _form_week()
    if EmptyForm().validate_on_submit():
        return _queue("fill", week)
    return redirect(url_for("roster.roster", tuan=week.isoformat()), 303)


@bp.route("/quan-tri/lich-truc/cong-bo", methods=["POST"])
@roles_required("leader")
def publish():
    week = _form_week()
    if EmptyForm().validate_on_submit():
        told = services.publish(week, week + timedelta(days=6))
        db.session.commit()
        flash(_("The week is published; %(count)s volunteers were told.", count=told), "success")
    return redirect(url_for("roster.roster", tuan=week.isoformat()), 303)


# Fill and re-plan jobs, and confirming a re-plan ------------------------------------------


@bp.route("/quan-tri/lich-truc/lap-lai", methods=["GET", "POST"])
@roles_required("leader")
def replan():
    """GET: what a re-plan is, with the button that starts one. POST: queue
    the re-plan of the week (nothing is saved: its page shows the changes,
    to confirm)."""
    if request.method == "GET":
        week = services.week_start(parse_day(request.args.get("tuan"), local_today()))
        return render_template("roster/replan_start.html", week=week)
    week = _form_week()
    if EmptyForm().validate_on_submit():
        return _queue("replan", week)
    return redirect(url_for("roster.roster", tuan=week.isoformat()), 303)


def _job_or_404(job_id: int) -> FillJob:
    return db.session.get(FillJob, job_id) or abort(404)


def _job_context(job: FillJob) -> dict:
    values = jobs.result(job) if job.status == jobs.DONE else {}
    return {
        "job": job, "week": services.week_start(job.start_day), "values": values,
        "lines": report_lines(values) if job.kind == "fill" and values else [],
        "not_proven": not_proven_line() if values and not values.get("proven_optimal", True) else "",
        "step": jobs.STEPS.get(job.progress, jobs.STEPS[""]), "ahead": jobs.ahead_of(job) if job.status == jobs.QUEUED else 0,
        "finished": job.status in (jobs.DONE, jobs.FAILED), "poll_seconds": POLL_SECONDS,
    }


@bp.route("/quan-tri/lich-truc/viec/<int:job_id>")
@roles_required("leader")
def fill_job(job_id: int):
    """A fill or re-plan job: waiting, running (the page asks again every few
    seconds: htmx, or a refresh without JavaScript), then its result."""
    job = _job_or_404(job_id)
    return render("roster/fill_job.html", "roster/_fill_job.html", target="fill-job", **_job_context(job))


@bp.route("/quan-tri/lich-truc/viec/<int:job_id>/xac-nhan", methods=["POST"])
@roles_required("leader")
def replan_confirm(job_id: int):
    """Save the re-plan the job showed, if the roster and the bookings are
    still what it was worked out from, and tell everyone concerned."""
    job = _job_or_404(job_id)
    week = services.week_start(job.start_day)
    if job.kind != "replan" or job.status != jobs.DONE or not EmptyForm().validate_on_submit():
        return redirect(url_for("roster.fill_job", job_id=job.id), 303)
    if job.applied_at is not None:
        flash(_("This re-plan is already saved."), "success")
        return redirect(url_for("roster.roster", tuan=week.isoformat()), 303)
    if jobs.still_valid(job):
        report = jobs.apply_replan(job)
        db.session.commit()
        for line in report_lines(jobs.report_result(report)):
            flash(line, "success")
        return redirect(url_for("roster.roster", tuan=week.isoformat()), 303)
    flash(_("The roster or the bookings changed since this re-plan was worked out. Please re-plan again "
            "to see the changes as they stand now."), "error")
    return render_template("roster/fill_job.html", stale=True, **_job_context(job)), 409


# Cancelling and restoring a shift ----------------------------------------------------------


def _cancel_key(visits, told) -> str:
    return _key([(v.visit_id, v.outcome) for v in visits], sorted(v.id for v in told))


def _shift_or_404(shift_id: int) -> Shift:
    return db.session.get(Shift, shift_id) or abort(404)


@bp.route("/quan-tri/lich-truc/ca/<int:shift_id>/huy", methods=["GET", "POST"])
@roles_required("leader")
def cancel_shift(shift_id: int):
    """GET: what cancelling would do to the home visits booked on the shift
    and who would be told. POST: cancel; with bookings or a published team,
    only as confirmed on that page."""
    shift = _shift_or_404(shift_id)
    back = redirect(url_for("roster.roster", tuan=services.week_start(shift.local_day).isoformat()), 303)
    if shift.cancelled:
        if request.method == "POST":
            flash(_("The shift is already cancelled."), "success")
            return back
        return redirect(url_for("roster.shift_detail", shift_id=shift.id), 303)
    visits, told = services.cancel_plan(shift)
    key = _cancel_key(visits, told)
    if request.method == "GET":
        return render_template("roster/cancel_shift.html", shift=shift, visits=visits, told=told, key=key)
    if not EmptyForm().validate_on_submit():
        return back
    if (visits or told) and request.form.get("confirm") != key:
        if request.form.get("confirm"):
            flash(_("The bookings changed since you looked. Please check again what cancelling the shift does."), "error")
        return redirect(url_for("roster.cancel_shift", shift_id=shift.id), 303)
    done, told_count = services.cancel_shift(shift)
    db.session.commit()
    flash(_("The shift is cancelled."), "success")
    moved = sum(1 for v in done if v.moved)
    if done:
        flash(_("Home visits: %(moved)s handed to another team, %(cancelled)s cancelled; the residents' booking pages "
                "say so and the leaders were asked to phone them.", moved=moved, cancelled=len(done) - moved), "success")
    if told_count:
        flash(_("%(count)s volunteers were told they need not come.", count=told_count), "success")
    return back


@bp.route("/quan-tri/lich-truc/ca/<int:shift_id>/khoi-phuc", methods=["POST"])
@roles_required("leader")
def restore_shift(shift_id: int):
    shift = _shift_or_404(shift_id)
    if EmptyForm().validate_on_submit() and shift.cancelled:
        services.restore_shift(shift)
        db.session.commit()
        flash(_("The shift is back on."), "success")
    return redirect(url_for("roster.roster", tuan=services.week_start(shift.local_day).isoformat()), 303)


# Moving a volunteer to another seat ---------------------------------------------------------


@bp.route("/quan-tri/lich-truc/phan-cong/<int:assignment_id>/chuyen", methods=["GET", "POST"])
@roles_required("leader")
def move_seat(assignment_id: int):
    """GET: the shifts the volunteer could go to; with `den`, what moving
    there breaks and which home visits change team. POST: move, as
    confirmed on that page (a key of the problems shown)."""
    assignment = moves.assignment_by_id(assignment_id) or abort(404)
    source = assignment.shift
    if not moves.can_move(assignment):
        flash(_("Only a seat on a shift ahead, without attendance, can be moved."), "error")
        return redirect(url_for("roster.shift_detail", shift_id=source.id), 303)
    target_id = request.values.get("den", type=int)
    target = db.session.get(Shift, target_id) if target_id else None
    if target is not None and (target.cancelled or target.id == source.id or not moves.can_move_to(target)):
        target = None
    plan = moves.plan_move(assignment, target) if target is not None else None
    key = _key(plan.problems, [v.visit_id for v in plan.visits]) if plan else ""
    if request.method == "POST" and plan is not None and EmptyForm().validate_on_submit():
        if request.form.get("confirm") == key:
            moved, plan = moves.move_seat(assignment, target, force=bool(plan.problems))
            if moved is not None:
                db.session.commit()
                flash(_("%(name)s has been moved to %(shift)s.", name=moved.volunteer.name, shift=services.describe(target)), "success")
                return redirect(url_for("roster.shift_detail", shift_id=target.id), 303)
            db.session.rollback()
        flash(_("The roster changed since you looked. Please check the move again."), "error")
        return redirect(url_for("roster.move_seat", assignment_id=assignment.id, den=target.id), 303)
    if request.method == "POST":
        return redirect(url_for("roster.move_seat", assignment_id=assignment.id), 303)
    return render_template("roster/move_seat.html", assignment=assignment, source=source,
                           targets=moves.targets(assignment), target=target, plan=plan, key=key)


# Swaps a leader approves (ROSTER_SWAP_NEEDS_APPROVAL) -----------------------------------------


@bp.route("/quan-tri/lich-truc/doi-ca/<int:offer_id>/duyet", methods=["POST"])
@roles_required("leader")
def swap_approve(offer_id: int):
    offer = db.session.get(SwapOffer, offer_id) or abort(404)
    if EmptyForm().validate_on_submit():
        problems = swaps.approve(offer)
        if problems:
            db.session.rollback()
            flash(_("The swap cannot be approved: %(reasons)s", reasons=" ".join(problems)), "error")
        else:
            db.session.commit()
            flash(_("Swap approved: %(name)s has the shift; both volunteers were told.", name=offer.to_volunteer.name),
                  "success")
    return redirect(url_for("roster.swaps"), 303)


@bp.route("/quan-tri/lich-truc/doi-ca/<int:offer_id>/tu-choi", methods=["POST"])
@roles_required("leader")
def swap_refuse(offer_id: int):
    offer = db.session.get(SwapOffer, offer_id) or abort(404)
    if EmptyForm().validate_on_submit():
        if swaps.refuse(offer):
            db.session.commit()
            flash(_("Swap refused: the shift stays with %(name)s and is offered again; both volunteers were told.",
                    name=offer.from_volunteer.name), "success")
        else:
            flash(_("This swap is no longer waiting for approval."), "error")
    return redirect(url_for("roster.swaps"), 303)
