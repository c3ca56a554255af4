"""Form pieces shared by every area."""

import re

from flask_babel import lazy_gettext as _l
import wtforms
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from wardsite.phone import normalize_phone

# Control characters other than tab and newline: nothing a person types, and
# PostgreSQL refuses NUL outright.
_CONTROL = dict.fromkeys(code for code in range(32) if chr(code) not in "\n\t")
_CONTROL[0x7F] = None


def strip_control(value):
    """Text as typed, without control characters and with \\n line ends."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").translate(_CONTROL)
    return value


def _bind_stripped(self, form, unbound_field, options):
    if issubclass(unbound_field.field_class, (wtforms.FieldList, wtforms.FormField)):
        return unbound_field.bind(form=form, **options)  # their rows strip their own input
    filters = (*unbound_field.kwargs.get("filters", ()), strip_control)
    return unbound_field.bind(form=form, filters=filters, **options)


class Form(FlaskForm):
    """The base of every form: each field's input loses control characters
    before any validator sees it."""

    class Meta:
        bind_field = _bind_stripped


class SubForm(wtforms.Form):
    """The base of a form inside another (a `FormField` row): no CSRF token of
    its own, control characters stripped as in `Form`."""

    class Meta:
        bind_field = _bind_stripped


class EmptyForm(Form):
    """For buttons that POST: carries only the CSRF token."""


_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


def looks_like_token(value, min_length: int = 1, max_length: int = 64) -> bool:
    """A one-time form token as we issue them (page_cache.unique_token()): URL-safe
    characters, and never longer than the columns that keep them (64)."""
    return isinstance(value, str) and min_length <= len(value) <= max_length and bool(_TOKEN.fullmatch(value))


class FormTokenField(HiddenField):
    """A form's one-time token; anything that does not look like one we issue
    (too short or long, characters no token has) counts as none."""

    min_length = 16

    def process_formdata(self, valuelist):
        value = valuelist[0] if valuelist else ""
        self.data = value if looks_like_token(value, self.min_length) else None


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def validate_phone_field(form, field) -> None:
    """A Vietnamese phone number, kept as 0xxxxxxxxx; empty passes (add Optional or DataRequired)."""
    if field.data:
        phone = normalize_phone(field.data)
        if phone is None:
            raise ValidationError(_l("Please enter a Vietnamese phone number, e.g. 0912 345 678."))
        field.data = phone
