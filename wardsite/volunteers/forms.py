"""Forms for volunteers, their weekly availability and dates away."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, ValidationError, Email, InputRequired, Length, NumberRange, Optional

from wardsite.forms import Form, MultiCheckboxField, validate_phone_field
from wardsite.stations.forms import DateRangeForm, residential_group_choices
from wardsite.stations.models import WEEKDAYS
from wardsite.volunteers.models import DAY_PARTS, NOTIFY_CHOICES, SKILLS


class AwayForm(DateRangeForm):
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=200)])


class VolunteerForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=120)])
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=30), validate_phone_field])
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), Email(_l("Please enter a valid e-mail address."), check_deliverability=False), Length(max=254)],
    )
    branch = StringField(_l("Youth-union branch"), validators=[Optional(), Length(max=120)])
    residential_group = SelectField(_l("Residential group"), default="0")
    skills = MultiCheckboxField(_l("Skills"), choices=[SelectChoice(key, label) for key, label in SKILLS.items()])
    experienced = BooleanField(_l("Experienced (may lead a team)"))
    active = BooleanField(_l("Active"), default=True)
    max_shifts_per_week = IntegerField(
        _l("Most shifts a week"), default=2,
        validators=[InputRequired(_l("Please enter a number from 0 to 14.")), NumberRange(min=0, max=14, message=_l("Please enter a number from 0 to 14."))],
    )
    max_hours_per_week = IntegerField(
        _l("Most hours a week (empty: no limit)"),
        validators=[Optional(), NumberRange(min=0, max=168, message=_l("Please enter a number of hours from 0 to 168, or leave it empty."))],
    )
    max_hours_per_month = IntegerField(
        _l("Most hours a month (empty: no limit)"),
        validators=[Optional(), NumberRange(min=0, max=744, message=_l("Please enter a number of hours from 0 to 744, or leave it empty."))],
    )
    account = SelectField(_l("Account for signing in"), default="0")

    def __init__(self, groups, accounts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.residential_group.choices = residential_group_choices(groups, _l("None"))
        self.account.choices = [SelectChoice("0", _l("No account"))] + [
            SelectChoice(str(user.id), f"{user.name} ({user.email})") for user in accounts
        ]


class AvailabilityForm(Form):
    cells = MultiCheckboxField(
        _l("When can you help?"),
        choices=[SelectChoice(f"{day}-{part}", f"{WEEKDAYS[day]} {label}") for day in range(7) for part, (label, _a, _b) in DAY_PARTS.items()],
    )
    # Soft wishes the automatic roster follows when that costs no seat.
    preferred_days = MultiCheckboxField(_l("Days I would rather serve"), choices=[SelectChoice(str(day), WEEKDAYS[day]) for day in range(7)])
    avoided_days = MultiCheckboxField(_l("Days I would rather avoid"), choices=[SelectChoice(str(day), WEEKDAYS[day]) for day in range(7)])

    def validate_avoided_days(self, field) -> None:
        if set(field.data or []) & set(self.preferred_days.data or []):
            raise ValidationError(_l("A day cannot be both preferred and avoided."))


class NotifyForm(Form):
    """How a volunteer is told about their shifts, on their own page."""

    notify_by = SelectField(_l("How should we tell you about your shifts?"))

    def __init__(self, volunteer, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.volunteer = volunteer
        self.notify_by.choices = [SelectChoice(key, label) for key, label in NOTIFY_CHOICES.items()]

    def validate_notify_by(self, field):
        if field.data == "email" and not self.volunteer.email:
            raise ValidationError(_l("We have no e-mail address for you: choose Zalo, SMS or none, or ask the leader to add it."))
        if field.data in ("zalo", "sms") and not self.volunteer.phone:
            raise ValidationError(_l("We have no phone number for you: choose e-mail or none, or ask the leader to add it."))
