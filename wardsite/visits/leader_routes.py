"""The leader's screens for home visits (/quan-tri/lich-hen/): the bookings by
day, booking for a resident who phoned, and one visit's page to confirm it,
choose the team, record the outcome, mark nobody at home or cancel. They are
routes of the visits blueprint (`blueprint.bp`), so their endpoints are
`visits.admin_*` beside the resident's pages."""

from __future__ import annotations

from operator import attrgetter

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import SelectChoice

from wardsite.accounts.permissions import require, roles_required
from wardsite.extensions import db
from wardsite.forms import EmptyForm
from wardsite.pages import add_dashboard_section, add_staff_link
from wardsite.timeutil import format_datetime, to_local
from wardsite.visits import booking, procedure_choices, services, slots, waiting_list
from wardsite.visits.blueprint import bp
from wardsite.visits.forms import MAX_PROCEDURES, OutcomeForm, TeamForm
from wardsite.visits.models import REQUESTED, STATUSES, TO_CHECK, Visit, WaitingEntry

add_staff_link("visits.admin_visits", _l("Home visit bookings"), "leader")


def _dashboard_context():
    if not current_user.has_role("leader"):
        return None
    waiting = db.session.scalar(
        select(func.count()).select_from(Visit).where(Visit.status.in_((TO_CHECK, REQUESTED)))
    )
    return {"visits_waiting": waiting, "visits_affected": len(services.affected_visits())}


add_dashboard_section("visits/_dashboard.html", _dashboard_context)


@bp.route("/quan-tri/lich-hen/")
@roles_required("leader")
def admin_visits():
    day = slots.parse_day(request.args.get("ngay"))
    status = request.args.get("trang-thai")
    if status not in STATUSES:
        status = None
    # By default: from today on, plus anything still open from before
    # (until its personal data is purged: then there is nobody to call).
    visits = services.visits_on(day, status, current=day is None and status is None)
    by_day: dict = {}
    for visit in visits:
        by_day.setdefault(to_local(visit.slot_start).date(), []).append(visit)
    return render_template(
        "visits/admin_visits.html",
        by_day=by_day,
        day=day,
        status=status,
        statuses=STATUSES,
        affected=services.affected_visits(),
        waiting=waiting_list.waiting_count(),
    )


@bp.route("/quan-tri/lich-hen/moi", methods=["GET", "POST"])
@roles_required("leader")
def admin_book():
    entry_id = request.args.get(booking.WAITING_ARG, type=int)
    entry = db.session.get(WaitingEntry, entry_id) if entry_id else None
    return booking.handle_booking(booked_by=current_user, waiting_entry=entry)


def _admin_forms(visit, team_form=None, outcome_form=None):
    volunteers = services.team_choices(visit)
    if team_form is None:
        team_form = TeamForm()
        team_form.volunteers.data = [v.id for v in visit.team]
    team_form.volunteers.choices = [SelectChoice(v.id, v.name + (" ★" if v.experienced else "")) for v in volunteers]
    sent = outcome_form is not None
    if outcome_form is None:
        outcome_form = OutcomeForm()
        if visit.status == "done":
            outcome_form.people_guided.data = visit.people_guided
            outcome_form.dossiers_filed.data = visit.dossiers_filed
            outcome_form.dossier_codes.data = visit.dossier_codes
            outcome_form.note.data = visit.outcome_note
            outcome_form.procedures_done.data = [p.id for p in visit.procedures_done]
        else:
            outcome_form.procedures_done.data = [p.id for p in visit.procedures]
    if visit.can_record_outcome(current_user):  # otherwise the form is not shown
        _offer_procedures_done(outcome_form, visit, sent=sent)
    return team_form, outcome_form


def _offer_procedures_done(form: OutcomeForm, visit: Visit, *, sent: bool) -> None:
    """The booking form's short list, for the outcome (the whole catalogue
    was 2,000 boxes): first the procedures booked for this visit, then those
    already recorded or sent back in this form (any published procedure),
    then the ones residents ask for most. Only the procedures sent are
    looked up; one done elsewhere goes in the note."""
    by_name = attrgetter("name", "id")
    first = sorted((procedure for procedure in visit.procedures if procedure.published), key=by_name)
    if sent:
        more = procedure_choices.published_procedures((form.procedures_done.data or [])[:MAX_PROCEDURES])
    elif visit.status == "done":
        more = [procedure for procedure in visit.procedures_done if procedure.published]
    else:
        more = []
    listed = {procedure.id for procedure in first}
    first += sorted((procedure for procedure in more if procedure.id not in listed), key=by_name)
    listed.update(procedure.id for procedure in first)
    popular = [procedure for procedure in procedure_choices.popular_procedures() if procedure.id not in listed]
    form.procedures_done.choices = [SelectChoice(procedure.id, procedure.name) for procedure in first + popular]


def _render_admin_visit(visit, team_form=None, outcome_form=None):
    team_form, outcome_form = _admin_forms(visit, team_form, outcome_form)
    return render_template(
        "visits/admin_visit.html",
        visit=visit,
        team_form=team_form,
        outcome_form=outcome_form,
        problem=services.roster_problem(visit),
    )


def _visit_or_404(visit_id: int) -> Visit:
    return db.session.get(Visit, visit_id) or abort(404)


@bp.route("/quan-tri/lich-hen/<int:visit_id>")
@roles_required("leader")
def admin_visit(visit_id: int):
    return _render_admin_visit(_visit_or_404(visit_id))


def _visit_button(visit_id: int, allowed, change, message):
    """A one-click button on the visit's page: the rule `allowed(visit)`, the
    service `change(visit)` (it records the audit entry), then back to the
    page with `message(visit)`."""
    visit = _visit_or_404(visit_id)
    require(allowed(visit))
    if EmptyForm().validate_on_submit():
        change(visit)
        flash(message(visit), "success")
    return redirect(url_for("visits.admin_visit", visit_id=visit.id), 303)


@bp.route("/quan-tri/lich-hen/<int:visit_id>/xac-nhan", methods=["POST"])
@roles_required("leader")
def admin_confirm(visit_id: int):
    visit = _visit_or_404(visit_id)
    require(visit.can_confirm(current_user))
    if EmptyForm().validate_on_submit():
        code = visit.code
        try:
            services.confirm(visit)
        except services.SlotTaken:
            # A booking to check whose time went to someone else meanwhile.
            db.session.rollback()
            flash(_("The time of visit %(code)s is no longer free, so it is not confirmed. Please phone the "
                    "resident and move the visit to another time, or cancel it.", code=code), "warning")
        else:
            flash(_("Visit %(code)s is confirmed.", code=code), "success")
    return redirect(url_for("visits.admin_visit", visit_id=visit_id), 303)


@bp.route("/quan-tri/lich-hen/<int:visit_id>/doi", methods=["POST"])
@roles_required("leader")
def admin_team(visit_id: int):
    visit = _visit_or_404(visit_id)
    require(visit.can_change_team(current_user))
    form = TeamForm()
    _admin_forms(visit, team_form=form)
    if form.validate_on_submit():
        services.choose_team(visit, form.volunteers.data)
        flash(_("The team for %(code)s has been saved.", code=visit.code), "success")
        return redirect(url_for("visits.admin_visit", visit_id=visit.id), 303)
    return _render_admin_visit(visit, team_form=form)


def _too_early(visit: Visit):
    """The answer to an outcome sent before the visit's slot: back to its page, saying from when."""
    flash(_("Visit %(code)s has not started yet: its outcome can be recorded from %(when)s, when the slot begins.",
            code=visit.code, when=format_datetime(visit.slot_start)), "error")
    return redirect(url_for("visits.admin_visit", visit_id=visit.id), 303)


@bp.route("/quan-tri/lich-hen/<int:visit_id>/ket-qua", methods=["POST"])
@roles_required("leader")
def admin_outcome(visit_id: int):
    visit = _visit_or_404(visit_id)
    require(visit.can_record_outcome(current_user))
    if not visit.has_started:
        return _too_early(visit)
    form = OutcomeForm()
    _admin_forms(visit, outcome_form=form)
    if form.validate_on_submit():
        services.record_outcome(
            visit, form.people_guided.data, form.dossiers_filed.data, form.dossier_codes.data or "", form.note.data or "",
            form.procedures_done.data or [],
        )
        flash(_("The outcome of %(code)s has been saved.", code=visit.code), "success")
        return redirect(url_for("visits.admin_visit", visit_id=visit.id), 303)
    return _render_admin_visit(visit, outcome_form=form)


@bp.route("/quan-tri/lich-hen/<int:visit_id>/vang-nha", methods=["POST"])
@roles_required("leader")
def admin_no_show(visit_id: int):
    visit = _visit_or_404(visit_id)
    if visit.can_record_outcome(current_user) and not visit.has_started:
        return _too_early(visit)
    return _visit_button(
        visit_id, lambda visit: visit.can_record_outcome(current_user) and visit.status != "done", services.mark_no_show,
        lambda visit: _("Visit %(code)s is marked: nobody at home.", code=visit.code),
    )


@bp.route("/quan-tri/lich-hen/<int:visit_id>/huy", methods=["POST"])
@roles_required("leader")
def admin_cancel(visit_id: int):
    return _visit_button(
        visit_id, lambda visit: visit.can_cancel(current_user), services.cancel_by_leader,
        lambda visit: _("Visit %(code)s has been cancelled.", code=visit.code),
    )
