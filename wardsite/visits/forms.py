"""Forms of the visits area: the resident's booking, the waiting list, lookup,
move and rating, and the leader's team and outcome forms."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from wardsite.forms import Form, MultiCheckboxField
from wardsite.phone import normalize_phone
from wardsite.stations.models import WEEKDAYS
from wardsite.visits.models import CODE_ALPHABET, CODE_LENGTH, clean_code


TAKEN_MESSAGE = _l("Sorry, someone has just booked this time. Please choose another one.")
MAX_PROCEDURES = 20  # on one booking; more is a forged form, not a visit


def _strip(value):
    """Trim; the base Form drops control characters."""
    return value.strip() if isinstance(value, str) else value


def _normalized_phone(form, field) -> None:
    number = normalize_phone(field.data or "")
    if number is None:
        raise ValidationError(
            _l("Please enter a Vietnamese phone number, e.g. 0912 345 678 or 024 3825 1234.")
        )
    field.data = number


def _int_or_none(value):
    """Coerce for id fields: garbage becomes None (then "choose from the list"), never an error page."""
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None


def offered(field) -> set:
    return {choice.value for choice in field.choices or []}


class SlotField(RadioField):
    """The free slots as radio buttons (choices are SelectChoice(value, label,
    optgroup=day)); the template lays them out by day."""


# The contact fields the booking and the waiting list share, in each form's order.


def _name_field():
    return StringField(
        _l("Full name of the person who needs help"),
        filters=[_strip],
        validators=[DataRequired(_l("Please enter a name.")),
                    Length(max=120, message=_l("Please write the name in at most 120 characters."))],
        render_kw={"autocomplete": "name"},
    )


def _phone_field(missing_message):
    return StringField(
        _l("Phone number"),
        filters=[_strip],
        validators=[DataRequired(missing_message),
                    Length(max=30, message=_l("Please enter one phone number, e.g. 0912 345 678.")), _normalized_phone],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )


def _group_field():
    return SelectField(
        _l("Residential group"),
        coerce=_int_or_none,
        validate_choice=False,
        validators=[DataRequired(_l("Please choose your residential group."))],
    )


class BookingForm(Form):
    # The field names are part of the public contract (the issue lists them);
    # their order is the page's, which the error summary follows.
    slot = SlotField(
        _l("Time of the visit"),
        validators=[InputRequired(_l("Please choose a time for the visit."))],
        validate_choice=False,
    )
    full_name = _name_field()
    phone = _phone_field(_l("Please enter a phone number so the team can call before coming."))
    # Shown only for a phone number new to the ward, once a code was sent (phone_codes).
    phone_code = StringField(
        _l("Code sent to your phone"),
        filters=[_strip],
        validators=[Optional(), Length(max=12, message=_l("Please type the 6 digits of the code."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 12},
    )
    address = StringField(
        _l("Address (house number, lane, street)"),
        filters=[_strip],
        validators=[DataRequired(_l("Please enter the address where the team should come.")),
                    Length(max=300, message=_l("Please write the address in at most 300 characters."))],
        render_kw={"autocomplete": "address-line1"},
    )
    residential_group = _group_field()
    procedures = MultiCheckboxField(_l("Procedures to do"), coerce=_int_or_none, validate_choice=False)
    help_needed = TextAreaField(
        _l("Anything else the team should know (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=1000, message=_l("Please keep this under 1,000 characters."))],
    )
    # How to be told of this booking: nothing is chosen until the resident chooses.
    notify_by = RadioField(
        _l("How should the ward tell you about this visit?"),
        choices=[SelectChoice("zalo", _l("By Zalo message")), SelectChoice("sms", _l("By SMS")),
                 SelectChoice("none", _l("No messages: I will look my booking up"))],
        validators=[InputRequired(_l("Please choose how the ward should tell you about this visit."))],
    )
    consent = BooleanField(
        _l("I agree"),  # the full wording, with the retention period, is set in __init__
        validators=[DataRequired(_l("Please tick this box: without it we cannot keep your details for the visit."))],
    )
    form_token = HiddenField()
    code_asked = False  # the code field is shown (a code was sent to this number)

    def __init__(self, *args, retention_days: int = 90, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent.label.text = _(
            "I agree that the ward keeps this name, phone number and address only to arrange this visit, "
            "and erases them %(days)s days after the visit. If I chose Zalo or SMS, the ward sends messages "
            "about this visit to this phone number that way, until I stop them on the lookup page.",
            days=retention_days,
        )

    def validate_residential_group(self, field) -> None:
        if field.data not in offered(field):
            raise ValidationError(_l("Please choose your residential group."))

    def validate_slot(self, field) -> None:
        if field.data and field.data not in offered(field):
            raise ValidationError(TAKEN_MESSAGE)

    def validate_procedures(self, field) -> None:
        check_procedures(field, _l("A procedure you chose is not in the ward's catalogue (any more). "
                                   "Please check the list, or write what you need in the box below."))


def check_procedures(field, unknown_message) -> None:
    """A procedure field showing a short list: its choices hold the list plus
    every published procedure sent (see visits.routes), so anything else is
    unknown or withdrawn; it is unticked, with `unknown_message`."""
    values = field.data or []
    if len(values) > MAX_PROCEDURES:
        raise ValidationError(_l("Please choose at most %(num)s procedures.", num=MAX_PROCEDURES))
    if any(value not in offered(field) for value in values):
        field.data = [value for value in values if value in offered(field)]
        raise ValidationError(unknown_message)


class WaitingForm(Form):
    """"Call me back when a time is free": no slot, the times that suit instead."""

    full_name = _name_field()
    phone = _phone_field(_l("Please enter a phone number so that the ward can call you back."))
    residential_group = _group_field()
    weekdays = MultiCheckboxField(_l("Days that suit you (none ticked: any day)"), coerce=_int_or_none,
                                  validate_choice=False)
    day_parts = MultiCheckboxField(_l("Times that suit you (none ticked: any time)"), validate_choice=False)
    suitable_times = StringField(
        _l("Which days and times suit you? (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=300, message=_l("Please keep this under 300 characters."))],
    )
    consent = BooleanField(
        _l("I agree"),  # the full wording, with how long it is kept, is set in __init__
        validators=[DataRequired(_l("Please tick this box: without it we cannot keep your number to call you back."))],
    )
    form_token = HiddenField()

    def __init__(self, *args, keep_days: int = 30, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent.label.text = _(
            "I agree that the ward keeps this name and phone number only to call me back about a visit, "
            "and erases them once it has called, or after %(days)s days at the latest.", days=keep_days,
        )
        self.weekdays.choices = [SelectChoice(day, name) for day, name in enumerate(WEEKDAYS)]
        self.day_parts.choices = [SelectChoice(part, label) for part, label in DAY_PART_LABELS.items()]

    def validate_weekdays(self, field) -> None:
        field.data = [day for day in field.data or [] if day in offered(field)]  # a forged value means nothing

    def validate_day_parts(self, field) -> None:
        field.data = [part for part in field.data or [] if part in offered(field)]

    def validate_residential_group(self, field) -> None:
        if field.data not in offered(field):
            raise ValidationError(_l("Please choose your residential group."))


DAY_PART_LABELS = {
    "morning": _l("Mornings (before 12:00)"),
    "afternoon": _l("Afternoons (12:00 to 17:00)"),
    "evening": _l("Evenings (from 17:00)"),
}


class OfferForm(Form):
    """Taking a seat offered from the waiting list: the list kept no address,
    and the booking's data are kept for a visit, so both are asked now."""

    address = StringField(
        _l("Address (house number, lane, street)"),
        filters=[_strip],
        validators=[DataRequired(_l("Please enter the address where the team should come.")),
                    Length(max=300, message=_l("Please write the address in at most 300 characters."))],
        render_kw={"autocomplete": "address-line1"},
    )
    consent = BooleanField(
        _l("I agree"),  # the full wording, with the retention period, is set in __init__
        validators=[DataRequired(_l("Please tick this box: without it we cannot keep your details for the visit."))],
    )

    def __init__(self, *args, retention_days: int = 90, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent.label.text = _(
            "I agree that the ward keeps this name, phone number and address only to arrange this visit, "
            "and erases them %(days)s days after the visit.",
            days=retention_days,
        )


class LookupForm(Form):
    code = StringField(
        _l("Booking code (6 characters)"),
        filters=[clean_code],
        validators=[DataRequired(_l("Please enter the booking code."))],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    phone = StringField(
        _l("Phone number used for the booking"),
        filters=[_strip],
        validators=[DataRequired(_l("Please enter the phone number.")), Length(max=30), _normalized_phone],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )

    def validate_code(self, field) -> None:
        if len(field.data) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in field.data):
            raise ValidationError(_l("A booking code has 6 letters and digits, e.g. K7M2QX."))


class MoveForm(Form):
    slot = SlotField(
        _l("New time"),
        validators=[InputRequired(_l("Please choose a new time."))],
        validate_choice=False,
    )

    def __init__(self, *args, current: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current  # the booked time's value, never a move

    def validate_slot(self, field) -> None:
        if field.data and field.data == self.current:
            raise ValidationError(_l("Your visit is already at this time. Please choose another time, or keep it as it is."))
        if field.data and field.data not in offered(field):
            raise ValidationError(TAKEN_MESSAGE)


class RatingForm(Form):
    rating = RadioField(
        _l("How helpful was the visit? (1 = not at all, 5 = very helpful)"),
        choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
        validators=[InputRequired(_l("Please choose a number from 1 to 5."))],
        validate_choice=False,
    )
    comment = TextAreaField(
        _l("Comment (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=1000, message=_l("Please keep this under 1,000 characters."))],
    )


    def validate_rating(self, field) -> None:
        if field.data not in offered(field):
            raise ValidationError(_l("Please choose a number from 1 to 5."))


class TeamForm(Form):
    volunteers = MultiCheckboxField(_l("Volunteers sent"), coerce=_int_or_none, validate_choice=False)

    def validate_volunteers(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Please choose at least one volunteer."))
        if any(value not in offered(field) for value in field.data):
            raise ValidationError(_l("Please choose from the list."))


class OutcomeForm(Form):
    """What the team achieved. Never asks for portal passwords or OTP codes."""

    people_guided = IntegerField(
        _l("People guided"),
        validators=[InputRequired(_l("Please enter a number (0 if nobody).")),
                    NumberRange(min=0, max=50, message=_l("Please enter a number from 0 to 50."))],
    )
    dossiers_filed = IntegerField(
        _l("Dossiers filed online"),
        validators=[InputRequired(_l("Please enter a number (0 if there were none).")),
                    NumberRange(min=0, max=50, message=_l("Please enter a number from 0 to 50."))],
    )
    dossier_codes = TextAreaField(
        _l("Dossier codes (optional, one per line)"),
        filters=[_strip],
        validators=[Optional(), Length(max=1000)],
    )
    procedures_done = MultiCheckboxField(_l("Procedures done"), coerce=_int_or_none, validate_choice=False)
    note = TextAreaField(
        _l("Note (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=2000)],
    )

    def validate_procedures_done(self, field) -> None:
        check_procedures(field, _l("A procedure you ticked is not in the ward's catalogue (any more). "
                                   "Please check the list, or write it in the note below."))
