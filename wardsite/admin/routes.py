"""The staff home (/quan-tri/) and the admins' screens: users, ward settings,
residential groups and the audit log."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from wardsite.accounts.forms import UserForm
from wardsite.accounts.models import User
from wardsite.accounts.permissions import require, roles_required
from wardsite.admin import audit_labels
from wardsite.admin.forms import ResidentialGroupForm, WardSettingsForm
from wardsite.admin.models import ResidentialGroup, WardSettings
from wardsite import mail, pages
from wardsite.audit import AuditEntry, record_audit
from wardsite.extensions import db
from wardsite.forms import EmptyForm
from wardsite.pages import add_staff_link
from wardsite.uploads import ImageRejected, save_image
from wardsite.urls import page_number

bp = Blueprint("admin", __name__, url_prefix="/quan-tri")

add_staff_link("admin.dashboard", _l("Staff home"), "editor", "leader")
add_staff_link("admin.users", _l("Users"), "admin")
add_staff_link("admin.residential_groups", _l("Residential groups"), "admin")
add_staff_link("admin.settings", _l("Ward settings"), "admin")
add_staff_link("admin.audit_log", _l("Audit log"), "admin")

AUDIT_PAGE_SIZE = 50
bp.add_app_template_global(audit_labels.action_sentence, "audit_action")
bp.add_app_template_global(audit_labels.record_label, "audit_record")
bp.add_app_template_global(audit_labels.details, "audit_details")
MESSAGE_STATUSES = {"queued": _l("queued"), "sending": _l("sending"), "sent": _l("sent"),
                    "delivered": _l("delivered"), "uncertain": _l("uncertain: may have gone"), "failed": _l("failed")}
bp.add_app_template_global(lambda status: str(MESSAGE_STATUSES.get(status, status)), "message_status")

@bp.route("/")
@roles_required("editor", "leader")
def dashboard():
    recent = []
    if current_user.has_role("admin"):
        recent = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(10)).all()
    sections, context = pages.dashboard_sections()
    return render_template("admin/dashboard.html", recent=recent, dashboard_sections=sections, **context)


# Users -----------------------------------------------------------------------


@bp.route("/nguoi-dung/")
@roles_required("admin")
def users():
    people = db.session.scalars(select(User).order_by(User.name)).all()
    return render_template("admin/users.html", users=people)


def _email_taken(email: str, user_id: int | None) -> bool:
    query = select(User.id).where(User.email == email)
    if user_id is not None:
        query = query.where(User.id != user_id)
    return db.session.scalar(query) is not None


def _phone_taken(phone: str | None, user_id: int | None) -> bool:
    if not phone:
        return False
    query = select(User.id).where(User.phone == phone)
    if user_id is not None:
        query = query.where(User.id != user_id)
    return db.session.scalar(query) is not None


def _save_user(form: UserForm, user: User) -> bool:
    """Copy the form into `user`; False (with messages on the fields) if refused."""
    email = form.email.data.strip().lower()
    ok = True
    if _email_taken(email, user.id):
        form.email.errors.append(_("Another account already uses this e-mail."))
        ok = False
    if _phone_taken(form.phone.data or None, user.id):
        form.phone.errors.append(_("Another account already uses this phone number."))
        ok = False
    if user.id is None and not form.password.data:
        form.password.errors.append(_("Please choose a password for the new account."))
        ok = False
    if user.id == current_user.id and (not form.active.data or "admin" not in form.roles.data):
        form.roles.errors.append(_("You cannot remove your own administrator role or deactivate yourself."))
        ok = False
    if not ok:
        return False
    user.name = form.name.data.strip()
    user.email = email
    user.phone = form.phone.data or None
    user.roles = form.roles.data
    user.active = form.active.data
    if form.password.data:
        user.set_password(form.password.data)
    return True


@bp.route("/nguoi-dung/moi", methods=["GET", "POST"])
@roles_required("admin")
def user_new():
    form = UserForm()
    form.password.label.text = _("Password")
    user = User()
    if form.validate_on_submit() and _save_user(form, user):
        db.session.add(user)
        db.session.flush()
        record_audit("user.created", user, f"{user.email}: {', '.join(sorted(user.roles))}")
        db.session.commit()
        flash(_("The account for %(name)s has been created.", name=user.name), "success")
        return redirect(url_for("admin.users"), 303)
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/nguoi-dung/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def user_edit(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    require(user.can_edit(current_user))
    form = UserForm(obj=user)
    if request.method == "GET":
        form.roles.data = sorted(user.roles)
        form.phone.data = user.phone or ""
    if form.validate_on_submit() and _save_user(form, user):
        record_audit("user.updated", user, f"{user.email}: {', '.join(sorted(user.roles))}, active={user.active}")
        db.session.commit()
        flash(_("The account for %(name)s has been saved.", name=user.name), "success")
        return redirect(url_for("admin.users"), 303)
    return render_template("admin/user_form.html", form=form, user=user)


# Ward settings ---------------------------------------------------------------


@bp.route("/cai-dat", methods=["GET", "POST"])
@roles_required("admin")
def settings():
    ward = WardSettings.current()
    form = WardSettingsForm(obj=ward)
    if form.validate_on_submit():
        logo_name = ward.logo_filename
        upload = form.logo.data
        if upload and getattr(upload, "filename", ""):
            try:
                logo_name = save_image(
                    upload, max_bytes=current_app.config["LOGO_MAX_BYTES"], max_side=256, prefix="logo", lossless=True
                )
            except ImageRejected as refusal:
                form.logo.errors.append(str(refusal))
        elif form.remove_logo.data:
            logo_name = None
        if not form.logo.errors:
            form.populate_obj(ward)
            ward.logo_filename = logo_name
            db.session.add(ward)
            record_audit("ward_settings.updated", ward, ward.name)
            db.session.commit()
            flash(_("The ward's settings have been saved."), "success")
            return redirect(url_for("admin.settings"), 303)
    return render_template("admin/settings.html", form=form)


# Residential groups ----------------------------------------------------------


@bp.route("/to-dan-pho/", methods=["GET", "POST"])
@roles_required("admin")
def residential_groups():
    form = ResidentialGroupForm()
    if form.validate_on_submit():
        if _group_name_taken(form.name.data.strip(), None):
            form.name.errors.append(_("A residential group with this name already exists."))
        else:
            group = ResidentialGroup()
            _fill_group(form, group)
            db.session.add(group)
            db.session.flush()
            record_audit("residential_group.created", group, group.name)
            db.session.commit()
            flash(_("%(name)s has been added.", name=group.name), "success")
            return redirect(url_for("admin.residential_groups"), 303)
    groups = db.session.scalars(select(ResidentialGroup).order_by(ResidentialGroup.position, ResidentialGroup.name)).all()
    return render_template("admin/residential_groups.html", groups=groups, form=form)


@bp.route("/to-dan-pho/<int:group_id>", methods=["GET", "POST"])
@roles_required("admin")
def residential_group_edit(group_id: int):
    group = db.session.get(ResidentialGroup, group_id) or abort(404)
    form = ResidentialGroupForm(obj=group)
    if form.validate_on_submit():
        if _group_name_taken(form.name.data.strip(), group.id):
            form.name.errors.append(_("A residential group with this name already exists."))
        else:
            _fill_group(form, group)
            record_audit("residential_group.updated", group, group.name)
            db.session.commit()
            flash(_("%(name)s has been saved.", name=group.name), "success")
            return redirect(url_for("admin.residential_groups"), 303)
    return render_template("admin/residential_group_form.html", form=form, group=group)


def _group_name_taken(name: str, group_id: int | None) -> bool:
    query = select(ResidentialGroup.id).where(func.lower(ResidentialGroup.name) == name.lower())
    if group_id is not None:
        query = query.where(ResidentialGroup.id != group_id)
    return db.session.scalar(query) is not None


def _fill_group(form: ResidentialGroupForm, group: ResidentialGroup) -> None:
    group.name = form.name.data.strip()
    group.cultural_house_address = (form.cultural_house_address.data or "").strip()
    group.position = form.position.data or 0


# Audit log -------------------------------------------------------------------


@bp.route("/nhat-ky")
@roles_required("admin")
def audit_log():
    entries = db.paginate(
        select(AuditEntry).order_by(AuditEntry.id.desc()), page=page_number(), per_page=AUDIT_PAGE_SIZE, error_out=False
    )
    return render_template("admin/audit_log.html", entries=entries)


@bp.route("/hop-thu")
@roles_required("leader")
def outbox():
    """The message log: every message with its channel, status, error and
    attempts, newest first (one status with ?trang-thai=), and per month how
    many went out and what they cost."""
    status = request.args.get("trang-thai", "")
    status = status if status in mail.STATUSES else ""
    return render_template("admin/outbox.html", messages=mail.latest(status=status or None), status=status,
                           statuses=mail.STATUSES, months=mail.monthly_counts(), erased=mail.ERASED)


@bp.route("/hop-thu/<int:message_id>/gui-lai", methods=["POST"])
@roles_required("leader")
def outbox_resend(message_id: int):
    """Queue a message again (a failed one, or one the recipient says never came)."""
    message = db.get_or_404(mail.OutboxMessage, message_id)
    if EmptyForm().validate_on_submit():
        if message.recipient == mail.ERASED:
            flash(_("This message cannot be sent again: its recipient was erased."), "error")
        elif not mail.can_resend(message):
            flash(_("A one-time code is never sent again: the resident asks for a new one on the booking form."),
                  "error")
        else:
            mail.resend(message)
            record_audit("message.resent", None, f"{message.id} {message.channel}")
            db.session.commit()
            flash(_("The message is queued again; the worker sends it in a moment."), "success")
    return redirect(url_for("admin.outbox"), 303)
