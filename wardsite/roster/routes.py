"""Pages of the roster: a volunteer's own shifts, swaps, attendance and
calendar feed (/tinh-nguyen/...), and the leaders' week view, shifts, weekly
shifts, printable roster, hours and swaps (/quan-tri/lich-truc/...). The
leader's fill, publish, re-plan and shift cancellation are in
`planning_routes`, on the same blueprint (`blueprint.bp`)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from wardsite.accounts.permissions import require, roles_required
from wardsite.admin.models import WardSettings
from wardsite.extensions import db
from wardsite.forms import EmptyForm
from wardsite.htmx import is_htmx, render
from wardsite.pages import add_staff_link
from wardsite.roster import hours as roster_hours, jobs, services
from wardsite.roster import swaps as swap_approvals
from wardsite.roster import planning_routes  # noqa: F401 (the planning screens add their routes to bp)
from wardsite.roster.blueprint import bp, parse_day
from wardsite.roster.filling import REASONS
from wardsite.roster.forms import AssignForm, ShiftForm, ShiftTemplateForm
from wardsite.roster.models import Assignment, Shift, ShiftTemplate, SwapOffer
from wardsite.roster.shifts import calendar_ics, on_duty_today, published_assignments, staffed_on
from wardsite.stations import services as station_services
from wardsite.stations.forms import DateRangeForm
from wardsite.stations.models import WEEKDAYS, Station
from wardsite.timeutil import local_today
from wardsite.urls import absolute_url_for
from wardsite.volunteers import services as volunteer_services
from wardsite.volunteers.models import Volunteer, day_parts


add_staff_link("roster.roster", _l("Roster"), "leader", before="volunteers.volunteers")
add_staff_link("roster.my_page", _l("My shifts"), "volunteer")

# The stations' page and the card check show who is on duty; those areas sit
# below this one, so it hands them its lookups.
station_services.set_duty_lookup(staffed_on)
volunteer_services.set_duty_lookup(on_duty_today)

ATTENDANCE = {"present": _l("Present"), "absent": _l("Absent")}
SWAP_STATUSES = {"open": _l("Open"), "pending": _l("Waiting for approval"), "taken": _l("Taken"),
                 "withdrawn": _l("Withdrawn")}


@bp.context_processor
def _helpers():
    return {
        "weekday_name": lambda day: WEEKDAYS[day.weekday()],
        "attendance_label": lambda status: ATTENDANCE.get(status, _("Not marked")),
        "swap_status": lambda status: SWAP_STATUSES.get(status, status),
        "timedelta": timedelta,
    }


def _week_args() -> date:
    return services.week_start(parse_day(request.args.get("tuan"), local_today()))


@bp.route("/tinh-nguyen/lich/<token>.ics")
def calendar_feed(token: str):
    volunteer = volunteer_services.by_calendar_token(token)
    if volunteer is None or not volunteer.active:
        abort(404)
    response = make_response(calendar_ics(volunteer, WardSettings.current().name))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response


# The volunteer's own page ----------------------------------------------------------------


def _my_volunteer() -> Volunteer:
    volunteer = volunteer_services.volunteer_for(current_user)
    if volunteer is None:
        abort(404)
    return volunteer


@bp.route("/tinh-nguyen/")
@roles_required("volunteer")
def my_page():
    volunteer = volunteer_services.volunteer_for(current_user)
    if volunteer is None:
        return render_template("roster/my_page.html", volunteer=None)
    today = local_today()
    recent = published_assignments(volunteer, since=today - timedelta(days=14))
    mine = [a for a in recent if a.shift.local_day >= today]
    # Shifts of the last two weeks, for the team to mark who came.
    past = [a for a in reversed(recent) if a.shift.local_day < today]
    my_offers = {
        offer.shift_id: offer
        for offer in db.session.scalars(select(SwapOffer).where(SwapOffer.from_volunteer_id == volunteer.id,
                                                                SwapOffer.status.in_(("open", "pending"))))
    }
    return render_template(
        "roster/my_page.html", volunteer=volunteer, mine=mine, past=past, my_offers=my_offers, today=today,
        offers=services.open_offers_for(volunteer), feed_url=absolute_url_for("roster.calendar_feed", token=volunteer.calendar_token),
    )


@bp.route("/tinh-nguyen/ca/<int:assignment_id>/doi", methods=["POST"])
@roles_required("volunteer")
def offer_swap(assignment_id: int):
    volunteer = _my_volunteer()
    assignment = db.session.get(Assignment, assignment_id) or abort(404)
    require(assignment.volunteer_id == volunteer.id)
    if EmptyForm().validate_on_submit():
        services.offer_swap(assignment)
        db.session.commit()
        flash(_("Your shift is offered to the other volunteers."), "success")
    return redirect(url_for("roster.my_page"), 303)


@bp.route("/tinh-nguyen/doi-ca/<int:offer_id>/nhan", methods=["POST"])
@roles_required("volunteer")
def take_swap(offer_id: int):
    volunteer = _my_volunteer()
    offer = db.session.get(SwapOffer, offer_id) or abort(404)
    if EmptyForm().validate_on_submit():
        problems = services.take_swap(offer, volunteer)
        if problems:
            db.session.rollback()
            flash(_("You cannot take this shift: %(reasons)s", reasons=" ".join(problems)), "error")
        elif offer.status == "pending":
            db.session.commit()
            flash(_("Thank you! The leader approves swaps: the shift is yours once approved, and you will be told."),
                  "success")
        else:
            db.session.commit()
            flash(_("The shift is yours now. Thank you!"), "success")
    return redirect(url_for("roster.my_page"), 303)


@bp.route("/tinh-nguyen/doi-ca/<int:offer_id>/rut", methods=["POST"])
@roles_required("volunteer")
def withdraw_swap(offer_id: int):
    volunteer = _my_volunteer()
    offer = db.session.get(SwapOffer, offer_id) or abort(404)
    require(offer.from_volunteer_id == volunteer.id)
    if EmptyForm().validate_on_submit() and offer.status == "open":
        services.withdraw_swap(offer)
        db.session.commit()
        flash(_("Your offer has been withdrawn."), "success")
    return redirect(url_for("roster.my_page"), 303)


@bp.route("/tinh-nguyen/lich/moi", methods=["POST"])
@roles_required("volunteer")
def new_calendar_link():
    volunteer = _my_volunteer()
    if EmptyForm().validate_on_submit():
        volunteer_services.renew_calendar_link(volunteer)
        db.session.commit()
        flash(_("You have a new calendar link; the old one no longer works."), "success")
    return redirect(url_for("roster.my_page"), 303)


@bp.route("/tinh-nguyen/diem-danh/<int:assignment_id>", methods=["POST"])
@roles_required("volunteer", "leader")
def attendance(assignment_id: int):
    assignment = db.session.get(Assignment, assignment_id) or abort(404)
    status = request.form.get("status")
    # The leader or the team lead marks anyone; a volunteer only their own arrival.
    require(assignment.shift.can_mark_attendance(current_user)
            or (status == "present" and assignment.can_mark_arrival(current_user)))
    if EmptyForm().validate_on_submit() and status in ("present", "absent", ""):
        services.mark_attendance(assignment, status or None)
        db.session.commit()
        flash(_("Attendance saved."), "success")
    target = request.form.get("back") == "roster" and current_user.has_role("leader")
    if target:
        return redirect(url_for("roster.shift_detail", shift_id=assignment.shift_id), 303)
    return redirect(url_for("roster.my_page"), 303)


# Leaders: the roster -----------------------------------------------------------------


def _week_context(week: date):
    shifts = services.shifts_between(week, week + timedelta(days=6), include_cancelled=True)
    live = [s for s in shifts if not s.cancelled]
    days = [(week + timedelta(days=n), [s for s in shifts if s.local_day == week + timedelta(days=n)]) for n in range(7)]
    people = volunteer_services.active_volunteers()
    return {
        "forms": {s.id: AssignForm(_assign_choices(s, people), prefix=f"s{s.id}", formdata=None) for s in live},
        "problems": [],
        # `live` is every shift of the week not cancelled: what empty_seats would read again.
        "week": week, "days": days, "empty": services.empty_seats(live, week_shifts=live, active=people), "reasons": REASONS,
        "previous_week": week - timedelta(days=7), "next_week": week + timedelta(days=7),
        "published": bool(live) and all(s.published_at for s in live), "shift_count": len(live),
        "any_published": any(s.published_at for s in live),
        "excluded": services.excluded_volunteers(live),
        "closed": station_services.ward_closed_days(week, week + timedelta(days=6)),
        "job_under_way": jobs.under_way(week),
    }


def _assign_choices(shift: Shift, people: list[Volunteer] | None = None):
    """Everyone active and not on the shift; those outside their availability
    are marked, since the leader may still choose them after a warning."""
    on_shift = {a.volunteer_id for a in shift.assignments}
    wanted, day = day_parts(shift.starts_at, shift.ends_at), shift.local_day
    choices = []
    for volunteer in people if people is not None else volunteer_services.active_volunteers():
        if volunteer.id in on_shift:
            continue
        free = wanted <= volunteer.weekly_cells and not volunteer.away_on(day)
        note = "" if free else " " + _("(not available)")
        mark = " ★" if volunteer.experienced else ""
        choices.append((volunteer, f"{volunteer.name}{mark}{note}"))
    return choices


@bp.route("/quan-tri/lich-truc/")
@roles_required("leader")
def roster():
    week = _week_args()
    forms = {"generate": DateRangeForm(prefix="gen", formdata=None, data={"start_date": week, "end_date": week + timedelta(days=6)})}
    return render_template("roster/roster.html", generate_form=forms["generate"], **_week_context(week))


@bp.route("/quan-tri/lich-truc/tao", methods=["POST"])
@roles_required("leader")
def generate():
    form = DateRangeForm(prefix="gen")
    if form.validate_on_submit():
        created = services.create_shifts_from_templates(form.start_date.data, form.end_date.data)
        db.session.commit()
        flash(_("%(count)s shifts created from the templates.", count=created), "success")
        return redirect(url_for("roster.roster", tuan=services.week_start(form.start_date.data).isoformat()), 303)
    shown = form.start_date.data if form.start_date.data and not form.start_date.errors else local_today()
    week = services.week_start(shown)
    return render_template("roster/roster.html", generate_form=form, **_week_context(week)), 400


def _shift_card_context(shift: Shift, form: AssignForm | None = None, problems=()) -> dict:
    if form is None:
        form = AssignForm(_assign_choices(shift), prefix=f"s{shift.id}", formdata=None)
    return {"shift": shift, "form": form, "problems": list(problems), "empty": services.empty_seats([shift]), "reasons": REASONS,
            "excluded": services.excluded_volunteers([shift])}


@bp.route("/quan-tri/lich-truc/ca/<int:shift_id>", methods=["GET", "POST"])
@roles_required("leader")
def shift_detail(shift_id: int):
    shift = db.session.get(Shift, shift_id) or abort(404)
    form = AssignForm(_assign_choices(shift), prefix=f"s{shift.id}")
    problems: list[str] = []
    if form.validate_on_submit():
        volunteer = db.session.get(Volunteer, int(form.volunteer.data)) or abort(404)
        assignment, problems = services.assign(volunteer, shift, force=form.confirm.data == "1")
        if assignment is not None:
            db.session.commit()
            if not is_htmx():
                flash(_("%(name)s has been put on the shift.", name=volunteer.name), "success")
                return redirect(url_for("roster.roster", tuan=services.week_start(shift.local_day).isoformat()) + f"#shift-{shift.id}", 303)
            problems = []
            form = AssignForm(_assign_choices(shift), prefix=f"s{shift.id}", formdata=None)
        else:
            db.session.rollback()
            form.confirm.data = "1"
    return render("roster/shift.html", "roster/_shift_card.html", target=f"shift-{shift.id}", **_shift_card_context(shift, form, problems))


@bp.route("/quan-tri/lich-truc/phan-cong/<int:assignment_id>/xoa", methods=["POST"])
@roles_required("leader")
def unassign(assignment_id: int):
    assignment = db.session.get(Assignment, assignment_id) or abort(404)
    shift = assignment.shift
    if EmptyForm().validate_on_submit():
        services.unassign(assignment)
        db.session.commit()
    if is_htmx():
        return render("roster/shift.html", "roster/_shift_card.html", **_shift_card_context(shift))
    flash(_("Removed from the shift."), "success")
    return redirect(url_for("roster.shift_detail", shift_id=shift.id), 303)


def _station_choice(form: ShiftTemplateForm) -> Station | None:
    return db.session.get(Station, int(form.station.data or 0)) if form.kind.data != "mobile" else None


@bp.route("/quan-tri/lich-truc/ca-moi", methods=["GET", "POST"])
@roles_required("leader")
def shift_new():
    form = ShiftForm(station_services.stations())
    if request.method == "GET":
        form.day.data = parse_day(request.args.get("ngay"), local_today())
    if form.validate_on_submit():
        services.add_shift(
            kind=form.kind.data, station=_station_choice(form), day=form.day.data, starts=form.starts.data, ends=form.ends.data,
            seats=form.seats.data, note=(form.note.data or "").strip(), required_skill=form.required_skill.data or "",
        )
        db.session.commit()
        flash(_("The shift has been added."), "success")
        closed = station_services.ward_closed_days(form.day.data, form.day.data)
        if closed:
            flash(_("The ward calendar closes that day (%(why)s): this shift stays, but no weekly shift is made then.",
                    why=closed[form.day.data] or _("ward calendar")), "success")
        return redirect(url_for("roster.roster", tuan=services.week_start(form.day.data).isoformat()), 303)
    return render_template("roster/shift_form.html", form=form)


@bp.route("/quan-tri/lich-truc/mau-ca", methods=["GET", "POST"])
@roles_required("leader")
def templates():
    form = ShiftTemplateForm(station_services.stations())
    if form.validate_on_submit():
        services.add_template(
            kind=form.kind.data, station=_station_choice(form), weekday=int(form.weekday.data), starts=form.starts.data,
            ends=form.ends.data, seats=form.seats.data, required_skill=form.required_skill.data or "",
        )
        db.session.commit()
        flash(_("The weekly shift has been added."), "success")
        return redirect(url_for("roster.templates"), 303)
    rows = db.session.scalars(
        select(ShiftTemplate).options(joinedload(ShiftTemplate.station)).order_by(ShiftTemplate.weekday, ShiftTemplate.starts)
    )
    return render_template("roster/templates.html", form=form, templates=list(rows))


@bp.route("/quan-tri/lich-truc/mau-ca/<int:template_id>/xoa", methods=["POST"])
@roles_required("leader")
def template_delete(template_id: int):
    template = db.session.get(ShiftTemplate, template_id) or abort(404)
    if EmptyForm().validate_on_submit():
        services.delete_template(template)
        db.session.commit()
        flash(_("The weekly shift has been removed."), "success")
    return redirect(url_for("roster.templates"), 303)


@bp.route("/quan-tri/lich-truc/in")
@roles_required("leader")
def roster_print():
    return render_template("roster/roster_print.html", **_week_context(_week_args()))


@bp.route("/quan-tri/lich-truc/gio-truc")
@roles_required("leader")
def hours():
    today = local_today()
    try:
        year, month = (int(part) for part in request.args.get("thang", "").split("-"))
        date(year, month, 1)
    except ValueError:
        year, month = today.year, today.month
    if request.args.get("dang") == "csv":
        response = make_response(roster_hours.hours_csv(year, month))
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        response.headers["Content-Disposition"] = f"attachment; filename=gio-truc-{year}-{month:02d}.csv"
        return response
    return render_template("roster/hours.html", rows=roster_hours.hours_by_month(year, month), year=year, month=month)


@bp.route("/quan-tri/lich-truc/doi-ca")
@roles_required("leader")
def swaps():
    offers = list(db.session.scalars(
        select(SwapOffer).order_by(SwapOffer.id.desc()).limit(200).options(
            joinedload(SwapOffer.shift).joinedload(Shift.station), joinedload(SwapOffer.from_volunteer),
            joinedload(SwapOffer.to_volunteer),
        )
    ))
    return render_template("roster/swaps.html", offers=offers, pending=swap_approvals.pending_offers())
