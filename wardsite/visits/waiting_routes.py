"""The waiting list's pages: the resident's "call me back" form
(/dat-lich/danh-sach-cho), shown on the booking page when no time is free, and
the leaders' list (/quan-tri/lich-hen/danh-sach-cho), where they mark whom
they have called. Routes of the visits blueprint, as `leader_routes` are.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from wardsite.accounts.permissions import roles_required
from wardsite.extensions import db
from wardsite.forms import EmptyForm
from wardsite.limits import attempt_allowed, count_attempt, retry_at, when_text
from wardsite.visits import booking, slots, waiting_list
from wardsite.visits.blueprint import bp
from wardsite.visits.models import WaitingEntry

ADDRESS_SCOPE = "visits-waiting-per-address"


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
            waiting_list.join(waiting_list.WaitingDetails(
                full_name=form.full_name.data, phone=form.phone.data,
                residential_group_id=form.residential_group.data, suitable_times=form.suitable_times.data or "",
            ), form.form_token.data)
            count_attempt(limit, ADDRESS_SCOPE, address)
            return redirect(url_for("visits.waiting_thanks"), 303)
    free_now = bool(slots.free_slots())
    return render_template("visits/waiting.html", waiting_form=form, free_now=free_now), status


@bp.route("/dat-lich/danh-sach-cho/da-ghi")
def waiting_thanks():
    return render_template("visits/waiting_thanks.html", keep_days=waiting_list.keep_days())


# The leaders' list ----------------------------------------------------------------


@bp.route("/quan-tri/lich-hen/danh-sach-cho")
@roles_required("leader")
def admin_waiting():
    return render_template("visits/admin_waiting.html", entries=waiting_list.waiting_entries())


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
