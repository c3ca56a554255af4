"""The ward's figures: the guidance log volunteers fill in on duty
(/tinh-nguyen/ghi-nhan), the leaders' reports with charts and exports
(/quan-tri/bao-cao/), the staff dashboard's roster and visit lines, and the
public statistics (/thong-ke/)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, session, url_for
from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from wardsite.accounts.permissions import require, roles_required
from wardsite.admin.models import WardSettings
from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.forms import EmptyForm
from wardsite.htmx import is_htmx, render
from wardsite.pages import add_dashboard_section, add_home_section, add_public_link, add_staff_link
from wardsite.stats import dashboard, reports, services, summary_tables
from wardsite.stats.charts import bar_chart
from wardsite.stats.exports import breakdown_csv, report_workbook
from wardsite.stats.forms import GuidanceSessionForm, ReportRangeForm
from wardsite.stats.models import GuidanceSession
from wardsite.timeutil import local_today, to_local

bp = Blueprint("stats", __name__, cli_group="stats")

REPORT_ROLES = ("leader",)
LOG_ROLES = ("volunteer", "leader")

add_public_link("stats.public_figures", _l("Figures"))
add_home_section("stats/_home_section.html", 40)
add_staff_link("stats.log_session", _l("Log guidance"), *LOG_ROLES)
add_staff_link("stats.report", _l("Reports"), *REPORT_ROLES)
add_dashboard_section("stats/_dashboard.html", dashboard.context)


# Guidance log ----------------------------------------------------------------------


def _log_form(default_station=None) -> GuidanceSessionForm:
    form = GuidanceSessionForm()
    stations = services.station_choices()
    form.station.choices = [SelectChoice(station.id, station.name) for station in stations]
    if len(stations) > 1:
        # Nothing chosen until the volunteer chooses (or is on a shift there):
        # an entry never lands on the first station of the list by default.
        form.station.choices.insert(0, SelectChoice("", _("Choose where you are on duty")))
    form.procedures.choices = [SelectChoice(procedure.id, procedure.name) for procedure in services.procedure_choices()]
    if request.method == "GET" and default_station is not None:
        form.station.data = default_station.id
    return form


def _saved(entry: GuidanceSession):
    """The answer to a logged entry, the same whether this request stored it or
    an earlier sending of the same form did."""
    station = entry.station.name if entry.station else ""
    message = _("Saved: %(people)s people guided, %(dossiers)s dossiers at %(station)s.",
                people=entry.people_guided, dossiers=entry.dossiers_filed, station=station)
    # A form sent twice before the first answer was read: one message, not two.
    if ["success", message] not in [list(pending) for pending in session.get("_flashes", [])]:
        flash(message, "success")
    # The same station stays chosen for the next entry.
    return redirect(url_for("stats.log_session", **({"diem": entry.station_id} if entry.station_id else {})), 303)


@bp.route("/tinh-nguyen/ghi-nhan", methods=["GET", "POST"])
@roles_required(*LOG_ROLES)
def log_session():
    on_shift = services.current_station_for(current_user)
    form = _log_form(on_shift)
    if request.method == "POST":
        # The same form sent again (double tap, back and resend, resend after a
        # cut-off): answer as the first time, store nothing.
        earlier = services.entry_for_token(form.form_token.data, current_user)
        if earlier is not None:
            return _saved(earlier)
    if form.validate_on_submit():
        try:
            entry, _new = services.log_session_once(
                form_token=form.form_token.data,
                station=db.session.get(services.Station, form.station.data),
                user=current_user,
                people_guided=form.people_guided.data,
                dossiers_filed=form.dossiers_filed.data,
                procedures=services.procedures_by_ids(form.procedures.data or []),
                note=form.note.data or "",
            )
        except services.FormAlreadyUsed:
            form.form_token.data = None
            form.form_token.errors = [_("This form was already sent from another account. Check the figures and save again.")]
        else:
            return _saved(entry)
    if request.method == "GET":
        chosen = request.args.get("diem", type=int)
        if chosen is not None and any(choice.value == chosen for choice in form.station.choices):
            form.station.data = chosen
    names = {choice.value: choice.label for choice in form.station.choices}
    station_id = form.station.data if form.station.data in names else None  # never a number someone typed
    today = local_today()
    return render(
        "stats/log.html",
        "stats/_log.html",
        target="guidance-log",
        form=form,
        on_shift=on_shift,
        fragment=is_htmx(),
        # Just saved: the cursor waits in the first number for the next entry.
        saved=request.method == "GET" and "diem" in request.args,
        station_tally=services.day_tally(today, station_id=station_id) if station_id else None,
        station_name=names.get(station_id),
        my_tally=services.day_tally(today, logged_by_id=current_user.id),
        recent=services.recent_sessions(current_user, today),
    )


@bp.route("/tinh-nguyen/ghi-nhan/<int:session_id>/xoa", methods=["POST"])
@roles_required(*LOG_ROLES)
def delete_session(session_id: int):
    entry = db.session.get(GuidanceSession, session_id) or abort(404)
    require(entry.can_delete(current_user))
    if EmptyForm().validate_on_submit():
        station = entry.station.name if entry.station else ""
        record_audit("guidance_session.deleted", entry,
                     f"{station}: {entry.people_guided} người, {entry.dossiers_filed} hồ sơ, ngày {entry.day:%d/%m/%Y}")
        db.session.delete(entry)
        db.session.commit()
        flash(_("The entry has been deleted."), "success")
    return redirect(url_for("stats.log_session", **({"diem": entry.station_id} if entry.station_id else {})), 303)


# Reports ----------------------------------------------------------------------------


def _report_range() -> tuple[ReportRangeForm, date | None, date | None]:
    """The range asked for; (form, None, None) with messages on the fields if it is wrong."""
    form = ReportRangeForm(request.args)
    default_start, default_end = services.month_range(local_today())
    if not form.validate():
        return form, None, None
    start, end = form.start.data, form.end.data
    if start is None and end is None:
        start, end = default_start, default_end
    elif end is None:
        end = max(start, local_today()) if start <= local_today() else services.month_range(start)[1]
    elif start is None:
        start = end.replace(day=1)
    form.start.data, form.end.data = start, end
    form.start.raw_data = form.end.raw_data = None
    return form, start, end


def _presets() -> list[tuple[str, date, date]]:
    today = local_today()
    this_month = services.month_range(today)
    last_month = services.month_range(this_month[0] - timedelta(days=1))
    this_year = services.year_range(today)
    last_year = services.year_range(date(today.year - 1, 1, 1))
    return [
        (_("This month"), *this_month),
        (_("Last month"), *last_month),
        (_("This year"), *this_year),
        (_("Last year"), *last_year),
    ]


def _range_args(start: date, end: date) -> dict:
    return {"tu": start.strftime("%d/%m/%Y"), "den": end.strftime("%d/%m/%Y")}


@bp.route("/quan-tri/bao-cao/")
@roles_required(*REPORT_ROLES)
def report():
    form, start, end = _report_range()
    report = reports.build_report(start, end) if start else None
    charts = {b.key: bar_chart(b.chart_rows()) for b in report.breakdowns} if report else {}
    return render_template(
        "stats/report.html",
        form=form,
        report=report,
        charts=charts,
        presets=[(label, _range_args(first, last)) for label, first, last in _presets()],
        range_args=_range_args(start, end) if start else {},
    )


def _export_range() -> tuple[date, date]:
    form, start, end = _report_range()
    if start is None:
        abort(404)
    return start, end


def _download(body, mimetype: str, filename: str):
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/quan-tri/bao-cao/<key>.csv")
@roles_required(*REPORT_ROLES)
def report_csv(key: str):
    start, end = _export_range()
    report = reports.build_report(start, end)
    breakdown = report.breakdown(key) or abort(404)
    name = f"bao-cao-{key}-{start:%Y%m%d}-{end:%Y%m%d}.csv"
    return _download(breakdown_csv(breakdown), "text/csv", name)


@bp.route("/quan-tri/bao-cao/bao-cao.xlsx")
@roles_required(*REPORT_ROLES)
def report_workbook_download():
    start, end = _export_range()
    report = reports.build_report(start, end)
    body = report_workbook(report, WardSettings.current().name)
    name = f"bao-cao-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    return _download(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name)


# Public statistics --------------------------------------------------------------------


@bp.route("/thong-ke/")
def public_figures():
    today = local_today()
    month = reports.public_figures(*services.month_range(today))
    year = reports.public_figures(*services.year_range(today))
    # Every group with a figure this year, with this month's beside it (0 if none yet).
    this_month = {str(name): (people, dossiers) for name, people, dossiers in month["groups"]}
    groups = [(name, *this_month.get(str(name), (0, 0)), people, dossiers) for name, people, dossiers in year["groups"]]
    return render_template(
        "stats/public.html",
        month=month,
        year=year,
        groups=groups,
        group_chart=bar_chart([(name, people) for name, people, _dossiers in year["groups"]]),
    )


@bp.cli.command("rebuild-summaries")
def rebuild_summaries_command():
    """Fill the figures' summaries again from every guidance entry and visit.

    The site keeps them in step on every write; this is the repair after rows
    were written around the site (bulk SQL, a restored table)."""
    import click

    counts = summary_tables.rebuild(db.session.connection())
    db.session.commit()
    click.echo(", ".join(f"{table}: {rows} rows" for table, rows in counts.items()))


@bp.app_template_filter("stats_number")
def format_number(value, decimals: int = 0) -> str:
    """1.234 or 12,5 in Vietnamese, 1,234 or 12.5 in English. A report has a
    thousand figures: the locale's symbols are looked up once per request."""
    if value is None or value == "":
        return ""
    if "stats_symbols" not in g:
        locale = get_locale()
        g.stats_symbols = (get_group_symbol(locale), get_decimal_symbol(locale))
    group, decimal = g.stats_symbols
    text = f"{value:,.{decimals}f}" if decimals else f"{round(value):,d}"
    if decimals:
        text = text.rstrip("0").rstrip(".")
    return text.translate({ord(","): group, ord("."): decimal})


@bp.app_template_filter("stats_time")
def format_time(moment) -> str:
    return to_local(moment).strftime("%H:%M") if moment else ""


@bp.app_template_global()
def stats_home():
    """The home page's figures block: this year's totals."""
    return reports.public_figures(*services.year_range(local_today()))
