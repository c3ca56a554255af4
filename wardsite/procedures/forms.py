"""The editor's form for a procedure, with its ordered lists of channels, steps
and documents. The lists are edited by buttons that post the form back
(`apply_list_action`), so they work without JavaScript; htmx only swaps the
lists in place."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from wardsite.forms import Form, SubForm
from wardsite.procedures.models import CHANNEL_KINDS, CODE_PATTERN, LEVELS, ONLINE_LEVELS
from wardsite.procedures.open_data import ITEM_LIMIT, NAME_LIMIT, TEXT_LIMIT
from wardsite.procedures.services import MAX_CHANNELS, MAX_COPIES, MAX_DOCUMENTS, MAX_STEPS


def at_most(limit: int) -> Length:
    """The importer's limit for a text (open_data), so that every record it
    takes can be saved again here; a longer value is named, never cut."""
    return Length(max=limit, message=_l("At most %(count)s characters.", count=f"{limit:,}".replace(",", ".")))

URL_PATTERN = r"^https?://\S+$"


class CountField(IntegerField):
    """A small whole number, with a message in the visitor's language when it is not one."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(_l("Please enter a whole number, e.g. 1.")) from None


class DayField(DateField):
    """A date from the browser's date picker (2026-11-22) or typed as 22/11/2026."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip()
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                self.data = datetime.strptime(text, pattern).date()
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(_l("Please enter a date, e.g. 22/11/2026."))


class ChannelForm(SubForm):
    kind = SelectField(
        _l("Way of filing"),
        choices=[SelectChoice(value, label) for value, label in CHANNEL_KINDS.items()],
        validate_choice=False,
        validators=[AnyOf(list(CHANNEL_KINDS), message=_l("Please choose a way from the list."))],
    )
    processing_time = StringField(
        _l("Processing time"), validators=[Optional(), at_most(ITEM_LIMIT)]
    )
    fee = TextAreaField(_l("Fee"), validators=[Optional(), at_most(ITEM_LIMIT)], render_kw={"rows": 1})
    note = TextAreaField(_l("Note"), validators=[Optional(), at_most(ITEM_LIMIT)], render_kw={"rows": 1})
    condition = TextAreaField(_l("Condition (when this way applies)"), validators=[Optional(), at_most(ITEM_LIMIT)], render_kw={"rows": 1})
    time_value = StringField(_l("Time (number)"), validators=[Optional(), at_most(40)])
    time_unit = StringField(_l("Time unit, e.g. Ngày làm việc"), validators=[Optional(), at_most(200)])
    fee_note = TextAreaField(_l("About the fee"), validators=[Optional(), at_most(ITEM_LIMIT)], render_kw={"rows": 1})


class StepForm(SubForm):
    text = TextAreaField(
        _l("Step"),
        validators=[DataRequired(_l("Please describe this step, or remove it.")), at_most(ITEM_LIMIT)],
        render_kw={"rows": 2},
    )


class DocumentForm(SubForm):
    name = TextAreaField(
        _l("Paper"),
        validators=[DataRequired(_l("Please name this paper, or remove it.")), at_most(ITEM_LIMIT)],
        render_kw={"rows": 1},
    )
    group = StringField(_l("Group (e.g. Giấy tờ phải nộp)"), validators=[Optional(), at_most(ITEM_LIMIT)])
    is_note = BooleanField(_l("A note, not a paper to bring"))
    template_name = StringField(_l("Form template's file name"), validators=[Optional(), at_most(2000)])
    originals = CountField(
        _l("Originals"),
        default=0,
        validators=[InputRequired(_l("Please enter a number (0 if none).")), NumberRange(0, MAX_COPIES, message=_l("Between 0 and 50."))],
        render_kw={"min": 0, "max": MAX_COPIES, "inputmode": "numeric"},
    )
    copies = CountField(
        _l("Copies"),
        default=0,
        validators=[InputRequired(_l("Please enter a number (0 if none).")), NumberRange(0, MAX_COPIES, message=_l("Between 0 and 50."))],
        render_kw={"min": 0, "max": MAX_COPIES, "inputmode": "numeric"},
    )
    scans = CountField(
        _l("Photocopies"),
        default=0,
        validators=[Optional(), NumberRange(0, MAX_COPIES, message=_l("Between 0 and 50."))],
        render_kw={"min": 0, "max": MAX_COPIES, "inputmode": "numeric"},
    )
    template_url = StringField(
        _l("Link to the form template (optional)"),
        validators=[
            Optional(),
            at_most(2000),
            Regexp(URL_PATTERN, message=_l("Please enter a web address starting with https://")),
        ],
    )


def _choices(mapping) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in mapping.items()]


class ProcedureForm(Form):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(_l("Please enter the procedure's code.")),
            Regexp(CODE_PATTERN, message=_l("A code looks like 1.001193, or 1.001699.000.00.00.H17 with a provincial suffix.")),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    decision_number = StringField(
        _l("Publishing decision number"), validators=[Optional(), at_most(2000)]
    )
    name = StringField(
        _l("Procedure name"), validators=[DataRequired(_l("Please enter the procedure's name.")), at_most(NAME_LIMIT)]
    )
    sector_name = StringField(
        _l("Sector"),
        validators=[DataRequired(_l("Please enter a sector, e.g. Hộ tịch.")), Length(max=120, message=_l("At most 120 characters."))],
        render_kw={"list": "sector-names", "autocomplete": "off"},
    )
    level = SelectField(
        _l("Level"), choices=_choices(LEVELS), validate_choice=False,
        validators=[AnyOf(list(LEVELS), message=_l("Please choose a level from the list."))],
    )
    online = SelectField(
        _l("Online public service"), choices=_choices(ONLINE_LEVELS), validate_choice=False,
        validators=[AnyOf(list(ONLINE_LEVELS), message=_l("Please choose from the list."))],
    )
    postal_send = BooleanField(_l("The dossier can be sent by post"))
    postal_receive = BooleanField(_l("The result can be received by post"))
    same_day = BooleanField(_l("Settled the same day, without an appointment"))
    applicants = TextAreaField(_l("Who may apply"), validators=[Optional(), at_most(TEXT_LIMIT)], render_kw={"rows": 2})
    authority = TextAreaField(_l("Authority"), validators=[Optional(), at_most(TEXT_LIMIT)], render_kw={"rows": 2})
    result = TextAreaField(_l("Result"), validators=[Optional(), at_most(TEXT_LIMIT)], render_kw={"rows": 2})
    requirements = TextAreaField(_l("Requirements and conditions"), validators=[Optional(), at_most(TEXT_LIMIT)], render_kw={"rows": 3})
    legal_basis = TextAreaField(_l("Legal basis"), validators=[Optional(), at_most(TEXT_LIMIT)], render_kw={"rows": 3})
    last_checked_on = DayField(_l("Last checked against the national portal"), validators=[Optional()])
    check_note = TextAreaField(
        _l("Warning shown to residents until the record is checked"),
        validators=[Optional(), Length(max=2000, message=_l("At most 2000 characters."))],
        render_kw={"rows": 2},
    )
    channels = FieldList(FormField(ChannelForm), min_entries=0, max_entries=MAX_CHANNELS)
    steps = FieldList(FormField(StepForm), min_entries=0, max_entries=MAX_STEPS)
    documents = FieldList(FormField(DocumentForm), min_entries=0, max_entries=MAX_DOCUMENTS)


# Adding, removing and moving entries of the ordered lists ----------------------

LISTS = {"channels": MAX_CHANNELS, "steps": MAX_STEPS, "documents": MAX_DOCUMENTS}
_ACTION = re.compile(r"^(channels|steps|documents)-(add|remove|up|down)(?:-(\d{1,3}))?$")


def apply_list_action(form: ProcedureForm, action: str) -> bool:
    """Apply "steps-add", "steps-remove-2", "documents-up-1"... to the form as typed.

    Returns False for an action it does not know. Entries are rebuilt so that
    their names (steps-0-text, steps-1-text...) follow the new order.
    """
    match = _ACTION.match(action or "")
    if not match:
        return False
    name, verb, index = match.group(1), match.group(2), match.group(3)
    field_list: FieldList = getattr(form, name)
    items = [entry.data for entry in field_list.entries]
    position = int(index) if index is not None else -1
    if verb == "add":
        if len(items) >= LISTS[name]:
            return True
        items.append(None)
    elif not 0 <= position < len(items):
        return True
    elif verb == "remove":
        items.pop(position)
    elif verb == "up" and position > 0:
        items[position - 1], items[position] = items[position], items[position - 1]
    elif verb == "down" and position < len(items) - 1:
        items[position + 1], items[position] = items[position], items[position + 1]
    field_list.entries = []
    field_list.last_index = -1
    for data in items:
        if data is None:
            field_list.append_entry()
        else:
            field_list.append_entry(data)
    return True
