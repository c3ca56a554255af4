"""Personal data kept out of readers' comments: phone numbers, e-mail
addresses and ID-card numbers (9-digit CMND, 12-digit CCCD) are masked before a
comment is stored, so neither the moderator nor, once approved, the public
ever sees them. Residents write them in asking to be called back; the page
asks them not to, and the commenter is told what was hidden."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from wardsite.phone import normalize_phone

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Something that may be a phone number: 0 or (+)84, then 8 to 10 more digits
# with the separators people type; normalize_phone decides.
_PHONE = re.compile(r"(?<!\w)(?:\+\s?84|84|0)(?:[\s.\-()]{0,2}\d){8,10}(?!\w)")
# 9 or 12 digits, in groups or not: an old ID card or a citizen ID card.
_ID_NUMBER = re.compile(r"(?<!\w)\d(?:[\s.]?\d){8}(?:(?:[\s.]?\d){3})?(?!\w)")


def mask_personal_data(text: str) -> tuple[str, set[str]]:
    """The text with personal data replaced by a note, and what was found
    ("phone", "email", "id")."""
    found: set[str] = set()

    def email(match):
        found.add("email")
        return _("[e-mail address hidden]")

    def phone(match):
        if normalize_phone(match.group(0)) is None:
            return match.group(0)
        found.add("phone")
        return _("[phone number hidden]")

    def id_number(match):
        found.add("id")
        return _("[ID number hidden]")

    text = _EMAIL.sub(email, text or "")
    text = _PHONE.sub(phone, text)
    text = _ID_NUMBER.sub(id_number, text)
    return text, found
