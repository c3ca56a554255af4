"""Forms for the roster: weekly shifts, single shifts and putting a volunteer
on a shift (the date range of the "create shifts" button is the stations'
DateRangeForm)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, SelectChoice, SelectField, StringField, TimeField, ValidationError
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from wardsite.forms import Form
from wardsite.roster.models import SHIFT_KINDS
from wardsite.stations.forms import sane_date
from wardsite.stations.models import WEEKDAYS
from wardsite.volunteers.models import SKILLS


class ShiftTemplateForm(Form):
    kind = SelectField(_l("Kind"), choices=[SelectChoice(key, label) for key, label in SHIFT_KINDS.items()])
    station = SelectField(_l("Station"), default="0")
    weekday = SelectField(_l("Day of the week"), choices=[SelectChoice(str(day), label) for day, label in enumerate(WEEKDAYS)])
    starts = TimeField(_l("Starts"), validators=[InputRequired(_l("Please enter a time such as 07:30."))])
    ends = TimeField(_l("Ends"), validators=[InputRequired(_l("Please enter a time such as 11:30."))])
    seats = IntegerField(
        _l("Seats"), default=1,
        validators=[InputRequired(_l("Please enter a number from 1 to 20.")), NumberRange(min=1, max=20, message=_l("Please enter a number from 1 to 20."))],
    )

    required_skill = SelectField(
        _l("Skill required"), default="",
        choices=[SelectChoice("", _l("None"))] + [SelectChoice(key, label) for key, label in SKILLS.items()],
    )

    def __init__(self, stations, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.station.choices = [SelectChoice("0", _l("No station (mobile team)"))] + [
            SelectChoice(str(station.id), station.name) for station in stations
        ]

    def validate_ends(self, field) -> None:
        if self.starts.data and field.data and field.data <= self.starts.data:
            raise ValidationError(_l("The end must be after the start, on the same day."))

    def validate_station(self, field) -> None:
        if self.kind.data != "mobile" and field.data in (None, "0"):
            raise ValidationError(_l("Please choose the station for this shift."))


class ShiftForm(ShiftTemplateForm):
    day = DateField(_l("Date"), validators=[InputRequired(_l("Please enter a date as dd/mm/yyyy.")), sane_date])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=200)])

    def __init__(self, stations, *args, **kwargs):
        super().__init__(stations, *args, **kwargs)
        del self.weekday


class AssignForm(Form):
    volunteer = SelectField(_l("Volunteer"))
    confirm = HiddenField(default="")

    def __init__(self, volunteers, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.volunteer.choices = [SelectChoice(str(v.id), label) for v, label in volunteers]
