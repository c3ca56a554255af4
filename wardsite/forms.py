"""Form pieces shared by every area."""

from flask_wtf import FlaskForm

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
