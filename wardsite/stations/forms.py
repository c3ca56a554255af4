"""Forms for stations, their closures and host rotation; also the date range
and residential-group choices the volunteers and the roster build on."""

from __future__ import annotations

import re
from datetime import time

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from wardsite.forms import Form
from wardsite.stations.models import STATION_KINDS, WEEKDAYS

HOURS_PATTERN = re.compile(r"^\s*(\d{1,2})[:h.](\d{2})\s*[-–]\s*(\d{1,2})[:h.](\d{2})\s*$")


def parse_hours(text: str) -> list[tuple[time, time]]:
    """"07:30-11:30, 13:00-17:00" → [(07:30, 11:30), (13:00, 17:00)]; ValueError if unreadable."""
    periods = []
    for chunk in (text or "").split(","):
        if not chunk.strip():
            continue
        match = HOURS_PATTERN.match(chunk)
        if not match:
            raise ValueError(chunk)
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        opens, closes = time(h1, m1), time(h2, m2)  # ValueError for 25:00
        if closes <= opens:
            raise ValueError(chunk)
        periods.append((opens, closes))
    return periods


def _validate_hours(form, field) -> None:
    try:
        parse_hours(field.data)
    except ValueError:
        raise ValidationError(_l("Please write times like 07:30-11:30, with a comma between periods.")) from None


def sane_date(form, field) -> None:
    """Dates far outside the ward's working life are typing mistakes (and
    would overflow time arithmetic)."""
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Please enter a date between 2000 and 2100."))


def residential_group_choices(groups, empty_label):
    return [SelectChoice("0", empty_label)] + [SelectChoice(str(group.id), group.name) for group in groups]


class StationForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter the station's name.")), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(key, label) for key, label in STATION_KINDS.items()])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    residential_group = SelectField(_l("Residential group"), default="0")
    equipment = TextAreaField(_l("Equipment"), validators=[Optional(), Length(max=1000)])
    active = BooleanField(_l("Open to residents"), default=True)
    position = IntegerField(
        _l("Order in lists"), default=0,
        validators=[Optional(), NumberRange(min=0, max=999, message=_l("Please enter a number from 0 to 999."))],
    )
    hours_0 = StringField(WEEKDAYS[0], validators=[Optional(), Length(max=100), _validate_hours])
    hours_1 = StringField(WEEKDAYS[1], validators=[Optional(), Length(max=100), _validate_hours])
    hours_2 = StringField(WEEKDAYS[2], validators=[Optional(), Length(max=100), _validate_hours])
    hours_3 = StringField(WEEKDAYS[3], validators=[Optional(), Length(max=100), _validate_hours])
    hours_4 = StringField(WEEKDAYS[4], validators=[Optional(), Length(max=100), _validate_hours])
    hours_5 = StringField(WEEKDAYS[5], validators=[Optional(), Length(max=100), _validate_hours])
    hours_6 = StringField(WEEKDAYS[6], validators=[Optional(), Length(max=100), _validate_hours])

    def __init__(self, groups, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.residential_group.choices = residential_group_choices(groups, _l("None"))

    def hour_fields(self):
        return [getattr(self, f"hours_{day}") for day in range(7)]

    def opening_hours(self) -> list[tuple[int, time, time]]:
        """(weekday, opens, closes) for every period typed, Monday first."""
        return [(day, opens, closes) for day, field in enumerate(self.hour_fields()) for opens, closes in parse_hours(field.data)]


class DateRangeForm(Form):
    start_date = DateField(_l("From"), validators=[InputRequired(_l("Please enter a date as dd/mm/yyyy.")), sane_date])
    end_date = DateField(_l("To"), validators=[InputRequired(_l("Please enter a date as dd/mm/yyyy.")), sane_date])

    def validate_end_date(self, field) -> None:
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_l("The end date must not be before the start date."))
        if self.start_date.data and field.data and (field.data - self.start_date.data).days > 366:
            raise ValidationError(_l("Please choose at most one year."))


class ClosureForm(DateRangeForm):
    reason = StringField(_l("Reason, e.g. Tết holiday"), validators=[Optional(), Length(max=200)])


class WardClosureForm(DateRangeForm):
    reason = StringField(_l("Reason, e.g. Tết holiday or a compensatory day off"), validators=[Optional(), Length(max=200)])


class HostForm(Form):
    week_start = DateField(_l("From the week of"), validators=[InputRequired(_l("Please enter a date as dd/mm/yyyy.")), sane_date])
    host_group = SelectField(_l("Hosted by"))

    def __init__(self, groups, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.host_group.choices = [SelectChoice(str(group.id), group.name) for group in groups]
