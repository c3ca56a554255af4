"""Pages of the stations area: where to get help (/diem-ho-tro/) and the
leaders' screens for the stations, their closures and host rotation
(/quan-tri/diem-ho-tro/...), one route per action."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from wardsite.accounts.permissions import roles_required
from wardsite.extensions import db
from wardsite.forms import EmptyForm
from wardsite.pages import add_home_door, add_public_link, add_staff_link
from wardsite.stations import services
from wardsite.stations.forms import ClosureForm, HostForm, StationForm, WardClosureForm
from wardsite.stations.models import WEEKDAYS, Station
from wardsite.timeutil import local_today

bp = Blueprint("stations", __name__)

add_public_link("stations.stations", _l("Where to get help"))
add_home_door("stations.stations", _l("Where to get help today"), _l("The counter and e-stations open today and this week, with youth volunteers to guide you."))
add_staff_link("stations.admin_stations", _l("Stations"), "leader")

SERVICE_DAYS = [
    (_l("Wednesday"), _l("Online day – no paper forms")),
    (_l("Thursday"), _l("No-writing day: staff fill in the forms for you, ward procedures settled the same day")),
]


@bp.context_processor
def _helpers():
    return {"weekday_name": lambda day: WEEKDAYS[day.weekday()]}


@bp.route("/diem-ho-tro/")
def stations():
    today = local_today()
    days = [today + timedelta(days=n) for n in range(7)]
    shifts = services.staffed_shifts_on(today)
    on_duty = {}
    for shift in shifts:
        on_duty.setdefault(shift.station_id, []).append(shift)
    mobile_today = [s for s in shifts if s.station_id is None]
    return render_template(
        "stations/stations.html", stations=services.stations(active_only=True, details=True), days=days, today=today,
        on_duty=on_duty, mobile_today=mobile_today, service_days=SERVICE_DAYS, weekdays=WEEKDAYS,
        ward_closed=services.ward_closed_days(days[0], days[-1]),
    )


# Leaders -------------------------------------------------------------------------------


def _station_values(form: StationForm) -> dict:
    return {
        "name": form.name.data.strip(), "kind": form.kind.data, "address": (form.address.data or "").strip(),
        "residential_group": services.residential_group(form.residential_group.data),
        "equipment": (form.equipment.data or "").strip(), "active": form.active.data, "position": form.position.data or 0,
        "hours": form.opening_hours(),
    }


@bp.route("/quan-tri/diem-ho-tro/", methods=["GET", "POST"])
@roles_required("leader")
def admin_stations():
    form = StationForm(services.residential_groups())
    if form.validate_on_submit():
        station = services.save_station(Station(), **_station_values(form))
        db.session.commit()
        flash(_("%(name)s has been added.", name=station.name), "success")
        return redirect(url_for("stations.admin_station", station_id=station.id), 303)
    return render_template("stations/admin_stations.html", stations=services.stations(), form=form)


def _station_or_404(station_id: int) -> Station:
    return db.session.get(Station, station_id) or abort(404)


def _back_to(station: Station):
    return redirect(url_for("stations.admin_station", station_id=station.id), 303)


def _station_page(station: Station, groups, form=None, closure_form=None, host_form=None):
    """The station's page; the forms not being submitted are shown as on a GET."""
    if form is None:
        form = StationForm(groups, obj=station, formdata=None)
        form.residential_group.data = str(station.residential_group_id or 0)
        for day, field in enumerate(form.hour_fields()):
            field.data = ", ".join(f"{h.opens:%H:%M}-{h.closes:%H:%M}" for h in station.hours if h.weekday == day)
    return render_template(
        "stations/admin_station.html", station=station, form=form,
        closure_form=closure_form or ClosureForm(prefix="closure", formdata=None),
        host_form=host_form or HostForm(groups, prefix="host", formdata=None),
    )


@bp.route("/quan-tri/diem-ho-tro/<int:station_id>")
@roles_required("leader")
def admin_station(station_id: int):
    return _station_page(_station_or_404(station_id), services.residential_groups())


@bp.route("/quan-tri/diem-ho-tro/<int:station_id>/sua", methods=["POST"])
@roles_required("leader")
def station_update(station_id: int):
    station = _station_or_404(station_id)
    groups = services.residential_groups()
    form = StationForm(groups, obj=station)
    if form.validate_on_submit():
        services.save_station(station, **_station_values(form))
        db.session.commit()
        flash(_("%(name)s has been saved.", name=station.name), "success")
        return _back_to(station)
    return _station_page(station, groups, form=form)


@bp.route("/quan-tri/diem-ho-tro/<int:station_id>/dong-cua", methods=["POST"])
@roles_required("leader")
def closure_add(station_id: int):
    station = _station_or_404(station_id)
    closure_form = ClosureForm(prefix="closure")
    if closure_form.validate_on_submit():
        services.add_closure(station, closure_form.start_date.data, closure_form.end_date.data, (closure_form.reason.data or "").strip())
        db.session.commit()
        flash(_("The closure has been added."), "success")
        return _back_to(station)
    return _station_page(station, services.residential_groups(), closure_form=closure_form)


@bp.route("/quan-tri/diem-ho-tro/<int:station_id>/dong-cua/<int:closure_id>/xoa", methods=["POST"])
@roles_required("leader")
def closure_remove(station_id: int, closure_id: int):
    station = _station_or_404(station_id)
    closure = next((c for c in station.closures if c.id == closure_id), None)
    if closure is not None and EmptyForm().validate_on_submit():
        services.remove_closure(station, closure)
        db.session.commit()
        flash(_("The closure has been removed."), "success")
    return _back_to(station)


@bp.route("/quan-tri/diem-ho-tro/<int:station_id>/luan-phien", methods=["POST"])
@roles_required("leader")
def host_save(station_id: int):
    station = _station_or_404(station_id)
    groups = services.residential_groups()
    host_form = HostForm(groups, prefix="host")
    if host_form.validate_on_submit():
        group = services.residential_group(host_form.host_group.data)
        if group is None:
            host_form.host_group.errors.append(_("Please choose a residential group."))
        else:
            services.set_host(station, host_form.week_start.data, group)
            db.session.commit()
            flash(_("The rotation has been saved."), "success")
            return _back_to(station)
    return _station_page(station, groups, host_form=host_form)


# The ward calendar ---------------------------------------------------------------------


def _calendar_year() -> int:
    try:
        year = int(request.args.get("nam", ""))
    except ValueError:
        year = local_today().year
    return year if 2000 <= year <= 2100 else local_today().year


def _calendar_page(year: int, form: WardClosureForm | None = None):
    return render_template(
        "stations/ward_calendar.html", year=year,
        days=services.ward_calendar(date(year, 1, 1), date(year, 12, 31)),
        form=form or WardClosureForm(formdata=None),
    )


@bp.route("/quan-tri/diem-ho-tro/lich-nghi")
@roles_required("leader")
def ward_calendar():
    return _calendar_page(_calendar_year())


@bp.route("/quan-tri/diem-ho-tro/lich-nghi/dong", methods=["POST"])
@roles_required("leader")
def ward_close():
    form = WardClosureForm()
    if form.validate_on_submit():
        services.close_ward(form.start_date.data, form.end_date.data, (form.reason.data or "").strip())
        db.session.commit()
        flash(_("The ward is closed on those days: no weekly shift is made on them."), "success")
        return redirect(url_for("stations.ward_calendar", nam=form.start_date.data.year), 303)
    return _calendar_page(form.start_date.data.year if form.start_date.data else local_today().year, form)


@bp.route("/quan-tri/diem-ho-tro/lich-nghi/<day>/mo", methods=["POST"])
@roles_required("leader")
def ward_open(day: str):
    try:
        opened = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if EmptyForm().validate_on_submit():
        services.open_ward(opened)
        db.session.commit()
        flash(_("%(day)s is a working day again.", day=opened.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("stations.ward_calendar", nam=opened.year), 303)
