"""Signing in and out (/dang-nhap, /dang-xuat), changing one's password,
setting a new one from a reset link (/dang-nhap/quen-mat-khau), and an
admin ending every session of a user or making a reset link for them."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import SQLAlchemyError

from wardsite.accounts import password_reset
from wardsite.accounts.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, ResetPasswordForm, UserForm
from wardsite.accounts.models import User
from wardsite.accounts.permissions import require, roles_required
from wardsite.accounts.services import SignInAttempt, is_known_device, note_sign_in, remember_device, verify_password
from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.forms import EmptyForm
from wardsite.limits import when_text
from wardsite.timeutil import utcnow
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


# Password reset ------------------------------------------------------------

RESET_SESSION_KEY = "password_reset_token"


@bp.route("/dang-nhap/quen-mat-khau", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link. The answer is the same whether the account exists."""
    form = ForgotPasswordForm()
    if not current_app.config.get("MAIL_SERVER"):
        return render_template("accounts/forgot_password.html", form=form, mail_on=False)
    if form.validate_on_submit():
        try:
            message = password_reset.request_reset(form.login.data, request.remote_addr or "")
        except password_reset.AddressLimitReached as refusal:
            form.form_errors.append(
                _("Many links have been asked for from this internet connection. Please try again at %(time)s.",
                  time=when_text(refusal.until or utcnow()))
            )
            return render_template("accounts/forgot_password.html", form=form, mail_on=True), 429
        flash(_("If the account is in the system, we have sent a link to its e-mail address to set a new password. "
                "The link works once, for %(hours)s hours. If no e-mail arrives, ask the ward's administrator.",
                hours=password_reset.hours_text()), "success")
        response = redirect(url_for("accounts.forgot_password"), 303)
        if message is not None:
            app = current_app._get_current_object()
            response.call_on_close(lambda: password_reset.send(app, message))
        return response
    return render_template("accounts/forgot_password.html", form=form, mail_on=True)


@bp.route("/dang-nhap/dat-lai-mat-khau", methods=["GET", "POST"])
def reset_password():
    """The link from the e-mail (?ma=...) is kept in the session and the
    address bar loses it; the page then asks for the new password."""
    token = request.args.get("ma")
    if token is not None:
        if password_reset.user_for_token(token) is None:
            return render_template("accounts/reset_password.html", form=None), 400
        session[RESET_SESSION_KEY] = token
        return redirect(url_for("accounts.reset_password"), 303)
    token = session.get(RESET_SESSION_KEY)
    user = password_reset.user_for_token(token)
    if user is None:
        session.pop(RESET_SESSION_KEY, None)
        return render_template("accounts/reset_password.html", form=None), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.new_password.data)  # ends every session, and so this link
        record_audit("user.password_reset", user, user.email, user=user)
        db.session.commit()
        session.pop(RESET_SESSION_KEY, None)
        flash(_("Your new password has been set, and every device signed in to your account has been signed out. "
                "Please sign in with the new password."), "success")
        return redirect(url_for("accounts.login"), 303)
    return render_template("accounts/reset_password.html", form=form, user=user)


@bp.route("/quan-tri/nguoi-dung/<int:user_id>/lien-ket-dat-mat-khau", methods=["POST"])
@roles_required("admin")
def make_reset_link(user_id: int):
    """Without a mail server: a reset link the admin hands over in person."""
    user = db.session.get(User, user_id) or abort(404)
    require(user.can_edit(current_user))
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not user.active:
        flash(_("%(name)s's account is locked: open it before making a link.", name=user.name), "error")
        return redirect(url_for("admin.user_edit", user_id=user.id), 303)
    link = password_reset.reset_link(user)
    record_audit("user.reset_link_made", user, user.email)
    db.session.commit()
    form = UserForm(formdata=None, obj=user)
    form.roles.data = sorted(user.roles)
    form.phone.data = user.phone or ""
    return render_template("admin/user_form.html", form=form, user=user, reset_link=link,
                           reset_until=password_reset.expires_at())
