"""Signing in and out (/dang-nhap, /dang-xuat) and changing one's password."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from wardsite.accounts.forms import ChangePasswordForm, LoginForm
from wardsite.accounts.models import User
from wardsite.accounts.services import login_allowed, record_failed_login
from wardsite.audit import record_audit
from wardsite.extensions import db
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
        if not login_allowed(form.login.data, address):
            form.login.errors.append(
                _("Too many failed attempts. For your safety, please wait 15 minutes and try again.")
            )
            return render_template("accounts/login.html", form=form), 429
        user = User.find_by_login(form.login.data)
        if user is None or not user.active or not user.check_password(form.password.data):
            record_failed_login(form.login.data, address)
            form.password.errors.append(_("The e-mail, phone number or password is not right."))
        else:
            login_user(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            db.session.commit()
            return redirect(next_page or _landing_page(user), 303)
    return render_template("accounts/login.html", form=form)


@bp.route("/dang-xuat", methods=["POST"])
def logout():
    logout_user()
    flash(_("You have signed out."), "success")
    return redirect(url_for("public.home"), 303)


@bp.route("/tai-khoan/mat-khau", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append(_("The current password is not right."))
        else:
            current_user.set_password(form.new_password.data)
            record_audit("user.password_changed", current_user)
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.change_password"), 303)
    return render_template("accounts/change_password.html", form=form)
