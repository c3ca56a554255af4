"""Pages of the volunteers area: where to get help (/diem-ho-tro/), the card
check (/xac-minh/<code>), the volunteer's own page (/tinh-nguyen/), and the
leaders' screens for stations, volunteers and the roster (/quan-tri/...)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import click
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from wardsite.accounts.models import User, UserRole
from wardsite.accounts.permissions import require, roles_required
from wardsite.admin.models import ResidentialGroup, WardSettings
from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.forms import EmptyForm
from wardsite.htmx import is_htmx, render
from wardsite.pages import add_home_door, add_public_link, add_staff_link
from wardsite.timeutil import from_local, local_today
from wardsite.volunteers import rostering, services
from wardsite.volunteers.forms import (
    AssignForm,
    AvailabilityForm,
    AwayForm,
    ClosureForm,
    DateRangeForm,
    HostForm,
    ShiftForm,
    ShiftTemplateForm,
    StationForm,
    VolunteerForm,
    parse_hours,
)
from wardsite.volunteers.models import (
    DAY_PARTS,
    WEEKDAYS,
    Assignment,
    Closure,
    DateAway,
    OpeningHours,
    Shift,
    ShiftTemplate,
    Station,
    StationHost,
    SwapOffer,
    Volunteer,
    day_parts,
    new_calendar_token,
)

# cli_group=None: `flask roster fill` and `flask remind` sit at the top level.
bp = Blueprint("volunteers", __name__, cli_group=None)

add_public_link("volunteers.stations", _l("Where to get help"))
add_home_door("volunteers.stations", _l("Where to get help today"), _l("The counter and e-stations open today and this week, with youth volunteers to guide you."))
add_staff_link("volunteers.roster", _l("Roster"), "leader")
add_staff_link("volunteers.volunteers", _l("Volunteers"), "leader")
add_staff_link("volunteers.admin_stations", _l("Stations"), "leader")
add_staff_link("volunteers.my_page", _l("My shifts"), "volunteer")

REASONS = {
    rostering.NOBODY_AVAILABLE: _l("nobody is available then"),
    rostering.AT_LIMIT: _l("everyone available is at their limit or on another shift"),
    rostering.NO_EXPERIENCED: _l("no experienced member is free"),
}
SERVICE_DAYS = [
    (_l("Wednesday"), _l("Online day – no paper forms")),
    (_l("Thursday"), _l("No-writing day: staff fill in the forms for you, ward procedures settled the same day")),
]

ATTENDANCE = {"present": _l("Present"), "absent": _l("Absent")}
SWAP_STATUSES = {"open": _l("Open"), "taken": _l("Taken"), "withdrawn": _l("Withdrawn")}


@bp.context_processor
def _helpers():
    return {
        "weekday_name": lambda day: WEEKDAYS[day.weekday()],
        "attendance_label": lambda status: ATTENDANCE.get(status, _("Not marked")),
        "swap_status": lambda status: SWAP_STATUSES.get(status, status),
        "timedelta": timedelta,
    }


def _groups():
    return list(db.session.scalars(select(ResidentialGroup).order_by(ResidentialGroup.position, ResidentialGroup.name)))


def _stations(active_only: bool = False, details: bool = False):
    """Stations in their order; with `details`, also their hours, closures and
    hosting groups, read for all stations at once."""
    query = select(Station).order_by(Station.position, Station.name)
    if active_only:
        query = query.where(Station.active.is_(True))
    if details:
        query = query.options(
            joinedload(Station.residential_group), selectinload(Station.hours), selectinload(Station.closures),
            selectinload(Station.hosts).joinedload(StationHost.residential_group),
        )
    return list(db.session.scalars(query))


def _parse_day(value: str | None, default: date) -> date:
    """A YYYY-MM-DD query value; anything else (or a year far off) is ignored."""
    try:
        day = date.fromisoformat(value) if value else default
    except ValueError:
        return default
    return day if 2000 <= day.year <= 2100 else default


def _group_or_none(value: str | None):
    try:
        return db.session.get(ResidentialGroup, int(value or 0))
    except ValueError:
        return None


def _week_args() -> date:
    return services.week_start(_parse_day(request.args.get("tuan"), local_today()))


# Public pages -----------------------------------------------------------------------


@bp.route("/diem-ho-tro/")
def stations():
    today = local_today()
    days = [today + timedelta(days=n) for n in range(7)]
    stations = _stations(active_only=True, details=True)
    shifts = services.shifts_between(today, today)
    on_duty = {}
    for shift in shifts:
        if shift.published_at is not None and shift.assignments:
            on_duty.setdefault(shift.station_id, []).append(shift)
    mobile_today = [s for s in shifts if s.station_id is None and s.published_at is not None and s.assignments]
    return render_template(
        "volunteers/stations.html", stations=stations, days=days, today=today, on_duty=on_duty,
        mobile_today=mobile_today, service_days=SERVICE_DAYS, weekdays=WEEKDAYS,
    )


@bp.route("/xac-minh/<code>")
def verify(code: str):
    volunteer = db.session.scalar(select(Volunteer).where(Volunteer.card_code == code.strip().upper()[:20]))
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
    return redirect(url_for("volunteers.stations") + "#check-heading", 303)


@bp.route("/tinh-nguyen/lich/<token>.ics")
def calendar_feed(token: str):
    volunteer = db.session.scalar(select(Volunteer).where(Volunteer.calendar_token == token))
    if volunteer is None or not volunteer.active:
        abort(404)
    response = make_response(services.calendar_ics(volunteer, WardSettings.current().name))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response


# The volunteer's own page ----------------------------------------------------------------


def _me() -> Volunteer | None:
    return db.session.scalar(select(Volunteer).where(Volunteer.user_id == current_user.id))


def _my_volunteer() -> Volunteer:
    volunteer = _me()
    if volunteer is None:
        abort(404)
    return volunteer


@bp.route("/tinh-nguyen/")
@roles_required("volunteer")
def my_page():
    volunteer = _me()
    if volunteer is None:
        return render_template("volunteers/my_page.html", volunteer=None)
    today = local_today()
    recent = services.published_assignments(volunteer, since=today - timedelta(days=14))
    mine = [a for a in recent if a.shift.local_day >= today]
    # Shifts of the last two weeks, for the team to mark who came.
    past = [a for a in reversed(recent) if a.shift.local_day < today]
    my_offers = {
        offer.shift_id: offer
        for offer in db.session.scalars(select(SwapOffer).where(SwapOffer.from_volunteer_id == volunteer.id, SwapOffer.status == "open"))
    }
    return render_template(
        "volunteers/my_page.html", volunteer=volunteer, mine=mine, past=past, my_offers=my_offers,
        offers=services.open_offers_for(volunteer), feed_url=url_for("volunteers.calendar_feed", token=volunteer.calendar_token, _external=True),
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
    return redirect(url_for("volunteers.my_page"), 303)


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
        else:
            db.session.commit()
            flash(_("The shift is yours now. Thank you!"), "success")
    return redirect(url_for("volunteers.my_page"), 303)


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
    return redirect(url_for("volunteers.my_page"), 303)


@bp.route("/tinh-nguyen/lich/moi", methods=["POST"])
@roles_required("volunteer")
def new_calendar_link():
    volunteer = _my_volunteer()
    if EmptyForm().validate_on_submit():
        volunteer.calendar_token = new_calendar_token()
        record_audit("volunteer.calendar_token", volunteer, volunteer.name)
        db.session.commit()
        flash(_("You have a new calendar link; the old one no longer works."), "success")
    return redirect(url_for("volunteers.my_page"), 303)


@bp.route("/tinh-nguyen/lich-ranh", methods=["GET", "POST"])
@roles_required("volunteer")
def my_availability():
    return _availability(_my_volunteer(), url_for("volunteers.my_availability"))


@bp.route("/tinh-nguyen/the")
@roles_required("volunteer")
def my_card():
    return _card(_my_volunteer())


@bp.route("/tinh-nguyen/diem-danh/<int:assignment_id>", methods=["POST"])
@roles_required("volunteer", "leader")
def attendance(assignment_id: int):
    assignment = db.session.get(Assignment, assignment_id) or abort(404)
    require(assignment.shift.can_mark_attendance(current_user))
    status = request.form.get("status")
    if EmptyForm().validate_on_submit() and status in ("present", "absent", ""):
        services.mark_attendance(assignment, status or None)
        db.session.commit()
        flash(_("Attendance saved."), "success")
    target = request.form.get("back") == "roster" and current_user.has_role("leader")
    if target:
        return redirect(url_for("volunteers.shift_detail", shift_id=assignment.shift_id), 303)
    return redirect(url_for("volunteers.my_page"), 303)


# Availability (own page and leaders') ---------------------------------------------------


def _availability(volunteer: Volunteer, here: str):
    require(volunteer.can_edit(current_user))
    form = AvailabilityForm()
    away_form = AwayForm(prefix="away")
    if request.method == "GET":
        form.cells.data = [f"{day}-{part}" for day, part in sorted(volunteer.weekly_cells)]
    if request.method == "POST" and request.form.get("what") == "away":
        if away_form.validate_on_submit():
            volunteer.dates_away.append(
                DateAway(start_date=away_form.start_date.data, end_date=away_form.end_date.data, note=(away_form.note.data or "").strip())
            )
            record_audit("volunteer.away_added", volunteer, f"{away_form.start_date.data:%d/%m/%Y}–{away_form.end_date.data:%d/%m/%Y}")
            db.session.commit()
            flash(_("The dates away have been added."), "success")
            return redirect(here, 303)
    elif request.method == "POST" and request.form.get("what") == "remove-away":
        away = next((a for a in volunteer.dates_away if str(a.id) == request.form.get("away_id")), None)
        if away is not None and EmptyForm().validate_on_submit():
            volunteer.dates_away.remove(away)
            record_audit("volunteer.away_removed", volunteer, f"{away.start_date:%d/%m/%Y}–{away.end_date:%d/%m/%Y}")
            db.session.commit()
            flash(_("The dates away have been removed."), "success")
        return redirect(here, 303)
    elif form.validate_on_submit():
        cells = []
        for value in form.cells.data or []:
            day, part = value.split("-")
            cells.append((int(day), part))
        volunteer.set_weekly_cells(cells)
        record_audit("volunteer.availability", volunteer, f"{volunteer.name}: {len(cells)} periods a week")
        db.session.commit()
        flash(_("The weekly availability has been saved."), "success")
        return redirect(here, 303)
    return render_template(
        "volunteers/availability.html", volunteer=volunteer, form=form, away_form=away_form, weekdays=WEEKDAYS,
        parts=DAY_PARTS, chosen=set(form.cells.data or []), empty_form=EmptyForm(),
    )


def _card(volunteer: Volunteer):
    url = services.verification_url(volunteer)
    return render_template("volunteers/card.html", volunteer=volunteer, qr=services.qr_data_uri(url), url=url)


# Leaders: stations -------------------------------------------------------------------


@bp.route("/quan-tri/diem-ho-tro/", methods=["GET", "POST"])
@roles_required("leader")
def admin_stations():
    form = StationForm(_groups())
    if form.validate_on_submit():
        station = Station()
        _fill_station(form, station)
        db.session.add(station)
        db.session.flush()
        record_audit("station.created", station, station.name)
        db.session.commit()
        flash(_("%(name)s has been added.", name=station.name), "success")
        return redirect(url_for("volunteers.admin_station", station_id=station.id), 303)
    return render_template("volunteers/admin_stations.html", stations=_stations(), form=form)


@bp.route("/quan-tri/diem-ho-tro/<int:station_id>", methods=["GET", "POST"])
@roles_required("leader")
def admin_station(station_id: int):
    station = db.session.get(Station, station_id) or abort(404)
    groups = _groups()
    form = StationForm(groups, obj=station)
    closure_form = ClosureForm(prefix="closure")
    host_form = HostForm(groups, prefix="host")
    what = request.form.get("what")
    if request.method == "GET":
        form.residential_group.data = str(station.residential_group_id or 0)
        for day, field in enumerate(form.hour_fields()):
            field.data = ", ".join(f"{h.opens:%H:%M}-{h.closes:%H:%M}" for h in station.hours if h.weekday == day)
    elif what == "closure":
        if closure_form.validate_on_submit():
            station.closures.append(Closure(start_date=closure_form.start_date.data, end_date=closure_form.end_date.data, reason=(closure_form.reason.data or "").strip()))
            record_audit("station.closure_added", station, f"{closure_form.start_date.data:%d/%m/%Y}–{closure_form.end_date.data:%d/%m/%Y}")
            db.session.commit()
            flash(_("The closure has been added."), "success")
            return redirect(url_for("volunteers.admin_station", station_id=station.id), 303)
    elif what == "remove-closure":
        closure = next((c for c in station.closures if str(c.id) == request.form.get("closure_id")), None)
        if closure is not None and EmptyForm().validate_on_submit():
            station.closures.remove(closure)
            record_audit("station.closure_removed", station, f"{closure.start_date:%d/%m/%Y}")
            db.session.commit()
            flash(_("The closure has been removed."), "success")
        return redirect(url_for("volunteers.admin_station", station_id=station.id), 303)
    elif what == "host":
        if host_form.validate_on_submit():
            week = services.week_start(host_form.week_start.data)
            group = _group_or_none(host_form.host_group.data)
            entry = next((h for h in station.hosts if h.week_start == week), None)
            if group is None:
                host_form.host_group.errors.append(_("Please choose a residential group."))
            else:
                if entry is None:
                    station.hosts.append(StationHost(week_start=week, residential_group=group))
                else:
                    entry.residential_group = group
                record_audit("station.host", station, f"{week:%d/%m/%Y}: {group.name}")
                db.session.commit()
                flash(_("The rotation has been saved."), "success")
                return redirect(url_for("volunteers.admin_station", station_id=station.id), 303)
    elif form.validate_on_submit():
        _fill_station(form, station)
        record_audit("station.updated", station, station.name)
        db.session.commit()
        flash(_("%(name)s has been saved.", name=station.name), "success")
        return redirect(url_for("volunteers.admin_station", station_id=station.id), 303)
    return render_template(
        "volunteers/admin_station.html", station=station, form=form, closure_form=closure_form, host_form=host_form, empty_form=EmptyForm(),
    )


def _fill_station(form: StationForm, station: Station) -> None:
    station.name = form.name.data.strip()
    station.kind = form.kind.data
    station.address = (form.address.data or "").strip()
    station.residential_group = _group_or_none(form.residential_group.data)
    station.equipment = (form.equipment.data or "").strip()
    station.active = form.active.data
    station.position = form.position.data or 0
    station.hours = [
        OpeningHours(weekday=day, opens=opens, closes=closes)
        for day, field in enumerate(form.hour_fields())
        for opens, closes in parse_hours(field.data)
    ]


# Leaders: volunteers -------------------------------------------------------------------


def _volunteer_accounts(volunteer: Volunteer | None):
    taken = set(db.session.scalars(select(Volunteer.user_id).where(Volunteer.user_id.is_not(None))))
    if volunteer is not None and volunteer.user_id:
        taken.discard(volunteer.user_id)
    users = db.session.scalars(select(User).join(UserRole).where(UserRole.role == "volunteer").order_by(User.name))
    return [user for user in users if user.id not in taken]


@bp.route("/quan-tri/tinh-nguyen-vien/")
@roles_required("leader")
def volunteers():
    people = list(db.session.scalars(select(Volunteer).order_by(Volunteer.active.desc(), Volunteer.name)))
    return render_template("volunteers/admin_volunteers.html", volunteers=people)


@bp.route("/quan-tri/tinh-nguyen-vien/moi", methods=["GET", "POST"])
@roles_required("leader")
def volunteer_new():
    return _volunteer_form(Volunteer())


@bp.route("/quan-tri/tinh-nguyen-vien/<int:volunteer_id>", methods=["GET", "POST"])
@roles_required("leader")
def volunteer_edit(volunteer_id: int):
    return _volunteer_form(db.session.get(Volunteer, volunteer_id) or abort(404))


def _volunteer_form(volunteer: Volunteer):
    form = VolunteerForm(_groups(), _volunteer_accounts(volunteer), obj=volunteer if volunteer.id else None)
    if request.method == "GET" and volunteer.id:
        form.residential_group.data = str(volunteer.residential_group_id or 0)
        form.account.data = str(volunteer.user_id or 0)
        form.skills.data = volunteer.skills
    if form.validate_on_submit():
        new = volunteer.id is None
        volunteer.name = form.name.data.strip()
        volunteer.phone = form.phone.data or ""
        volunteer.email = (form.email.data or "").strip().lower()
        volunteer.branch = (form.branch.data or "").strip()
        volunteer.residential_group = _group_or_none(form.residential_group.data)
        volunteer.skills = form.skills.data or []
        volunteer.experienced = form.experienced.data
        volunteer.active = form.active.data
        volunteer.max_shifts_per_week = form.max_shifts_per_week.data
        volunteer.user_id = int(form.account.data) if form.account.data not in (None, "", "0") else None
        db.session.add(volunteer)
        db.session.flush()
        record_audit("volunteer.created" if new else "volunteer.updated", volunteer, f"{volunteer.name}, active={volunteer.active}")
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


# Leaders: the roster -----------------------------------------------------------------


def _week_context(week: date):
    shifts = services.shifts_between(week, week + timedelta(days=6), include_cancelled=True)
    live = [s for s in shifts if not s.cancelled]
    days = [(week + timedelta(days=n), [s for s in shifts if s.local_day == week + timedelta(days=n)]) for n in range(7)]
    people = _active_volunteers()
    return {
        "forms": {s.id: AssignForm(_assign_choices(s, people), prefix=f"s{s.id}", formdata=None) for s in live},
        "empty_form": EmptyForm(), "problems": [],
        # `live` is every shift of the week not cancelled: what empty_seats would read again.
        "week": week, "days": days, "empty": services.empty_seats(live, week_shifts=live, active=people), "reasons": REASONS,
        "previous_week": week - timedelta(days=7), "next_week": week + timedelta(days=7),
        "published": bool(live) and all(s.published_at for s in live), "shift_count": len(live),
    }


def _active_volunteers() -> list[Volunteer]:
    return list(db.session.scalars(select(Volunteer).where(Volunteer.active.is_(True)).order_by(Volunteer.name)))


def _assign_choices(shift: Shift, people: list[Volunteer] | None = None):
    """Everyone active and not on the shift; those outside their availability
    are marked, since the leader may still choose them after a warning."""
    on_shift = {a.volunteer_id for a in shift.assignments}
    wanted, day = day_parts(shift.starts_at, shift.ends_at), shift.local_day
    choices = []
    for volunteer in people if people is not None else _active_volunteers():
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
    return render_template("volunteers/roster.html", generate_form=forms["generate"], **_week_context(week))


@bp.route("/quan-tri/lich-truc/tao", methods=["POST"])
@roles_required("leader")
def generate():
    form = DateRangeForm(prefix="gen")
    if form.validate_on_submit():
        created = services.generate_shifts(form.start_date.data, form.end_date.data)
        record_audit("roster.generated", None, f"{form.start_date.data:%d/%m/%Y}–{form.end_date.data:%d/%m/%Y}: {created} shifts")
        db.session.commit()
        flash(_("%(count)s shifts created from the templates.", count=created), "success")
        return redirect(url_for("volunteers.roster", tuan=services.week_start(form.start_date.data).isoformat()), 303)
    shown = form.start_date.data if form.start_date.data and not form.start_date.errors else local_today()
    week = services.week_start(shown)
    return render_template("volunteers/roster.html", generate_form=form, **_week_context(week)), 400


@bp.route("/quan-tri/lich-truc/xep", methods=["POST"])
@roles_required("leader")
def fill():
    week = _parse_day(request.form.get("tuan"), local_today())
    week = services.week_start(week)
    if EmptyForm().validate_on_submit():
        report = services.fill_roster(week, week + timedelta(days=6))
        db.session.commit()
        flash(_("Roster filled: %(filled)s of %(seats)s seats.", filled=report.filled, seats=report.seats), "success")
    return redirect(url_for("volunteers.roster", tuan=week.isoformat()), 303)


@bp.route("/quan-tri/lich-truc/cong-bo", methods=["POST"])
@roles_required("leader")
def publish():
    week = services.week_start(_parse_day(request.form.get("tuan"), local_today()))
    if EmptyForm().validate_on_submit():
        told = services.publish(week, week + timedelta(days=6))
        db.session.commit()
        flash(_("The week is published; %(count)s volunteers were told.", count=told), "success")
    return redirect(url_for("volunteers.roster", tuan=week.isoformat()), 303)


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
                return redirect(url_for("volunteers.roster", tuan=services.week_start(shift.local_day).isoformat()) + f"#shift-{shift.id}", 303)
            problems = []
            form = AssignForm(_assign_choices(shift), prefix=f"s{shift.id}", formdata=None)
        else:
            db.session.rollback()
            form.confirm.data = "1"
    context = {"shift": shift, "form": form, "problems": problems, "empty": services.empty_seats([shift]), "reasons": REASONS, "empty_form": EmptyForm()}
    return render("volunteers/shift.html", "volunteers/_shift_card.html", target=f"shift-{shift.id}", **context)


@bp.route("/quan-tri/lich-truc/phan-cong/<int:assignment_id>/xoa", methods=["POST"])
@roles_required("leader")
def unassign(assignment_id: int):
    assignment = db.session.get(Assignment, assignment_id) or abort(404)
    shift = assignment.shift
    if EmptyForm().validate_on_submit():
        services.unassign(assignment)
        db.session.commit()
    if is_htmx():
        context = {"shift": shift, "form": AssignForm(_assign_choices(shift), prefix=f"s{shift.id}", formdata=None), "problems": [], "empty": services.empty_seats([shift]), "reasons": REASONS, "empty_form": EmptyForm()}
        return render("volunteers/shift.html", "volunteers/_shift_card.html", **context)
    flash(_("Removed from the shift."), "success")
    return redirect(url_for("volunteers.shift_detail", shift_id=shift.id), 303)


@bp.route("/quan-tri/lich-truc/ca/<int:shift_id>/huy", methods=["POST"])
@roles_required("leader")
def cancel_shift(shift_id: int):
    shift = db.session.get(Shift, shift_id) or abort(404)
    if EmptyForm().validate_on_submit():
        shift.cancelled = not shift.cancelled
        record_audit("shift.cancelled" if shift.cancelled else "shift.restored", shift, services.describe(shift))
        db.session.commit()
        flash(_("The shift is cancelled.") if shift.cancelled else _("The shift is back on."), "success")
    return redirect(url_for("volunteers.roster", tuan=services.week_start(shift.local_day).isoformat()), 303)


@bp.route("/quan-tri/lich-truc/ca-moi", methods=["GET", "POST"])
@roles_required("leader")
def shift_new():
    form = ShiftForm(_stations())
    if request.method == "GET":
        form.day.data = _parse_day(request.args.get("ngay"), local_today())
    if form.validate_on_submit():
        station = db.session.get(Station, int(form.station.data or 0)) if form.kind.data != "mobile" else None
        shift = Shift(
            kind=form.kind.data, station=station, seats=form.seats.data, note=(form.note.data or "").strip(),
            starts_at=from_local(datetime.combine(form.day.data, form.starts.data)),
            ends_at=from_local(datetime.combine(form.day.data, form.ends.data)),
        )
        db.session.add(shift)
        db.session.flush()
        record_audit("shift.created", shift, services.describe(shift))
        db.session.commit()
        flash(_("The shift has been added."), "success")
        return redirect(url_for("volunteers.roster", tuan=services.week_start(form.day.data).isoformat()), 303)
    return render_template("volunteers/shift_form.html", form=form)


@bp.route("/quan-tri/lich-truc/mau-ca", methods=["GET", "POST"])
@roles_required("leader")
def templates():
    form = ShiftTemplateForm(_stations())
    if form.validate_on_submit():
        station = db.session.get(Station, int(form.station.data or 0)) if form.kind.data != "mobile" else None
        template = ShiftTemplate(
            kind=form.kind.data, station=station, weekday=int(form.weekday.data), starts=form.starts.data, ends=form.ends.data, seats=form.seats.data,
        )
        db.session.add(template)
        db.session.flush()
        record_audit("shift_template.created", template, f"{template.kind_label} {template.weekday_label} {template.starts:%H:%M}")
        db.session.commit()
        flash(_("The weekly shift has been added."), "success")
        return redirect(url_for("volunteers.templates"), 303)
    rows = db.session.scalars(
        select(ShiftTemplate).options(joinedload(ShiftTemplate.station)).order_by(ShiftTemplate.weekday, ShiftTemplate.starts)
    )
    return render_template("volunteers/templates.html", form=form, templates=list(rows), empty_form=EmptyForm())


@bp.route("/quan-tri/lich-truc/mau-ca/<int:template_id>/xoa", methods=["POST"])
@roles_required("leader")
def template_delete(template_id: int):
    template = db.session.get(ShiftTemplate, template_id) or abort(404)
    if EmptyForm().validate_on_submit():
        record_audit("shift_template.deleted", template, f"{template.kind_label} {template.weekday_label} {template.starts:%H:%M}")
        db.session.delete(template)
        db.session.commit()
        flash(_("The weekly shift has been removed."), "success")
    return redirect(url_for("volunteers.templates"), 303)


@bp.route("/quan-tri/lich-truc/in")
@roles_required("leader")
def roster_print():
    return render_template("volunteers/roster_print.html", **_week_context(_week_args()))


@bp.route("/quan-tri/lich-truc/gio-truc")
@roles_required("leader")
def hours():
    today = local_today()
    try:
        year, month = (int(part) for part in request.args.get("thang", "").split("-"))
        date(year, month, 1)
    except ValueError:
        year, month = today.year, today.month
    rows = services.hours_by_month(year, month)
    if request.args.get("dang") == "csv":
        response = make_response(services.hours_csv(year, month))
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        response.headers["Content-Disposition"] = f"attachment; filename=gio-truc-{year}-{month:02d}.csv"
        return response
    return render_template("volunteers/hours.html", rows=rows, year=year, month=month)


@bp.route("/quan-tri/lich-truc/doi-ca")
@roles_required("leader")
def swaps():
    offers = list(db.session.scalars(
        select(SwapOffer).order_by(SwapOffer.id.desc()).limit(200).options(
            joinedload(SwapOffer.shift).joinedload(Shift.station), joinedload(SwapOffer.from_volunteer),
            joinedload(SwapOffer.to_volunteer),
        )
    ))
    return render_template("volunteers/swaps.html", offers=offers)


# Command line ------------------------------------------------------------------------


@bp.cli.group("roster")
def roster_cli() -> None:
    """Volunteer rosters."""


@roster_cli.command("fill")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day, YYYY-MM-DD.")
def roster_fill_command(start: datetime, end: datetime) -> None:
    """Fill the roster automatically from --from to --to."""
    if end < start:
        raise click.BadParameter("must not be before --from", param_hint="--to")
    report = services.fill_roster(start.date(), end.date())
    db.session.commit()
    click.echo(f"Filled {report.filled} of {report.seats} seats ({report.added} added, {report.removed} removed).")
    with force_locale("en"):
        for shift_id, (count, reason) in sorted(report.empty.items()):
            shift = db.session.get(Shift, shift_id)
            click.echo(f"  {services.describe(shift)}: {count} empty ({REASONS[reason]})")


@bp.cli.command("remind")
def remind_command() -> None:
    """E-mail a reminder the day before each published shift (once)."""
    sent = services.send_reminders()
    db.session.commit()
    click.echo(f"{sent} reminders queued.")

