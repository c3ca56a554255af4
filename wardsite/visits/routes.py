"""Home-visit pages for residents: the booking (/dat-lich/), confirmation,
lookup with change, cancel, erase and rating (/dat-lich/tra-cuu); the `purge`
command. The blueprint `bp` is defined here; the leader's screens
(/quan-tri/lich-hen/) are in `leader_routes`, on the same blueprint, and use
the booking form's handling from here to book for a resident.

A resident never has an account: the pages of one booking open only in the
browser that booked it or looked it up with code and phone (the codes are
kept in the signed session cookie).
"""

from __future__ import annotations

import secrets

import click
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectChoice

from wardsite import page_cache
from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db, limiter
from wardsite.forms import EmptyForm
from wardsite.htmx import htmx_target, render
from wardsite.pages import add_home_door, add_public_link
from wardsite.procedures.models import Procedure, is_valid_code
from wardsite.stations.models import WEEKDAYS
from wardsite.timeutil import to_local
from wardsite.visits import procedure_choices, services, slots
from wardsite.visits.forms import MAX_PROCEDURES, TAKEN_MESSAGE, BookingForm, LookupForm, MoveForm, RatingForm
from wardsite.visits.models import Visit, clean_code

bp = Blueprint("visits", __name__, cli_group=None)

add_public_link("visits.book", _l("Book a home visit"))
add_home_door(
    "visits.book",
    _l("Book a volunteer to help at home"),
    _l("A youth-union team comes to your home and helps you file online: VNeID, birth registration, certified copies…"),
)

SESSION_KEY = "visit_codes"
SESSION_KEEP = 10  # a shared phone may hold a few families' bookings
INLINE_FIELDS = ("full_name", "phone", "address", "residential_group", "consent")


def choice(value, label) -> SelectChoice:
    return SelectChoice(value, label)


def _booking_limit() -> str:
    return current_app.config["VISIT_BOOKING_RATE_LIMIT"]


def _lookup_limit() -> str:
    return current_app.config["VISIT_LOOKUP_RATE_LIMIT"]


@bp.app_template_filter("visit_day")
def visit_day(day) -> str:
    """A day (or a visit's day) as "Thứ Bảy, 28/11/2026"."""
    if isinstance(day, Visit):
        day = to_local(day.slot_start).date()
    return f"{WEEKDAYS[day.weekday()]}, {day:%d/%m/%Y}"


@bp.app_template_filter("visit_time")
def visit_time(visit: Visit) -> str:
    return f"{to_local(visit.slot_start):%H:%M}–{to_local(visit.slot_end):%H:%M}"


@bp.app_template_global()
def procedure_documents(procedure: Procedure) -> list[str]:
    """The procedure's papers to bring, each with how many originals and copies."""
    lines = []
    for document in procedure.documents:
        counts = []
        if document.originals:
            counts.append(_("%(num)s original(s)", num=document.originals))
        if document.copies:
            counts.append(_("%(num)s copy(ies)", num=document.copies))
        lines.append(f"{document.name} ({', '.join(counts)})" if counts else document.name)
    return lines


@bp.app_template_global()
def slots_url(day) -> str:
    """This page again, showing only the slots of `day` (all days for None)."""
    values = dict(request.view_args or {})
    values.update(request.args.to_dict())
    values["ngay"] = day.isoformat() if day else None
    return url_for(request.endpoint, **values)


@bp.app_template_global()
def procedure_url(procedure: Procedure) -> str:
    return url_for("procedures.show", code=procedure.code)


# Access of a resident's browser to its bookings ------------------------------


def _remember(code: str) -> None:
    codes = [c for c in session.get(SESSION_KEY, []) if c != code]
    session[SESSION_KEY] = (codes + [code])[-SESSION_KEEP:]


def _forget(code: str) -> None:
    session[SESSION_KEY] = [c for c in session.get(SESSION_KEY, []) if c != code]


def _own_visit(code: str) -> Visit:
    """The booking, if this browser booked or looked it up; 404 otherwise, so
    that a guessed code shows nothing."""
    code = clean_code(code)
    if code not in session.get(SESSION_KEY, []):
        abort(404)
    visit = db.session.scalar(select(Visit).where(Visit.code == code))
    if visit is None or visit.personal_data_erased:
        _forget(code)
        abort(404)
    return visit


# Booking form ----------------------------------------------------------------


def _group_choices():
    groups = db.session.scalars(select(ResidentialGroup).order_by(ResidentialGroup.position, ResidentialGroup.name))
    return [choice("", _("Choose…"))] + [choice(group.id, group.name) for group in groups]


def _slot_choices(free):
    # The template lays the slots out by day itself; the choices are for validation.
    return [choice(slot.value, slot.label) for slot in free]


def _booking_form(free, *, offer_procedures: bool = True) -> BookingForm:
    form = BookingForm(retention_days=current_app.config["VISIT_RETENTION_DAYS"])
    form.residential_group.choices = _group_choices()
    form.slot.choices = _slot_choices(free)
    if offer_procedures:
        _offer_procedures(form)
    return form


def _offer_procedures(form: BookingForm) -> None:
    """A short list, not the whole catalogue (2,000 boxes are unusable on a
    phone): the procedures residents ask for most, and first, ticked, the
    ones this form carries: sent back (any published procedure, so one chosen
    from the catalogue stays), or preselected from a procedure's page with
    ?thu-tuc=<code>. Only the procedures sent are looked up."""
    if request.method == "POST":
        chosen = procedure_choices.published_procedures((form.procedures.data or [])[:MAX_PROCEDURES])
    else:
        code = (request.args.get("thu-tuc") or "").strip()[:60]
        chosen = procedure_choices.published_procedures(code=code) if is_valid_code(code) else []
        form.procedures.data = [procedure.id for procedure in chosen]
    popular = [] if htmx_target() == "slots" else procedure_choices.popular_procedures()  # the slots alone need no list
    listed = {procedure.id for procedure in popular}
    extra = [procedure for procedure in chosen if procedure.id not in listed]
    form.procedures.choices = [choice(procedure.id, procedure.name) for procedure in extra + popular]


def _render_booking(form, free, *, chosen_day=None, taken=None, template="visits/book.html", action=None):
    days = slots.slots_by_day(free)
    if chosen_day not in days:
        chosen_day = None
    return render(
        template,
        "visits/_slots.html",
        target="slots",
        form=form,
        days=days,
        chosen_day=chosen_day,
        taken=taken,
        action=action or url_for("visits.book"),
        retention_days=current_app.config["VISIT_RETENTION_DAYS"],
        max_active=current_app.config["VISIT_MAX_ACTIVE_PER_PHONE"],
    )


def _details(form: BookingForm) -> services.BookingDetails:
    return services.BookingDetails(
        full_name=form.full_name.data,
        phone=form.phone.data,
        address=form.address.data,
        residential_group_id=form.residential_group.data,
        help_needed=form.help_needed.data or "",
        procedure_ids=[pid for pid in form.procedures.data or [] if pid is not None],
    )


def _after_booking(visit: Visit, booked_by):
    if booked_by is not None:
        flash(_("Visit %(code)s has been booked for the resident.", code=visit.code), "success")
        return redirect(url_for("visits.admin_visit", visit_id=visit.id), 303)
    _remember(visit.code)
    return redirect(url_for("visits.confirmation", code=visit.code), 303)


def _slot_lost(form, moment, ignore: Visit | None = None):
    """The slot went to someone else while the form was sent: the free slots
    as they are now, the message on the field, and the nearest free ones to
    offer instead."""
    free = slots.free_slots(ignore=ignore)
    form.slot.choices = _slot_choices(free)
    form.slot.data = None
    form.slot.errors = [str(TAKEN_MESSAGE)]
    return free, slots.nearest_free_slots(moment, ignore=ignore)


def handle_booking(booked_by=None):
    """GET shows the form; POST books and says what happened. Shared by the
    resident's page and the leader's "book for a resident"."""
    free = slots.free_slots()
    form = _booking_form(free)
    chosen_day = slots.parse_day(request.args.get("ngay"))
    taken = None
    already = services.visit_for_token(form.form_token.data) if request.method == "POST" else None
    if already is not None and not already.personal_data_erased:
        # The same form sent twice (double click, back and resend): one booking.
        return _after_booking(already, booked_by)
    if request.method == "GET":
        form.form_token.data = page_cache.unique_token()  # fresh for each visitor, even from the page cache
    elif form.validate_on_submit():
        moment = slots.parse_slot(form.slot.data)
        try:
            visit, _new = services.book(_details(form), moment, form.form_token.data, booked_by=booked_by)
        except services.TooManyBookings:
            form.phone.errors.append(
                _("This phone number already has %(count)s visits booked. Please cancel one before booking another.",
                  count=current_app.config["VISIT_MAX_ACTIVE_PER_PHONE"])
            )
        except services.SlotTaken:
            free, taken = _slot_lost(form, moment)
        else:
            return _after_booking(visit, booked_by)
    elif form.slot.errors and slots.parse_slot(form.slot.data) is not None:
        # A real time that is no longer free: taken since the page was shown.
        form.slot.data = None
        taken = slots.nearest_free_slots(slots.parse_slot(request.form.get("slot")))
    if request.method == "POST" and not form.form_token.data:
        form.form_token.data = secrets.token_urlsafe(16)
    action = url_for("visits.admin_book") if booked_by is not None else None
    template = "visits/admin_book.html" if booked_by is not None else "visits/book.html"
    return _render_booking(form, free, chosen_day=chosen_day, taken=taken, template=template, action=action)


@bp.route("/dat-lich/", methods=["GET", "POST"])
@limiter.limit(_booking_limit, methods=["POST"])
def book():
    return handle_booking()


@bp.route("/dat-lich/kiem-tra", methods=["POST"])
def check_field():
    """Inline validation: the same form and rules as the final submit, one field back."""
    name = request.args.get("truong", "")
    if name not in INLINE_FIELDS:
        abort(404)
    # Only one field comes back, never the slot: no need to compute the free slots.
    form = _booking_form([], offer_procedures=False)
    form.validate()
    return render_template("visits/_inline_field.html", form=form, name=name)


@bp.route("/dat-lich/xac-nhan/<code>")
def confirmation(code: str):
    visit = _own_visit(code)
    return render_template("visits/confirmation.html", visit=visit, team=services.first_names(visit.team))


# Lookup, change, cancel, erase, rate ------------------------------------------


@bp.route("/dat-lich/tra-cuu", methods=["GET", "POST"])
@limiter.limit(_lookup_limit, methods=["POST"])
def lookup():
    form = LookupForm()
    not_found = False
    if form.validate_on_submit():
        visit = db.session.scalar(
            select(Visit).where(Visit.code == form.code.data, Visit.phone == form.phone.data, Visit.purged_at.is_(None))
        )
        if visit is not None:
            _remember(visit.code)
            return redirect(url_for("visits.manage", code=visit.code), 303)
        not_found = True
    return render_template("visits/lookup.html", form=form, not_found=not_found)


@bp.route("/dat-lich/tra-cuu/<code>")
def manage(code: str):
    visit = _own_visit(code)
    return _render_manage(visit)


def _render_manage(visit, rating_form=None):
    rating_form = rating_form or RatingForm()
    return render_template(
        "visits/manage.html",
        visit=visit,
        team=services.first_names(visit.team),
        rating_form=rating_form,
    )


@bp.route("/dat-lich/tra-cuu/<code>/huy", methods=["POST"])
def cancel(code: str):
    visit = _own_visit(code)
    form = EmptyForm()
    if form.validate_on_submit():
        if not visit.can_change_by_resident():
            flash(_("This visit can no longer be cancelled here. Please call the ward."), "error")
        else:
            services.cancel_by_resident(visit)
            flash(_("Your visit has been cancelled. Thank you for letting us know."), "success")
    return redirect(url_for("visits.manage", code=visit.code), 303)


@bp.route("/dat-lich/tra-cuu/<code>/doi-gio", methods=["GET", "POST"])
def move(code: str):
    visit = _own_visit(code)
    if not visit.can_change_by_resident():
        flash(_("This visit can no longer be moved here. Please call the ward."), "error")
        return redirect(url_for("visits.manage", code=visit.code), 303)
    free = slots.free_slots(ignore=visit)
    form = MoveForm()
    form.slot.choices = _slot_choices(free)
    taken = None
    if form.validate_on_submit():
        moment = slots.parse_slot(form.slot.data)
        try:
            services.move(visit, moment)
        except services.SlotTaken:
            free, taken = _slot_lost(form, moment, ignore=visit)
        else:
            flash(_("Your visit has been moved to %(when)s.", when=visit_day(to_local(visit.slot_start).date()) + " " + visit_time(visit)), "success")
            return redirect(url_for("visits.manage", code=visit.code), 303)
    days = slots.slots_by_day(free)
    chosen_day = slots.parse_day(request.args.get("ngay"))
    return render(
        "visits/move.html",
        "visits/_slots.html",
        target="slots",
        visit=visit,
        form=form,
        days=days,
        taken=taken,
        chosen_day=chosen_day if chosen_day in days else None,
    )


@bp.route("/dat-lich/tra-cuu/<code>/xoa", methods=["POST"])
def erase(code: str):
    visit = _own_visit(code)
    form = EmptyForm()
    if form.validate_on_submit():
        services.erase_by_resident(visit)
        _forget(visit.code)
        flash(_("Your name, phone number and address have been erased. The booking is closed."), "success")
        return redirect(url_for("visits.lookup"), 303)
    return redirect(url_for("visits.manage", code=visit.code), 303)


@bp.route("/dat-lich/tra-cuu/<code>/danh-gia", methods=["POST"])
def rate(code: str):
    visit = _own_visit(code)
    form = RatingForm()
    if not visit.can_rate():
        flash(_("This visit cannot be rated."), "error")
        return redirect(url_for("visits.manage", code=visit.code), 303)
    if form.validate_on_submit():
        services.rate(visit, int(form.rating.data), form.comment.data or "")
        flash(_("Thank you for your rating."), "success")
        return redirect(url_for("visits.manage", code=visit.code), 303)
    return _render_manage(visit, rating_form=form)


# Command line ----------------------------------------------------------------


@bp.cli.command("purge")
def purge_command() -> None:
    """Erase residents' personal data from visits past the retention period."""
    count = services.purge()
    click.echo(f"Personal data erased from {count} visit booking(s).")


# Last: the leader's screens add their routes to `bp`, which they import from here.
from wardsite.visits import leader_routes  # noqa: E402,F401
