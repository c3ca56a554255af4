"""Form pieces shared by every area: the base `Form`, shared fields, and the
list of a page's errors that the error summary (templates/_error_summary.html)
shows at the top of every page whose form came back with errors."""

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
import wtforms
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from wardsite.phone import normalize_phone

# Control characters other than tab and newline: nothing a person types, and
# PostgreSQL refuses NUL outright.
_CONTROL = dict.fromkeys(code for code in range(32) if chr(code) not in "\n\t")
_CONTROL[0x7F] = None
# Nor the private-use area: nothing a person types, and the page cache's markers.
_CONTROL.update(dict.fromkeys(range(0xE000, 0xF900)))


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


def _render_unlimited(self, field, render_kw):
    """No `maxlength` on inputs: the browser would cut a long name or comment
    without a word, where the server's Length check says what is too long."""
    if "maxlength" not in (field.render_kw or {}):
        render_kw = {"maxlength": False, **render_kw}
    return wtforms.meta.DefaultMeta.render_field(self, field, render_kw)


class Form(FlaskForm):
    """The base of every form: each field's input loses control characters
    before any validator sees it, and no input gets a `maxlength`."""

    class Meta:
        bind_field = _bind_stripped
        render_field = _render_unlimited


class SubForm(wtforms.Form):
    """The base of a form inside another (a `FormField` row): no CSRF token of
    its own, control characters stripped as in `Form`."""

    class Meta:
        bind_field = _bind_stripped
        render_field = _render_unlimited


class EmptyForm(Form):
    """For buttons that POST: carries only the CSRF token."""


_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


def looks_like_token(value, min_length: int = 1, max_length: int = 64) -> bool:
    """A one-time form token as we issue them (page_cache.unique_token()): URL-safe
    characters, and never longer than the columns that keep them (64)."""
    return isinstance(value, str) and min_length <= len(value) <= max_length and bool(_TOKEN.fullmatch(value))


class FormTokenField(HiddenField):
    """A form's one-time token; anything that does not look like one we issue
    (too short or long, characters no token has) counts as none. A form shown
    without one draws a fresh one (`page_cache.unique_token()`, so that even a
    form served from the page cache gives each visitor their own)."""

    min_length = 16

    def _value(self):
        if not self.data:
            from wardsite.page_cache import unique_token

            self.data = unique_token()
        return self.data

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


# The error summary ------------------------------------------------------------


@dataclass(frozen=True)
class FieldError:
    """One line of the error summary: the message, the field's label (None for
    a tick box, whose label is the statement itself, and for the form's own
    errors) and the id of the element its link moves to (None: no link)."""

    message: str
    label: str | None = None
    anchor: str | None = None


def _anchor(field) -> str | None:
    if isinstance(field.widget, HiddenInput):
        return None  # nothing to move to: the message alone
    if isinstance(field, RadioField) or isinstance(getattr(field, "option_widget", None), CheckboxInput):
        return f"{field.id}-0"  # a group of choices: its first one, as its label's `for` says
    return field.id


def _field_errors(field):
    if isinstance(field, wtforms.FormField):
        yield from _form_errors(field.form)
        return
    if isinstance(field, wtforms.FieldList):
        for entry in field.entries:
            yield from _field_errors(entry)
        return
    if not field.errors or field.type == "CSRFTokenField":
        return  # a refused CSRF token has its own error page
    # A tick box's label is the statement itself; a hidden field's is nobody's to read.
    untitled = field.type == "BooleanField" or isinstance(field.widget, HiddenInput)
    label = None if untitled else str(field.label.text)
    yield FieldError(" ".join(str(message) for message in field.errors), label, _anchor(field))


def _form_errors(form):
    for message in getattr(form, "form_errors", ()):
        yield FieldError(str(message))
    for field in form:
        yield from _field_errors(field)


def error_items(*forms) -> list[FieldError]:
    """Every error of these forms, the form's own first, then field by field in
    the form's order."""
    return [item for form in forms for item in _form_errors(form)]
