"""Form pieces shared by every area."""

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """For buttons that POST: carries only the CSRF token."""
