"""The editors' article form and the residents' comment form."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateTimeLocalField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp

from wardsite.forms import Form
from wardsite.news.models import DRAFT, KINDS, PUBLISHED

COVER_MAX_BYTES = 5 * 1024 * 1024

class WardDateTimeField(DateTimeLocalField):
    """A date and time typed in the ward's time zone, with a message in the visitor's language."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip()
        for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"):
            try:
                self.data = datetime.strptime(text, pattern)
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(_l("Please enter a date and time, e.g. 25/12/2026 07:30."))


class ArticleForm(Form):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Please enter a title.")), Length(max=200, message=_l("At most 200 characters."))]
    )
    slug = StringField(
        _l("Web address (optional)"), validators=[
            Optional(),
            Length(max=100, message=_l("At most 100 characters.")),
            Regexp(r"^[a-z0-9-]+$", message=_l("Use only lower-case letters without accents, digits and hyphens.")),
        ],
    )
    kind = SelectField(
        _l("Kind of article"),
        choices=[SelectChoice(value, label) for value, label in KINDS.items()],
        validate_choice=False,
        validators=[AnyOf(list(KINDS), message=_l("Please choose a kind from the list."))],
    )
    summary = TextAreaField(
        _l("Summary"), validators=[DataRequired(_l("Please write a short summary.")), Length(max=500, message=_l("At most 500 characters."))],
        render_kw={"rows": 3},
    )
    body = TextAreaField(
        _l("Text"), validators=[DataRequired(_l("Please write the text of the article.")), Length(max=50_000, message=_l("The text is too long."))],
        render_kw={"rows": 14},
    )
    cover = FileField(_l("Cover image (JPEG, PNG or WebP, at most 5 MB)"))
    cover_alt = StringField(
        _l("What the image shows (for readers who cannot see it)"), validators=[Optional(), Length(max=200, message=_l("At most 200 characters."))],
    )
    cover_caption = StringField(
        _l("Caption under the image"), validators=[Optional(), Length(max=300, message=_l("At most 300 characters."))]
    )
    remove_cover = BooleanField(_l("Remove the current cover image"))
    status = SelectField(
        _l("Publication status"),
        choices=[SelectChoice(DRAFT, _l("Draft: only editors see it")), SelectChoice(PUBLISHED, _l("Published (or scheduled)"))],
        validate_choice=False,
        validators=[AnyOf([DRAFT, PUBLISHED], message=_l("Please choose a status from the list."))],
    )
    published_at = WardDateTimeField(_l("Publication time"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    pinned = BooleanField(_l("Pin to the top of the home page (for important notices)"))


class CommentForm(Form):
    author_name = StringField(
        _l("Your name"), validators=[DataRequired(_l("Please enter your name.")), Length(max=80, message=_l("At most 80 characters."))],
        render_kw={"autocomplete": "name"},
    )
    body = TextAreaField(
        _l("Your comment"), validators=[
            DataRequired(_l("Please write your comment.")),
            Length(max=2000, message=_l("At most 2000 characters.")),
        ],
        render_kw={"rows": 4},
    )


class CommentReplyForm(Form):
    """The ward's official reply under a comment, written by an editor."""

    body = TextAreaField(
        _l("The ward's reply"), validators=[
            DataRequired(_l("Please write the reply.")),
            Length(max=2000, message=_l("At most 2000 characters.")),
        ],
        render_kw={"rows": 3},
    )


class RatingForm(Form):
    stars = RadioField(
        _l("Your rating"),
        choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
        validate_choice=False,
        validators=[AnyOf([str(n) for n in range(1, 6)], message=_l("Please choose from 1 to 5 stars."))],
    )
