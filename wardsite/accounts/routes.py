"""Signing in and out (/dang-nhap, /dang-xuat), changing one's password, and
an admin ending every session of a user."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import SQLAlchemyError

from wardsite.accounts.forms import ChangePasswordForm, LoginForm
from wardsite.accounts.models import User
from wardsite.accounts.permissions import require, roles_required
from wardsite.accounts.services import SignInAttempt, is_known_device, note_sign_in, remember_device, verify_password
from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.forms import EmptyForm
from wardsite.urls import safe_next

bp = Blueprint("accounts", __name__)


def _landing_page(user: User) -> str:
    if user.has_role("editor", "leader"):
        return url_for("admin.dashboard")
    return url_for("public.home")


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login():
    next_page = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_page or _landing_page(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        address = request.remote_addr or ""
        user = User.find_by_login(form.login.data)
        attempt = SignInAttempt(form.login.data, address, user, known_device=is_known_device(user))
        if not attempt.allowed:
            form.login.errors.append(
                _("Too many failed attempts. For your safety, please wait 15 minutes and try again.")
            )
            return render_template("accounts/login.html", form=form), 429
        # The password is checked even for unknown or inactive accounts, so
        # that the answer takes as long whether the account exists or not.
        password_right = verify_password(user, form.password.data)
        if user is None or not user.active or not password_right:
            attempt.failed()
            form.password.errors.append(_("The e-mail, phone number or password is not right."))
        else:
            attempt.succeeded()
            session.pop("csrf_token", None)  # a new CSRF token for the signed-in session
            login_user(user, remember=form.remember.data)
            note_sign_in(user)
            response = redirect(next_page or _landing_page(user), 303)
            remember_device(response, user)
            return response
    return render_template("accounts/login.html", form=form)


def _end_sessions(user: User) -> bool:
    """Raise the user's session version; False (logged) if it cannot be written."""
    user.end_sessions()
    try:
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("could not end the sessions of user %s", user.id, exc_info=True)
        return False
    return True


@bp.route("/dang-xuat", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # Signing out ends every session and remember cookie of the account,
        # including copies of this one.
        _end_sessions(current_user._get_current_object())
    logout_user()
    session.pop("csrf_token", None)
    flash(_("You have signed out."), "success")
    return redirect(url_for("public.home"), 303)


def _keep_this_session(user: User) -> None:
    """After the session version changed: sign this browser in again, with a
    new remember cookie if it had one."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered)


@bp.route("/tai-khoan/mat-khau", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append(_("The current password is not right."))
        else:
            user = current_user._get_current_object()
            user.set_password(form.new_password.data)  # ends the user's other sessions
            record_audit("user.password_changed", user)
            db.session.commit()
            _keep_this_session(user)
            flash(_("Your password has been changed. You have been signed out on your other devices."), "success")
            return redirect(url_for("accounts.change_password"), 303)
    return render_template("accounts/change_password.html", form=form)


@bp.route("/quan-tri/nguoi-dung/<int:user_id>/dang-xuat-moi-noi", methods=["POST"])
@roles_required("admin")
def sign_out_everywhere(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    require(user.can_edit(current_user))
    if not EmptyForm().validate_on_submit():
        abort(400)
    user.end_sessions()
    record_audit("user.signed_out_everywhere", user, user.email)
    db.session.commit()
    if user.id == current_user.id:
        _keep_this_session(user)
    flash(_("%(name)s has been signed out on every device.", name=user.name), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id), 303)
