"""The waiting list's pages: the resident's "call me back" form
(/dat-lich/danh-sach-cho), shown on the booking page when no time is free, and
the leaders' list (/quan-tri/lich-hen/danh-sach-cho), where they mark whom
they have called and see the seats offered; the resident's page of their
entry (/dat-lich/cho/<code>), where they take or let go a freed seat offered
to them (see `offers`). Routes of the visits blueprint, as `leader_routes` are.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from wardsite.accounts.permissions import roles_required
from wardsite.extensions import db
from wardsite.forms import EmptyForm
from wardsite.limits import attempt_allowed, count_attempt, retry_at, when_text
from wardsite.visits import booking, offers, services, slots, waiting_list
from wardsite.visits.blueprint import bp
from wardsite.stations.models import WEEKDAYS
from wardsite.visits.forms import DAY_PART_LABELS, OfferForm
from wardsite.visits.models import CODE_LENGTH, WaitingEntry, clean_code

ADDRESS_SCOPE = "visits-waiting-per-address"
THANKS_KEY = "waiting_joined"  # the code the thanks page shows


@bp.route("/dat-lich/danh-sach-cho", methods=["GET", "POST"])
def waiting_join():
    """Leave a number to be called back. Entries made count towards the
    booking limit of the connection (households share one), forms sent back
    do not."""
    form = booking.waiting_form()
    status = 200
    if form.validate_on_submit():
        limit, address = current_app.config["VISIT_BOOKING_RATE_LIMIT"], request.remote_addr or ""
        if not attempt_allowed(limit, ADDRESS_SCOPE, address):
            when = retry_at(limit, ADDRESS_SCOPE, address)
            form.form_errors.append(_("Many residents have asked to be called back from this internet connection "
                                      "recently. You can try again from %(when)s, or call the ward.",
                                      when=when_text(when) if when else "…"))
            status = 429
        else:
            entry = waiting_list.join(waiting_list.WaitingDetails(
                full_name=form.full_name.data, phone=form.phone.data,
                residential_group_id=form.residential_group.data, suitable_times=form.suitable_times.data or "",
                weekdays=form.weekdays.data or [], day_parts=form.day_parts.data or [],
            ), form.form_token.data)
            count_attempt(limit, ADDRESS_SCOPE, address)
            booking.remember(entry.code)  # this browser opens the entry, and an offer, without looking it up
            session[THANKS_KEY] = entry.code
            return redirect(url_for("visits.waiting_thanks"), 303)
    free_now = bool(slots.free_slots())
    return render_template("visits/waiting.html", waiting_form=form, free_now=free_now), status


@bp.route("/dat-lich/danh-sach-cho/da-ghi")
def waiting_thanks():
    code = session.get(THANKS_KEY)
    entry = waiting_list.entry_for_code(code) if code and code in session.get(booking.SESSION_KEY, []) else None
    return render_template("visits/waiting_thanks.html", keep_days=waiting_list.keep_days(), entry=entry,
                           hold_hours=current_app.config["VISIT_OFFER_HOLD_HOURS"])


# The resident's entry and the seat offered to them ----------------------------------


def own_entry(code: str) -> WaitingEntry | None:
    """The entry, if this browser joined with it or looked it up with code and
    phone; None otherwise (the page then asks for the phone number)."""
    code = clean_code(code)
    if code not in session.get(booking.SESSION_KEY, []):
        return None
    return waiting_list.entry_for_code(code)


def _entry_or_lookup(code: str):
    entry = own_entry(code)
    if entry is None:
        # From the message's link in another browser, or gone: the lookup
        # form, with the code filled in, asks for the phone number.
        return None, redirect(url_for("visits.lookup", ma=clean_code(code)[:CODE_LENGTH]), 303)
    return entry, None


@bp.route("/dat-lich/cho/<code>")
def waiting_entry(code: str):
    """Where the resident stands in line, or the seat offered to them, with
    "Nhận giờ này" and "Không nhận"."""
    entry, elsewhere = _entry_or_lookup(code)
    if elsewhere is not None:
        return elsewhere
    offers.offer_free_seats()  # an offer past its time passes on when read (perhaps to this resident)
    return _render_entry(entry)


def _render_entry(entry: WaitingEntry, form: OfferForm | None = None, status: int = 200):
    db.session.refresh(entry)
    offer = entry.open_offer
    form = form or OfferForm(retention_days=current_app.config["VISIT_RETENTION_DAYS"])
    return render_template("visits/waiting_entry.html", entry=entry, offer=offer, form=form,
                           decline_form=EmptyForm(), position=waiting_list.position(entry)), status


def _open_offer(entry: WaitingEntry):
    offer = entry.open_offer
    if offer is None:
        flash(_("Sorry, this time is no longer held for you: the offer has expired or was answered. "
                "You are still on the waiting list."), "error")
    return offer


@bp.route("/dat-lich/cho/<code>/nhan", methods=["POST"])
def waiting_accept(code: str):
    entry, elsewhere = _entry_or_lookup(code)
    if elsewhere is not None:
        return elsewhere
    offer = _open_offer(entry)
    if offer is None:
        return redirect(url_for("visits.waiting_entry", code=entry.code), 303)
    form = OfferForm(retention_days=current_app.config["VISIT_RETENTION_DAYS"])
    if not form.validate_on_submit():
        return _render_entry(entry, form, 200)
    try:
        visit = offers.accept(offer, form.address.data)
    except offers.OfferGone:
        flash(_("Sorry, this time is no longer held for you: the offer has expired or was answered. "
                "You are still on the waiting list."), "error")
        return redirect(url_for("visits.waiting_entry", code=entry.code), 303)
    except services.TooManyBookings:
        form.form_errors.append(_(
            "This phone number already has %(count)s visits booked. Please cancel one before booking another.",
            count=current_app.config["VISIT_MAX_ACTIVE_PER_PHONE"]))
        return _render_entry(entry, form, 200)
    booking.forget(entry.code)
    booking.remember(visit.code)
    return redirect(url_for("visits.confirmation", code=visit.code), 303)


@bp.route("/dat-lich/cho/<code>/khong-nhan", methods=["POST"])
def waiting_decline(code: str):
    entry, elsewhere = _entry_or_lookup(code)
    if elsewhere is not None:
        return elsewhere
    offer = _open_offer(entry)
    if offer is not None and EmptyForm().validate_on_submit():
        try:
            offers.decline(offer)
        except offers.OfferGone:
            pass
        else:
            flash(_("Thank you. The time goes to the next person waiting; you stay on the list for other times."),
                  "success")
    return redirect(url_for("visits.waiting_entry", code=entry.code), 303)


# The leaders' list ----------------------------------------------------------------


@bp.app_template_global()
def suitable_summary(entry: WaitingEntry) -> str:
    """The days and times the resident ticked, then what they wrote."""
    days = ", ".join(str(WEEKDAYS[day]) for day in sorted(entry.weekday_set()))
    parts = ", ".join(str(label) for part, label in DAY_PART_LABELS.items() if part in entry.day_part_set())
    return " · ".join(text for text in (days, parts, entry.suitable_times) if text)


@bp.route("/quan-tri/lich-hen/danh-sach-cho")
@roles_required("leader")
def admin_waiting():
    offers.offer_free_seats()  # an offer past its time passes on when read
    return render_template("visits/admin_waiting.html", entries=waiting_list.waiting_entries(),
                           hold_hours=current_app.config["VISIT_OFFER_HOLD_HOURS"])


@bp.route("/quan-tri/lich-hen/danh-sach-cho/<int:entry_id>/da-goi", methods=["GET", "POST"])
@roles_required("leader")
def admin_waiting_called(entry_id: int):
    """GET asks first (the entry is deleted for good); the page's button POSTs."""
    entry = db.session.get(WaitingEntry, entry_id)
    if entry is None:
        abort(404)
    if request.method == "GET":
        return render_template("visits/admin_waiting_called.html", entry=entry)
    if EmptyForm().validate_on_submit():
        waiting_list.called_back(entry)
        flash(_("%(name)s is off the waiting list; their number has been deleted.", name=entry.full_name), "success")
    return redirect(url_for("visits.admin_waiting"), 303)
