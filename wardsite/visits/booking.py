"""The resident's booking as a browser holds it, and the booking form's
handling that the resident's page (`routes`) and the leader's "book for a
resident" (`leader_routes`) share: which bookings this browser may open (their
codes in the signed session cookie), the form with its slots, groups and
procedures, and what a POST books or says.
"""

from __future__ import annotations

import secrets

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from wardsite import page_cache
from wardsite.admin.models import ResidentialGroup
from wardsite.extensions import db
from wardsite.htmx import htmx_target, render
from wardsite.procedures.models import is_valid_code
from wardsite.visits import booking_limits, offers, phone_codes, procedure_choices, services, slots, waiting_list
from wardsite.visits.forms import MAX_PROCEDURES, TAKEN_MESSAGE, BookingForm, WaitingForm
from wardsite.visits.models import Visit, clean_code

SESSION_KEY = "visit_codes"
WAITING_ARG = "danh-sach-cho"  # the leader books for this waiting-list entry
SESSION_KEEP = 10
NEW_CODE = "ma-moi"  # the booking form's "Send me a new code" button  # a shared phone may hold a few families' bookings


def remember(code: str) -> None:
    codes = [c for c in session.get(SESSION_KEY, []) if c != code]
    session[SESSION_KEY] = (codes + [code])[-SESSION_KEEP:]


def forget(code: str) -> None:
    session[SESSION_KEY] = [c for c in session.get(SESSION_KEY, []) if c != code]


def own_visit(code: str) -> Visit:
    """The booking, if this browser booked or looked it up; 404 otherwise, so
    that a guessed code shows nothing."""
    code = clean_code(code)
    if code not in session.get(SESSION_KEY, []):
        abort(404)
    visit = db.session.scalar(select(Visit).where(Visit.code == code))
    if visit is None or visit.personal_data_erased:
        forget(code)
        abort(404)
    return visit


# The booking form --------------------------------------------------------------


def group_choices():
    groups = db.session.scalars(select(ResidentialGroup).order_by(ResidentialGroup.position, ResidentialGroup.name))
    return [SelectChoice("", _("Choose…"))] + [SelectChoice(group.id, group.name) for group in groups]


def waiting_form(from_booking: bool = False) -> WaitingForm:
    """The waiting list's "call me back" form (visits.waiting_join). Shown
    after a booking form that found no free time (`from_booking`), it keeps the
    name, phone and group typed there, but never the consent, which was
    given for the booking."""
    form = WaitingForm(keep_days=waiting_list.keep_days())
    form.residential_group.choices = group_choices()
    if from_booking:
        form.consent.data = False
        form.suitable_times.data = ""
    if request.method == "GET" or from_booking or not form.form_token.data:
        form.form_token.data = page_cache.unique_token()
    return form


def slot_choices(free):
    # The template lays the slots out by day itself; the choices are for validation.
    return [SelectChoice(slot.value, slot.label) for slot in free]


def booking_form(free, *, offer_procedures: bool = True) -> BookingForm:
    form = BookingForm(retention_days=current_app.config["VISIT_RETENTION_DAYS"])
    form.residential_group.choices = group_choices()
    form.slot.choices = slot_choices(free)
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
    form.procedures.choices = [SelectChoice(procedure.id, procedure.name) for procedure in extra + popular]


def _render_booking(form, free, *, chosen_day=None, taken=None, template="visits/book.html", action=None,
                    for_resident=True):
    days = slots.slots_by_day(free)
    if chosen_day not in days:
        chosen_day = None
    if not days:
        # The page says there is no free time instead of showing the form: no
        # error about a form that is not there.
        form.form_errors = []
        for field in form:
            field.errors = []
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
        # No free time: a resident may ask to be called back instead.
        waiting_form=waiting_form(from_booking=request.method == "POST") if for_resident and not days else None,
    )


def _details(form: BookingForm) -> services.BookingDetails:
    return services.BookingDetails(
        full_name=form.full_name.data,
        phone=form.phone.data,
        address=form.address.data,
        residential_group_id=form.residential_group.data,
        help_needed=form.help_needed.data or "",
        procedure_ids=[pid for pid in form.procedures.data or [] if pid is not None],
        notify_by=form.notify_by.data if form.notify_by.data in ("zalo", "sms") else "none",
    )


def _after_booking(visit: Visit, booked_by):
    if booked_by is not None:
        flash(_("Visit %(code)s has been booked for the resident.", code=visit.code), "success")
        return redirect(url_for("visits.admin_visit", visit_id=visit.id), 303)
    remember(visit.code)
    return redirect(url_for("visits.confirmation", code=visit.code), 303)


def slot_lost(form, moment, ignore: Visit | None = None):
    """The slot went to someone else while the form was sent: the free slots
    as they are now, the message on the field, and the nearest free ones to
    offer instead."""
    free = slots.free_slots(ignore=ignore)
    form.slot.choices = slot_choices(free)
    form.slot.data = None
    form.slot.errors = [str(TAKEN_MESSAGE)]
    return free, slots.nearest_free_slots(moment, ignore=ignore)


def handle_booking(booked_by=None, waiting_entry=None):
    """GET shows the form; POST books and says what happened. Shared by the
    resident's page and the leader's "book for a resident", who may book for
    someone on the waiting list (`waiting_entry`: the form starts with their
    name, phone and group, and once booked they are off the list)."""
    # The waiting list comes first: a seat of a shift added since is offered
    # to them before it is shown here (one query when nobody is waiting).
    offers.offer_free_seats()
    free = slots.free_slots()
    form = booking_form(free)
    if waiting_entry is not None and request.method == "GET":
        form.full_name.data, form.phone.data = waiting_entry.full_name, waiting_entry.phone
        form.residential_group.data = waiting_entry.residential_group_id
    chosen_day = slots.parse_day(request.args.get("ngay"))
    taken = None
    already = services.visit_for_token(form.form_token.data) if request.method == "POST" else None
    if already is not None and not already.personal_data_erased:
        # The same form sent twice (double click, back and resend): one booking.
        return _after_booking(already, booked_by)
    status = 200
    if request.method == "GET":
        form.form_token.data = page_cache.unique_token()  # fresh for each visitor, even from the page cache
    elif form.validate_on_submit():
        moment = slots.parse_slot(form.slot.data)
        address = request.remote_addr or ""
        # Staff booking for residents who phoned are not limited.
        refused = booking_limits.refusal(address, form.phone.data) if booked_by is None else None
        if refused is not None:
            (form.phone.errors if refused.field == "phone" else form.form_errors).append(refused.message())
            status = 429
        else:
            new_phone, held = booking_limits.new_phone_held(address, form.phone.data) if booked_by is None \
                else (False, True)
            step = None
            if new_phone and phone_codes.enabled():
                step = phone_codes.check(form.phone.data, form.notify_by.data, address, form.phone_code.data,
                                         new_code=bool(request.form.get(NEW_CODE)))
                if step.verified:
                    new_phone, held = False, True  # its owner has it: known from now on
                elif step.to_check:
                    held = False  # no way to send a code: a leader phones to confirm
            if step is not None and not (step.verified or step.to_check):
                # The message next to the code field, or the phone's when no code is open.
                form.code_asked = step.asked
                field = "phone" if step.field == "phone_code" and not step.asked else step.field
                errors = {"phone_code": form.phone_code.errors, "phone": form.phone.errors}.get(field, form.form_errors)
                errors.append(step.message)
                status = step.status
            else:
                try:
                    visit, new = services.book(_details(form), moment, form.form_token.data, booked_by=booked_by,
                                               held=held)
                except services.TooManyBookings:
                    form.phone.errors.append(
                        _("This phone number already has %(count)s visits booked. Please cancel one before booking another.",
                          count=current_app.config["VISIT_MAX_ACTIVE_PER_PHONE"])
                    )
                except services.SlotTaken:
                    free, taken = slot_lost(form, moment)
                else:
                    if new and booked_by is None:
                        booking_limits.count_booking(address, form.phone.data)
                        if new_phone and held:
                            booking_limits.count_new_phone(address)
                    if waiting_entry is not None:
                        waiting_list.called_back(waiting_entry)
                    return _after_booking(visit, booked_by)
    elif form.slot.errors and slots.parse_slot(form.slot.data) is not None:
        # A real time that is no longer free: taken since the page was shown.
        form.slot.data = None
        taken = slots.nearest_free_slots(slots.parse_slot(request.form.get("slot")))
    if request.method == "POST" and not form.form_token.data:
        form.form_token.data = secrets.token_urlsafe(16)
    action = None
    if booked_by is not None:
        action = url_for("visits.admin_book", **({WAITING_ARG: waiting_entry.id} if waiting_entry else {}))
    template = "visits/admin_book.html" if booked_by is not None else "visits/book.html"
    response = _render_booking(form, free, chosen_day=chosen_day, taken=taken, template=template, action=action,
                               for_resident=booked_by is None)
    response.status_code = status
    return response
