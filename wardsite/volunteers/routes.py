"""Pages of the volunteers area: the card check (/xac-minh/<code>), a
volunteer's own availability and card (/tinh-nguyen/...), and the leaders'
screens for volunteers (/quan-tri/tinh-nguyen-vien/...)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from wardsite.accounts.permissions import require, roles_required
from wardsite.extensions import db
from wardsite.forms import EmptyForm
from wardsite.pages import add_staff_link
from wardsite.stations.models import WEEKDAYS
from wardsite.stations.services import residential_group, residential_groups
from wardsite.volunteers import services
from wardsite.qr import qr_data_uri
from wardsite.volunteers.forms import AvailabilityForm, AwayForm, NotifyForm, VolunteerForm
from wardsite.volunteers.models import DAY_PARTS, Volunteer

bp = Blueprint("volunteers", __name__)

add_staff_link("volunteers.volunteers", _l("Volunteers"), "leader")


@bp.route("/xac-minh/<code>")
def verify(code: str):
    volunteer = services.by_card_code(code)
    duty = services.on_duty_today(volunteer) if volunteer is not None and volunteer.active else []
    response = make_response(render_template("volunteers/verify.html", volunteer=volunteer, duty=duty, code=code), 200 if volunteer else 404)
    response.headers["Cache-Control"] = "no-store"  # deactivation must show at once
    return response


@bp.route("/xac-minh/")
def verify_lookup():
    """The card code typed into the form on /diem-ho-tro/."""
    code = "".join(request.args.get("ma", "").split())[:20]
    if code:
        return redirect(url_for("volunteers.verify", code=code), 303)
    return redirect(url_for("stations.stations") + "#check-heading", 303)


# The volunteer's own availability and card ------------------------------------------------


def _my_volunteer() -> Volunteer:
    volunteer = services.volunteer_for(current_user)
    if volunteer is None:
        abort(404)
    return volunteer


@bp.route("/tinh-nguyen/lich-ranh", methods=["GET", "POST"])
@roles_required("volunteer")
def my_availability():
    return _availability(_my_volunteer(), url_for("volunteers.my_availability"))


@bp.route("/tinh-nguyen/the")
@roles_required("volunteer")
def my_card():
    return _card(_my_volunteer())


@bp.route("/tinh-nguyen/thong-bao", methods=["GET", "POST"])
@roles_required("volunteer")
def my_notifications():
    """How the volunteer is told about their shifts: e-mail, Zalo, SMS or none."""
    volunteer = _my_volunteer()
    form = NotifyForm(volunteer)
    if request.method == "GET":
        form.notify_by.data = volunteer.notify_by
    if form.validate_on_submit():
        volunteer.notify_by = form.notify_by.data
        db.session.commit()
        flash(_("Your choice has been saved."), "success")
        return redirect(url_for("volunteers.my_notifications"), 303)
    return render_template("volunteers/notifications.html", volunteer=volunteer, form=form), 400 if form.errors else 200


def _availability(volunteer: Volunteer, here: str):
    require(volunteer.can_edit(current_user))
    form = AvailabilityForm()
    away_form = AwayForm(prefix="away")
    if request.method == "GET":
        form.cells.data = [f"{day}-{part}" for day, part in sorted(volunteer.weekly_cells)]
        form.preferred_days.data = [str(day) for day in sorted(volunteer.preferred_days)]
        form.avoided_days.data = [str(day) for day in sorted(volunteer.avoided_days)]
    if request.method == "POST" and request.form.get("what") == "away":
        if away_form.validate_on_submit():
            services.add_dates_away(volunteer, away_form.start_date.data, away_form.end_date.data, (away_form.note.data or "").strip())
            db.session.commit()
            flash(_("The dates away have been added."), "success")
            return redirect(here, 303)
    elif request.method == "POST" and request.form.get("what") == "remove-away":
        away = next((a for a in volunteer.dates_away if str(a.id) == request.form.get("away_id")), None)
        if away is not None and EmptyForm().validate_on_submit():
            services.remove_dates_away(volunteer, away)
            db.session.commit()
            flash(_("The dates away have been removed."), "success")
        return redirect(here, 303)
    elif form.validate_on_submit():
        cells = []
        for value in form.cells.data or []:
            day, part = value.split("-")
            cells.append((int(day), part))
        services.set_availability(volunteer, cells)
        volunteer.set_day_preferences({int(d) for d in form.preferred_days.data or []}, {int(d) for d in form.avoided_days.data or []})
        db.session.commit()
        flash(_("The weekly availability has been saved."), "success")
        return redirect(here, 303)
    return render_template(
        "volunteers/availability.html", volunteer=volunteer, form=form, away_form=away_form, weekdays=WEEKDAYS,
        parts=DAY_PARTS, chosen=set(form.cells.data or []),
    )


def _card(volunteer: Volunteer):
    url = services.verification_url(volunteer)
    return render_template("volunteers/card.html", volunteer=volunteer, qr=qr_data_uri(url), url=url)


# Leaders -------------------------------------------------------------------------------


@bp.route("/quan-tri/tinh-nguyen-vien/")
@roles_required("leader")
def volunteers():
    return render_template("volunteers/admin_volunteers.html", volunteers=services.everyone())


@bp.route("/quan-tri/tinh-nguyen-vien/moi", methods=["GET", "POST"])
@roles_required("leader")
def volunteer_new():
    return _volunteer_form(Volunteer())


@bp.route("/quan-tri/tinh-nguyen-vien/<int:volunteer_id>", methods=["GET", "POST"])
@roles_required("leader")
def volunteer_edit(volunteer_id: int):
    return _volunteer_form(db.session.get(Volunteer, volunteer_id) or abort(404))


def _volunteer_form(volunteer: Volunteer):
    form = VolunteerForm(residential_groups(), services.free_accounts(volunteer), obj=volunteer if volunteer.id else None)
    if request.method == "GET" and volunteer.id:
        form.residential_group.data = str(volunteer.residential_group_id or 0)
        form.account.data = str(volunteer.user_id or 0)
        form.skills.data = volunteer.skills
    if form.validate_on_submit():
        services.save_volunteer(
            volunteer, name=form.name.data.strip(), phone=form.phone.data or "", email=(form.email.data or "").strip().lower(),
            branch=(form.branch.data or "").strip(), residential_group=residential_group(form.residential_group.data),
            skills=form.skills.data or [], experienced=form.experienced.data, active=form.active.data,
            max_shifts_per_week=form.max_shifts_per_week.data,
            max_hours_per_week=form.max_hours_per_week.data, max_hours_per_month=form.max_hours_per_month.data,
            user_id=int(form.account.data) if form.account.data not in (None, "", "0") else None,
        )
        db.session.commit()
        flash(_("%(name)s has been saved.", name=volunteer.name), "success")
        return redirect(url_for("volunteers.volunteers"), 303)
    return render_template("volunteers/volunteer_form.html", form=form, volunteer=volunteer if volunteer.id else None)


@bp.route("/quan-tri/tinh-nguyen-vien/<int:volunteer_id>/lich-ranh", methods=["GET", "POST"])
@roles_required("leader")
def volunteer_availability(volunteer_id: int):
    volunteer = db.session.get(Volunteer, volunteer_id) or abort(404)
    return _availability(volunteer, url_for("volunteers.volunteer_availability", volunteer_id=volunteer.id))


@bp.route("/quan-tri/tinh-nguyen-vien/<int:volunteer_id>/the")
@roles_required("leader")
def volunteer_card(volunteer_id: int):
    return _card(db.session.get(Volunteer, volunteer_id) or abort(404))
