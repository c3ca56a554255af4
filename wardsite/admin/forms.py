"""The admins' forms: ward settings and residential groups."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, IntegerField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, URL

from wardsite.forms import Form, validate_phone_field


class WardSettingsForm(Form):
    name = StringField(_l("Ward name"), validators=[DataRequired(_l("Please enter the ward's name.")), Length(max=120)])
    address = StringField(_l("Address of the ward office"), validators=[Optional(), Length(max=300)])
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=40), validate_phone_field])
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), Email(_l("Please enter a valid e-mail address."), check_deliverability=False), Length(max=254)],
    )
    opening_hours = TextAreaField(
        _l("Opening hours (one line per period)"), validators=[Optional(), Length(max=1000)]
    )
    portal_url = URLField(
        _l("Link to the national public-service portal"),
        validators=[DataRequired(_l("Please enter the portal's address.")), URL(message=_l("Please enter a web address starting with https://.")), Length(max=300)],
    )
    logo = FileField(_l("Logo (JPEG, PNG or WebP, at most 1 MB)"))
    remove_logo = BooleanField(_l("Remove the current logo"))


class ResidentialGroupForm(Form):
    name = StringField(
        _l("Name of the residential group"),
        validators=[DataRequired(_l("Please enter a name, e.g. Tổ dân phố 1.")), Length(max=120)],
    )
    cultural_house_address = StringField(_l("Address of its cultural house"), validators=[Optional(), Length(max=300)])
    position = IntegerField(
        _l("Order in lists"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=999, message=_l("Please enter a number from 0 to 999."))],
    )
