"""The report's date range and the volunteers' guidance log form."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from wtforms import Field, IntegerField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from wardsite.forms import Form, FormTokenField

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
LONGEST_RANGE_DAYS = 366 * 10


def parse_date(text: str) -> date | None:
    """dd/mm/yyyy (as the ward writes dates) or yyyy-mm-dd (ISO); None if neither."""
    text = (text or "").strip()
    for pattern in DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if 2000 <= parsed.year <= 2100:  # also keeps date arithmetic far from year 9999
            return parsed
    return None


class WardDateField(Field):
    """A date typed as 25/12/2026 or 2026-12-25; what was typed is shown back if it is wrong."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off", "placeholder": "dd/mm/yyyy"})
        super().__init__(*args, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%d/%m/%Y") if self.data else ""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        self.data = parse_date(valuelist[0])
        if self.data is None:
            raise ValueError(_l("Please enter a date as dd/mm/yyyy, e.g. 05/02/2026."))


class ReportRangeForm(Form):
    """The report's date range, read from the query string (a GET form, no CSRF)."""

    class Meta:
        csrf = False

    start = WardDateField(_l("From"), name="tu", validators=[Optional()])
    end = WardDateField(_l("To"), name="den", validators=[Optional()])

    def validate_end(self, field) -> None:
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_l("The end date must be on or after the start date."))
            if (field.data - self.start.data).days > LONGEST_RANGE_DAYS:
                raise ValidationError(_l("Please choose a range of at most ten years."))


def station_id(value) -> int | None:
    """The chosen station's id; the empty first choice ("choose…") is none."""
    return None if value in ("", None) else int(value)


class StationField(SelectField):
    """A station from the list; anything else gets one plain message."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Please choose where you are on duty.")) from None

    def pre_validate(self, form):
        if self.data is not None and not any(choice.value == self.data for choice in self.choices):
            raise ValidationError(_l("Please choose where you are on duty."))


class CountField(IntegerField):
    """A whole number; letters get the field's own message, not WTForms' English one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Please enter a whole number, e.g. 2.")) from None


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class GuidanceSessionForm(Form):
    form_token = FormTokenField()
    station = StationField(
        _l("Where"), coerce=station_id, validators=[InputRequired(_l("Please choose where you are on duty."))]
    )
    procedures = MultiCheckboxField(_l("Procedures (tick all that apply)"), coerce=int, validators=[Optional()])
    people_guided = CountField(
        _l("Number of people guided"),
        default=1,
        validators=[
            InputRequired(_l("Please enter how many people you guided.")),
            NumberRange(min=1, max=200, message=_l("Please enter a number from 1 to 200.")),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": 200},
    )
    dossiers_filed = CountField(
        _l("Number of dossiers filed online"),
        default=0,
        validators=[
            InputRequired(_l("Please enter how many dossiers were filed online (0 if none).")),
            NumberRange(min=0, max=200, message=_l("Please enter a number from 0 to 200.")),
        ],
        render_kw={"inputmode": "numeric", "min": 0, "max": 200},
    )
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[Optional(), Length(max=500, message=_l("At most 500 characters."))],
        render_kw={"rows": 2},
    )
