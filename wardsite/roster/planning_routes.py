"""The leader's planning screens (/quan-tri/lich-truc/...): filling a week,
publishing it, re-planning a published week (the changes shown first, saved
only once confirmed), cancelling a shift (its home visits shown first) and
moving a volunteer to another seat (the rules it breaks shown first).
They are routes of the roster blueprint (`blueprint.bp`), so their endpoints
are `roster.*` beside the week view in `routes`.

A confirmation carries a key of what it showed (`confirm`): if the roster or
the bookings changed in between, the leader is shown the changes again
instead of saving something they did not see."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from wardsite.accounts.permissions import roles_required
from wardsite.extensions import db
from wardsite.forms import EmptyForm
from wardsite.roster import moves, services
from wardsite.roster.blueprint import bp, parse_day
from wardsite.roster.models import Shift
from wardsite.timeutil import local_today

SEATS_LISTED = 8  # in the message; the rest are counted


def _form_week() -> date:
    return services.week_start(parse_day(request.form.get("tuan"), local_today()))


def _seat_list(seats: list[tuple[str, str]]) -> str:
    listed = "; ".join(f"{name} ({shift})" for name, shift in seats[:SEATS_LISTED])
    if len(seats) > SEATS_LISTED:
        listed += "; " + _("and %(count)s more", count=len(seats) - SEATS_LISTED)
    return listed


def _flash_fill_report(report: services.FillReport) -> None:
    """What the fill did, in words: the seats filled, then who was added and who was taken off."""
    flash(_("Roster filled: %(filled)s of %(seats)s seats; %(added)s added, %(removed)s removed.",
            filled=report.filled, seats=report.seats, added=report.added, removed=report.removed), "success")
    if report.added_seats:
        flash(_("Added: %(seats)s.", seats=_seat_list(report.added_seats)), "success")
    if report.removed_seats:
        flash(_("Taken off: %(seats)s.", seats=_seat_list(report.removed_seats)), "success")
    if report.told.volunteers or report.told.visits:
        flash(_("Messages queued in the outbox for %(volunteers)s volunteers and %(visits)s home visits.",
                volunteers=report.told.volunteers, visits=report.told.visits), "success")


def _key(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


@bp.route("/quan-tri/lich-truc/xep", methods=["POST"])
@roles_required("leader")
def fill():
    week = _form_week()
    if EmptyForm().validate_on_submit():
        report = services.fill_roster(week, week + timedelta(days=6))
        db.session.commit()
        _flash_fill_report(report)
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


# Re-planning a published week -------------------------------------------------------------


def _replan(week: date):
    """The re-plan of `week`, what it does to the teams and home visits, and its key."""
    plan = services.plan_fill(week, week + timedelta(days=6), replan=True)
    changes = plan.team_changes()
    visits = services.booking_hooks().team_changes(changes)
    return plan, changes, visits, _key(plan.fingerprint, [(v.visit_id, v.after) for v in visits])


@bp.route("/quan-tri/lich-truc/lap-lai", methods=["GET", "POST"])
@roles_required("leader")
def replan():
    """GET: what re-planning the week would change, nothing saved. POST: save
    exactly that (the key of what was shown must still match), and tell
    everyone concerned."""
    if request.method == "GET":
        week = services.week_start(parse_day(request.args.get("tuan"), local_today()))
    else:
        week = _form_week()
    plan, changes, visits, key = _replan(week)
    status = 200
    if request.method == "POST" and EmptyForm().validate_on_submit():
        if request.form.get("confirm") == key:
            report = services.apply_plan(plan)
            db.session.commit()
            _flash_fill_report(report)
            return redirect(url_for("roster.roster", tuan=week.isoformat()), 303)
        flash(_("The roster or the bookings changed since you looked. Here are the changes as they stand now: "
                "please check them again."), "error")
        status = 409
    return render_template(
        "roster/replan.html", week=week, plan=plan, changes=changes, visits=visits, key=key,
    ), status


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
