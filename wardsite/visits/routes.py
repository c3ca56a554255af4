"""Home-visit pages for residents: the booking (/dat-lich/), confirmation,
lookup with change, cancel, erase and rating (/dat-lich/tra-cuu); the `purge`
command (bookings and the waiting list). The leader's screens (/quan-tri/lich-hen/) are in `leader_routes`,
on the same blueprint (`blueprint.bp`); the booking form's handling, which
both use, and the bookings a browser may open are in `booking`.

A resident never has an account: the pages of one booking open only in the
browser that booked it or looked it up with code and phone (the codes are
kept in the signed session cookie).
"""

from __future__ import annotations

import click
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from wardsite.admin.models import WardSettings
from wardsite.extensions import db
from wardsite.forms import EmptyForm
from wardsite.htmx import render
from wardsite.limits import count_attempt, retry_at, when_text
from wardsite.pages import add_home_door, add_public_link
from wardsite.procedures.models import Procedure
from wardsite.stations.models import WEEKDAYS
from wardsite.timeutil import to_local
from wardsite.roster import services as roster_services
from wardsite.visits import booking, calendar, resident_notices, roster_changes, services, slots
from wardsite.visits import leader_routes  # noqa: F401 (the leader's screens add their routes to bp)
from wardsite.visits import offers, waiting_list, waiting_routes  # noqa: F401 (the waiting list's pages too)
from wardsite.visits.blueprint import bp
from wardsite.visits.forms import LookupForm, MoveForm, RatingForm
from wardsite.visits.models import CODE_LENGTH, Visit, clean_code

add_public_link("visits.book", _l("Book a home visit"))
add_home_door(
    "visits.book",
    _l("Book a volunteer to help at home"),
    _l("A youth-union team comes to your home and helps you file online: VNeID, birth registration, certified copies…"),
)

# The roster sits below this area: it asks these hooks about the visits its changes concern.
roster_services.set_booking_hooks(roster_changes.VisitBookingHooks())

INLINE_FIELDS = ("full_name", "phone", "address", "residential_group", "consent")


@bp.app_template_filter("visit_day")
def visit_day(day) -> str:
    """A day (or a visit's or an offer's day) as "Thứ Bảy, 28/11/2026"."""
    if hasattr(day, "slot_start"):  # a visit, or a seat offered from the waiting list
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


@bp.route("/dat-lich/", methods=["GET", "POST"])
def book():
    return booking.handle_booking()


@bp.route("/dat-lich/kiem-tra", methods=["POST"])
def check_field():
    """Inline validation: the same form and rules as the final submit, one field back."""
    name = request.args.get("truong", "")
    if name not in INLINE_FIELDS:
        abort(404)
    # Only one field comes back, never the slot: no need to compute the free slots.
    form = booking.booking_form([], offer_procedures=False)
    form.validate()
    return render_template("visits/_inline_field.html", form=form, name=name)


@bp.route("/dat-lich/xac-nhan/<code>")
def confirmation(code: str):
    visit = booking.own_visit(code)
    return render_template("visits/confirmation.html", visit=visit, team=services.first_names(visit.team))


@bp.route("/dat-lich/tra-cuu/<code>/lich.ics")
def visit_calendar(code: str):
    """The booking for the resident's phone calendar (only for the browser holding it)."""
    visit = booking.own_visit(code)
    if not visit.active or not visit.upcoming:
        abort(404)
    response = Response(calendar.visit_ics(visit, WardSettings.current().name), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="lich-hen-{visit.code}.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Lookup, change, cancel, erase, rate ------------------------------------------


LOOKUP_SCOPE = "visits-lookup-not-found"


@bp.route("/dat-lich/tra-cuu", methods=["GET", "POST"])
def lookup():
    """Only lookups that found nothing count towards the limit (guessing codes);
    once it is reached the form comes back as typed, saying from when to try again."""
    form = LookupForm()
    if request.method == "GET" and request.args.get("ma"):
        form.code.data = clean_code(request.args["ma"])[:CODE_LENGTH]  # from an offer's link
    not_found = False
    limit, address = current_app.config["VISIT_LOOKUP_RATE_LIMIT"], request.remote_addr or ""
    if form.validate_on_submit():
        retry = retry_at(limit, LOOKUP_SCOPE, address)
        if retry is not None:
            form.form_errors.append(_("Many lookups from this internet connection found no booking. "
                                      "You can try again from %(when)s, or call the ward.", when=when_text(retry)))
            return render_template("visits/lookup.html", form=form, not_found=False), 429
        visit = db.session.scalar(
            select(Visit).where(Visit.code == form.code.data, Visit.phone == form.phone.data, Visit.purged_at.is_(None))
        )
        if visit is not None:
            booking.remember(visit.code)
            return redirect(url_for("visits.manage", code=visit.code), 303)
        entry = waiting_list.entry_for_code(form.code.data)
        if entry is not None and entry.phone == form.phone.data:
            booking.remember(entry.code)  # a waiting-list code: the entry and any seat offered
            return redirect(url_for("visits.waiting_entry", code=entry.code), 303)
        count_attempt(limit, LOOKUP_SCOPE, address)
        not_found = True
    return render_template("visits/lookup.html", form=form, not_found=not_found)


@bp.route("/dat-lich/tra-cuu/<code>")
def manage(code: str):
    visit = booking.own_visit(code)
    return _render_manage(visit)


def _render_manage(visit, rating_form=None):
    rating_form = rating_form or RatingForm()
    return render_template(
        "visits/manage.html",
        visit=visit,
        team=services.first_names(visit.team),
        rating_form=rating_form,
    )


@bp.route("/dat-lich/tra-cuu/<code>/huy", methods=["GET", "POST"])
def cancel(code: str):
    """GET asks first (a page of its own: what happens to which visit); the
    page's button POSTs."""
    visit = booking.own_visit(code)
    if not visit.can_change_by_resident():
        flash(_("This visit can no longer be cancelled here. Please call the ward."), "error")
        return redirect(url_for("visits.manage", code=visit.code), 303)
    if request.method == "GET":
        return _confirm(
            visit, _("Cancel your visit on %(day)s, %(time)s?", day=visit_day(visit), time=visit_time(visit)),
            [_("The volunteer team will not come to %(address)s.", address=visit.address),
             _("The time is freed for another resident; this cannot be undone. You can book a new visit at any time.")],
            url_for("visits.cancel", code=visit.code), _("Yes, cancel the visit"),
        )
    if EmptyForm().validate_on_submit():
        services.cancel_by_resident(visit)
        flash(_("Your visit has been cancelled. Thank you for letting us know."), "success")
    return redirect(url_for("visits.manage", code=visit.code), 303)


def _confirm(visit: Visit, heading: str, consequences: list[str], action: str, confirm_label: str):
    return render_template(
        "visits/confirm.html", visit=visit, heading=heading, consequences=consequences, action=action,
        confirm_label=confirm_label,
    )


@bp.route("/dat-lich/tra-cuu/<code>/doi-gio", methods=["GET", "POST"])
def move(code: str):
    visit = booking.own_visit(code)
    if not visit.can_change_by_resident():
        flash(_("This visit can no longer be moved here. Please call the ward."), "error")
        return redirect(url_for("visits.manage", code=visit.code), 303)
    # Other times only: "moving" to the booked time would change nothing.
    def other_times(found):
        return [slot for slot in found if slot.start != visit.slot_start]

    free = other_times(slots.free_slots(ignore=visit))
    form = MoveForm(current=to_local(visit.slot_start).strftime(slots.SLOT_FORMAT))
    form.slot.choices = booking.slot_choices(free)
    taken = None
    if form.validate_on_submit():
        moment = slots.parse_slot(form.slot.data)
        try:
            services.move(visit, moment)
        except services.SlotTaken:
            free, taken = booking.slot_lost(form, moment, ignore=visit)
            free, taken = other_times(free), other_times(taken)
            form.slot.choices = booking.slot_choices(free)
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


@bp.route("/dat-lich/tra-cuu/<code>/xoa", methods=["GET", "POST"])
def erase(code: str):
    """GET asks first; the page's button POSTs."""
    visit = booking.own_visit(code)
    if request.method == "GET":
        consequences = [_("Your name, phone number and address are erased for good, and the booking is closed.")]
        if visit.active:
            consequences.append(_("Your visit on %(day)s, %(time)s is cancelled: the team will not come.",
                                  day=visit_day(visit), time=visit_time(visit)))
        return _confirm(visit, _("Erase your data now?"), consequences, url_for("visits.erase", code=visit.code),
                        _("Yes, erase my data"))
    form = EmptyForm()
    if form.validate_on_submit():
        services.erase_by_resident(visit)
        booking.forget(visit.code)
        flash(_("Your name, phone number and address have been erased. The booking is closed."), "success")
        return redirect(url_for("visits.lookup"), 303)
    return redirect(url_for("visits.manage", code=visit.code), 303)


@bp.route("/dat-lich/tra-cuu/<code>/tat-tin-nhan", methods=["POST"])
def stop_messages(code: str):
    """The resident stops Zalo or SMS messages about this booking."""
    visit = booking.own_visit(code)
    if EmptyForm().validate_on_submit() and visit.notify_by != "none":
        resident_notices.stop_messages(visit)
        flash(_("The ward will send no more messages about this visit. You can still look it up here."), "success")
    return redirect(url_for("visits.manage", code=visit.code), 303)


@bp.route("/dat-lich/tra-cuu/<code>/danh-gia", methods=["POST"])
def rate(code: str):
    visit = booking.own_visit(code)
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


@bp.cli.command("remind-residents")
def remind_residents_command() -> None:
    """Queue the reminder to residents who chose Zalo or SMS, for tomorrow's visits."""
    click.echo(f"{resident_notices.remind()} reminder(s) queued.")


@bp.cli.command("purge")
def purge_command() -> None:
    """Erase residents' personal data from visits past the retention period."""
    count = services.purge()
    click.echo(f"Personal data erased from {count} visit booking(s).")
    waiting = waiting_list.purge()
    click.echo(f"{waiting} old waiting-list entry(ies) deleted.")  # with their offers
    made = offers.offer_free_seats()  # seats the purged offers held
    click.echo(f"{len(made)} freed seat(s) offered to the waiting list.")
    from wardsite.cli import erase_leftovers

    erase_leftovers()  # nothing erased left in the SQLite WAL file


@bp.cli.command("offers")
def offers_command() -> None:
    """Pass on waiting-list offers past their hold time, and offer free seats
    (a new or re-staffed shift) to the waiting list. Run it from cron every
    few minutes."""
    from wardsite.timeutil import utcnow

    now = utcnow()
    expired = offers.expire_due(now)
    made = offers.offer_free_seats(now)
    click.echo(f"{expired} offer(s) expired; {len(made)} freed seat(s) offered to the waiting list.")

