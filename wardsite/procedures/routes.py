"""The procedure catalogue for residents (/thu-tuc/), its printable sheets and
open data, the editors' screens (/quan-tri/thu-tuc/) and the import command
(`flask --app wardsite procedures import FILE`)."""

from __future__ import annotations

import click
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from wardsite.accounts.permissions import roles_required
from wardsite.extensions import db
from wardsite.htmx import htmx_target, render
from wardsite.pages import (
    add_dashboard_section,
    add_home_door,
    add_public_link,
    add_sitemap_endpoint,
    add_sitemap_source,
    add_staff_link,
)
from wardsite.procedures import open_data, portal, services, sheet
from wardsite.procedures.forms import ProcedureForm, apply_list_action
from wardsite.procedures.models import ONLINE_FILTERS, ONLINE_LEVELS, Procedure
from wardsite.publishing import RecordAction, add_record_actions, editable_or_404
from wardsite.qr import qr_data_uri
from wardsite.timeutil import local_today
from wardsite.urls import absolute_url_for, page_number

bp = Blueprint("procedures", __name__, cli_group="procedures")

PAGE_SIZE = 20
EDITOR_PAGE_SIZE = 50
STALE_AFTER_DAYS = 180  # the staff home lists records not checked for six months
# The booking form belongs to the visits area; a plain address keeps the two apart.
BOOKING_URL = "/dat-lich/?thu-tuc={code}"

add_public_link("procedures.index", _l("Procedures"))
add_home_door(
    "procedures.index",
    _l("Look up a procedure"),
    _l("Which papers to bring, the steps, the time and the fee, and whether you can do it online."),
)
add_staff_link("procedures.admin_procedures", _l("Procedures"), "editor")
add_sitemap_endpoint("procedures.index")


def _procedure_urls():
    query = select(Procedure.code, Procedure.updated_at).where(Procedure.published.is_(True)).order_by(Procedure.code)
    for code, updated_at in db.session.execute(query):
        yield absolute_url_for("procedures.show", code=code), updated_at


add_sitemap_source(_procedure_urls)


def _dashboard_context():
    """Published procedures not checked against the portal for six months, for editors."""
    if not current_user.has_role("editor"):
        return None
    stale = services.stale_procedures(STALE_AFTER_DAYS)
    return {"procedure_figures": {"stale": stale, "stale_days": STALE_AFTER_DAYS}}


add_dashboard_section("procedures/_dashboard.html", _dashboard_context)


@bp.app_template_global()
def booking_url(code: str) -> str:
    return BOOKING_URL.format(code=code)


def _query_text() -> str:
    return " ".join(request.args.get("q", "")[: services.MAX_QUERY_LENGTH].split())


# Public pages ------------------------------------------------------------------


@bp.route("/thu-tuc/")
def index():
    query = _query_text()
    sector = services.sector_by_slug(request.args.get("linh-vuc"))
    online_filter = request.args.get("truc-tuyen")
    if online_filter not in ONLINE_FILTERS:
        online_filter = None  # unknown values are ignored, as if not given
    statement = services.search(query, sector, ONLINE_FILTERS.get(online_filter))
    page = services.SearchPage(statement, page=page_number(), per_page=PAGE_SIZE, from_index=True)
    if page.page > 1 and not page.items:
        abort(404)
    return render(
        "procedures/index.html",
        "procedures/_results.html",
        target="procedure-results",
        fragment=htmx_target() == "procedure-results",
        results=page,
        query=query,
        sector=sector,
        online_filter=online_filter,
        online_filters={"toan-trinh": ONLINE_LEVELS["full"], "mot-phan": ONLINE_LEVELS["partial"]},
        # Only the full page and an empty result show the sectors: not every keystroke.
        sectors_in_use=services.sectors_in_use,
    )


def _procedure_or_404(code: str) -> Procedure:
    procedure = services.by_code(code)
    if procedure is None or not procedure.can_view(current_user):
        abort(404)
    return procedure


@bp.route("/thu-tuc/<code>")
def show(code: str):
    procedure = _procedure_or_404(code)
    return render_template("procedures/show.html", procedure=procedure)


@bp.route("/thu-tuc/<code>/in")
def print_sheet(code: str):
    procedure = _procedure_or_404(code)
    page_url = absolute_url_for("procedures.show", code=procedure.code)
    return render_template(
        "procedures/print.html", procedure=procedure, sheet=sheet.build(procedure), page_url=page_url,
        qr=qr_data_uri(page_url, scale=3), printed_on=local_today(),
    )


def _download(content: str, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: other sites may read it
    return response


@bp.route("/thu-tuc/export.json")
def export_json():
    return _download(open_data.export_json(), "application/json", "thu-tuc.json")


@bp.route("/thu-tuc/export.csv")
def export_csv():
    return _download(open_data.export_csv(), "text/csv", "thu-tuc.csv")


# Editors -------------------------------------------------------------------------

ADMIN_STATUSES = {"nhap": False, "da-dang": True}


@bp.route("/quan-tri/thu-tuc/")
@roles_required("editor")
def admin_procedures():
    query = _query_text()
    status = request.args.get("trang-thai")
    if status not in ADMIN_STATUSES:
        status = None
    statement = services.search(query, drafts=True, published=ADMIN_STATUSES[status] if status else None)
    page = services.SearchPage(statement, page=page_number(), per_page=EDITOR_PAGE_SIZE)
    counts = dict(db.session.execute(select(Procedure.published, func.count()).group_by(Procedure.published)).all())
    return render_template(
        "procedures/admin_list.html", page=page, query=query, status=status, counts=counts, today=local_today()
    )


def _number_entries(form: ProcedureForm) -> None:
    """Each entry of a list gets its own label ("Step 2", "Paper 3") so screen readers tell them apart."""
    for number, entry in enumerate(form.steps.entries, start=1):
        entry.form.text.label.text = _("Step %(number)s", number=number)
    for number, entry in enumerate(form.documents.entries, start=1):
        entry.form.name.label.text = _("Paper %(number)s: name", number=number)
        entry.number = number
    for number, entry in enumerate(form.channels.entries, start=1):
        entry.number = number


def _editor_page(form: ProcedureForm, procedure: Procedure | None):
    _number_entries(form)
    return render(
        "procedures/admin_form.html",
        "procedures/_editor_lists.html",
        target="procedure-lists",
        form=form,
        procedure=procedure,
        sector_names=[sector.name for sector in services.sectors()],
    )


def _form_data(form: ProcedureForm, procedure: Procedure | None) -> services.ProcedureData:
    def clean(value) -> str:
        return (value or "").strip()

    return services.ProcedureData(
        code=clean(form.code.data),
        name=clean(form.name.data),
        decision_number=clean(form.decision_number.data),
        sector=clean(form.sector_name.data),
        level=form.level.data,
        online=form.online.data,
        postal_send=form.postal_send.data,
        postal_receive=form.postal_receive.data,
        same_day=form.same_day.data,
        applicants=clean(form.applicants.data),
        authority=clean(form.authority.data),
        result=clean(form.result.data),
        legal_basis=clean(form.legal_basis.data),
        requirements=clean(form.requirements.data),
        published=procedure.published if procedure else False,
        last_checked_on=form.last_checked_on.data,
        check_note=clean(form.check_note.data),
        steps=[clean(entry.form.text.data) for entry in form.steps.entries],
        documents=[
            services.DocumentData(
                name=clean(entry.form.name.data),
                template_url=clean(entry.form.template_url.data),
                originals=entry.form.originals.data or 0,
                copies=entry.form.copies.data or 0,
                group=clean(entry.form.group.data),
                is_note=bool(entry.form.is_note.data),
                template_name=clean(entry.form.template_name.data),
                scans=entry.form.scans.data or 0,
            )
            for entry in form.documents.entries
        ],
        channels=[
            services.ChannelData(
                kind=entry.form.kind.data,
                processing_time=clean(entry.form.processing_time.data),
                fee=clean(entry.form.fee.data),
                note=clean(entry.form.note.data),
                condition=clean(entry.form.condition.data),
                time_value=clean(entry.form.time_value.data),
                time_unit=clean(entry.form.time_unit.data),
                fee_note=clean(entry.form.fee_note.data),
            )
            for entry in form.channels.entries
        ],
        **services.portal_fields(procedure),
    )


def _edit(form: ProcedureForm, procedure: Procedure | None):
    """The shared body of "new" and "edit": list buttons, validation, saving."""
    action = request.form.get("op") if request.method == "POST" else None
    if action:
        # Adding, removing or moving an entry: nothing is saved yet.
        if not apply_list_action(form, action):
            abort(400)
        return _editor_page(form, procedure)
    if form.validate_on_submit():
        data = _form_data(form, procedure)
        if services.code_taken(data.code, procedure.id if procedure else None):
            form.code.errors.append(_("Another procedure already has the code %(code)s.", code=data.code))
        else:
            if procedure is None:
                procedure = services.create(data)
            else:
                services.update(procedure, data)
            db.session.commit()
            flash(_("The procedure «%(name)s» has been saved.", name=procedure.name), "success")
            return redirect(url_for("procedures.procedure_edit", procedure_id=procedure.id), 303)
    return _editor_page(form, procedure)


@bp.route("/quan-tri/thu-tuc/moi", methods=["GET", "POST"])
@roles_required("editor")
def procedure_new():
    form = ProcedureForm()
    if request.method == "GET":
        form.level.data = "ward"
        form.online.data = "none"
        form.channels.append_entry({"kind": "in_person"})
        form.steps.append_entry()
        form.documents.append_entry()
    return _edit(form, None)


@bp.route("/quan-tri/thu-tuc/<int:procedure_id>", methods=["GET", "POST"])
@roles_required("editor")
def procedure_edit(procedure_id: int):
    procedure = editable_or_404(Procedure, procedure_id)
    return _edit(ProcedureForm(obj=procedure), procedure)


add_record_actions(
    bp,
    model=Procedure,
    prefix="/quan-tri/thu-tuc/",
    id_name="procedure_id",
    list_endpoint="procedures.admin_procedures",
    actions=[
        RecordAction(
            "dang", "procedure_publish", services.publish,
            lambda procedure: _("«%(name)s» is now shown to residents.", name=procedure.name),
        ),
        RecordAction(
            "go-xuong", "procedure_unpublish", services.unpublish,
            lambda procedure: _("«%(name)s» is no longer shown to residents.", name=procedure.name),
        ),
        RecordAction(
            "da-kiem-tra", "procedure_mark_checked", services.mark_checked,
            lambda procedure: _("«%(name)s» is marked as checked against the national portal today.", name=procedure.name),
        ),
    ],
)


# Command line ------------------------------------------------------------------


@bp.cli.command("import")
@click.argument("path", type=click.Path(exists=True))
@click.option("--dry-run", is_flag=True, help="Check the file and report, without saving anything.")
@click.option("--publish", is_flag=True, help="Publish every imported procedure (not the lists' drafts).")
@click.option("--all-levels", is_flag=True, help="From a portal list, every procedure, not only the commune level's.")
def import_command(path: str, dry_run: bool, publish: bool, all_levels: bool) -> None:
    """Create or update procedures from PATH, matched by code: a .json or .csv
    file, a national portal record file, a portal list workbook (.xlsx: drafts
    of the commune level's procedures, or all with --all-levels, never over an
    existing procedure), or a folder of them (read recursively).
    See docs/procedures-import.md.

    \b
    Columns (CSV header) or keys (JSON objects); only code and name are required:
      code             1.001193, or 1.001699.000.00.00.H17 with a provincial suffix
      decision_number  the decision that published the procedure
      name             the procedure's name
      sector           e.g. Hộ tịch (created if new)
      level            ward | province                    (default ward)
      online           full | partial | none              (default none)
      postal_send, postal_receive, same_day, published    true | false
      last_checked_on  2026-11-22 or 22/11/2026
      check_note       warning shown to residents until checked
      applicants, authority, result, legal_basis, requirements   text
      steps            JSON: a list of texts; CSV: one step per line in the cell
      documents        JSON: [{"name", "originals", "copies", "template_url"}];
                       CSV: one per line, "name | originals | copies | link"
      channels         JSON: [{"kind", "processing_time", "fee", "note"}],
                       kind in_person | online | post;
                       CSV: one per line, "kind | processing time | fee | note"
    JSON is a list of objects or {"procedures": [...]}, as /thu-tuc/export.json
    gives. A file that cannot be read is refused whole; rows with errors are
    reported and skipped, the others are saved together.
    """
    try:
        records = portal.read_path(path, all_levels=all_levels)
    except open_data.ImportFileError as problem:
        raise click.ClickException(f"{problem}. Nothing was imported.") from None
    report = open_data.import_records(records, dry_run=dry_run, publish=publish)
    for code, note in report.notes:
        click.echo(f"kept unsplit in {code}: {note}")
    for number, code, reason in report.rejected:
        click.echo(f"rejected row {number}{f' ({code})' if code else ''}: {reason}")
    click.echo(
        f"{'Checked (dry run, nothing saved)' if dry_run else 'Imported'}: "
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.rejected)} rejected."
    )
    if report.rejected:
        click.get_current_context().exit(1)
