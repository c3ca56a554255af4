"""Form pieces shared by every area."""

import re

from flask_wtf import FlaskForm
from wtforms import HiddenField

# Control characters other than tab and newline: nothing a person types, and
# PostgreSQL refuses NUL outright.
_CONTROL = dict.fromkeys(code for code in range(32) if chr(code) not in "\n\t")
_CONTROL[0x7F] = None


def strip_control(value):
    """Text as typed, without control characters and with \\n line ends."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").translate(_CONTROL)
    return value


class Form(FlaskForm):
    """The base of every form: each field's input loses control characters
    before any validator sees it."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = (*unbound_field.kwargs.get("filters", ()), strip_control)
            return unbound_field.bind(form=form, filters=filters, **options)


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
