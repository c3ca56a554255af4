"""Sign-in, password change and the admins' user form."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from wardsite.accounts.models import ROLES
from wardsite.forms import Form, MultiCheckboxField, validate_phone_field

MIN_PASSWORD_LENGTH = 10


class LoginForm(Form):
    login = StringField(
        _l("E-mail or phone number"),
        validators=[DataRequired(_l("Please enter your e-mail or phone number.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Please enter your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


def _new_password_field():
    return PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Please choose a new password.")),
            Length(min=MIN_PASSWORD_LENGTH, max=200, message=_l("The password must have at least 10 characters.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def _confirm_field():
    return PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new_password", _l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Please enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password_field()
    confirm = _confirm_field()


class ForgotPasswordForm(Form):
    login = StringField(
        _l("E-mail or phone number"),
        validators=[
            DataRequired(_l("Please enter your e-mail or phone number.")),
            Length(max=254, message=_l("At most 254 characters.")),
        ],
        render_kw={"autocomplete": "username"},
    )


class ResetPasswordForm(Form):
    """The same rules as changing one's password, without the current one."""

    new_password = _new_password_field()
    confirm = _confirm_field()


class UserForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=120)])
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(_l("Please enter an e-mail address.")),
            Email(_l("Please enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    phone = StringField(_l("Phone number (optional)"), validators=[Optional(), Length(max=30), validate_phone_field])
    roles = MultiCheckboxField(_l("Roles"), choices=[SelectChoice(role, label) for role, label in ROLES.items()])
    active = BooleanField(_l("Account active"), default=True)
    password = PasswordField(
        _l("New password (leave empty to keep the current one)"),
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=200, message=_l("The password must have at least 10 characters."))],
        render_kw={"autocomplete": "new-password"},
    )
