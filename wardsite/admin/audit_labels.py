"""The audit log in the interface's language: a sentence for each action that
`record_audit` records anywhere on the site, the kind of record, and the
details, whose few English words (counts, "active=True") are read by a
pattern per action and said again in the visitor's language. A test fails
for an action recorded without a sentence here (tests/test_audit_labels.py).
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ACTIONS = {
    "user.created": _l("Created a staff account"),
    "user.updated": _l("Changed a staff account"),
    "user.password_changed": _l("Changed their password"),
    "user.signed_out_everywhere": _l("Signed a staff account out on every device"),
    "user.password_reset": _l("Set a new password with a reset link"),
    "user.reset_link_made": _l("Made a link to set a new password for a staff account"),
    "ward_settings.updated": _l("Changed the ward's settings"),
    "residential_group.created": _l("Added a residential group"),
    "residential_group.updated": _l("Changed a residential group"),
    "article.created": _l("Wrote an article"),
    "article.updated": _l("Changed an article"),
    "article.published": _l("Published an article"),
    "article.scheduled": _l("Scheduled an article"),
    "article.unpublished": _l("Took an article down"),
    "article.pinned": _l("Pinned an article to the home page"),
    "article.unpinned": _l("Unpinned an article"),
    "comment.approved": _l("Approved a comment"),
    "comment.rejected": _l("Rejected a comment"),
    "comment.replied": _l("Replied to a comment for the ward"),
    "comment.reply_changed": _l("Changed the ward's reply to a comment"),
    "comment.reply_removed": _l("Removed the ward's reply to a comment"),
    "procedure.created": _l("Added a procedure"),
    "procedure.updated": _l("Changed a procedure"),
    "procedure.published": _l("Published a procedure"),
    "procedure.unpublished": _l("Took a procedure down"),
    "procedure.checked": _l("Checked a procedure against the national portal"),
    "volunteer.created": _l("Added a volunteer"),
    "volunteer.updated": _l("Changed a volunteer"),
    "volunteer.availability": _l("Changed a volunteer's availability"),
    "volunteer.away_added": _l("Recorded a volunteer's time away"),
    "volunteer.away_removed": _l("Removed a volunteer's time away"),
    "volunteer.calendar_token": _l("Gave a volunteer a new calendar link"),
    "station.created": _l("Added a station"),
    "station.updated": _l("Changed a station"),
    "station.closure_added": _l("Closed a station for some days"),
    "station.closure_removed": _l("Reopened a closed station"),
    "station.host": _l("Chose the residential group hosting the e-station"),
    "station.ward_closed": _l("Closed the whole ward for some days"),
    "station.ward_opened": _l("Opened the ward on a holiday or closure day"),
    "shift.created": _l("Added a shift"),
    "shift.cancelled": _l("Cancelled a shift"),
    "shift.restored": _l("Restored a cancelled shift"),
    "shift_template.created": _l("Added a weekly shift"),
    "shift_template.deleted": _l("Deleted a weekly shift"),
    "roster.generated": _l("Made the shifts of a period"),
    "roster.filled": _l("Filled the roster automatically"),
    "roster.replanned": _l("Re-planned a published roster"),
    "roster.assigned": _l("Put a volunteer on a shift"),
    "roster.unassigned": _l("Took a volunteer off a shift"),
    "roster.moved": _l("Moved a volunteer to another shift"),
    "roster.published": _l("Published the roster"),
    "roster.attendance": _l("Recorded attendance at a shift"),
    "swap.offered": _l("Offered a shift for swapping"),
    "swap.taken": _l("Took over a shift offered for swapping"),
    "swap.withdrawn": _l("Withdrew a swap offer"),
    "swap.requested": _l("Asked to take a shift offered for swapping (waits for a leader)"),
    "swap.approved": _l("Approved a swap"),
    "swap.refused": _l("Refused a swap"),
    "guidance_session.logged": _l("Logged guidance at a station"),
    "guidance_session.deleted": _l("Deleted logged guidance"),
    "visit.booked_for_resident": _l("Booked a home visit for a resident"),
    "visit.moved": _l("Moved a home visit"),
    "visit.confirmed": _l("Confirmed a home visit"),
    "visit.team_changed": _l("Changed the team of a home visit"),
    "visit.done": _l("Recorded the outcome of a home visit"),
    "visit.no_show": _l("Recorded that nobody was home"),
    "visit.cancelled": _l("Cancelled a home visit"),
    "visit.moved_by_ward": _l("Gave a home visit another team when its shift was cancelled"),
    "visit.cancelled_by_ward": _l("Cancelled a home visit because its shift was cancelled"),
    "visit.purged": _l("Erased residents' data after the retention period"),
    "message.resent": _l("Queued a message again"),
    "visit.waiting_called": _l("Called back a resident on the waiting list"),
    "visit.waiting_purged": _l("Deleted old entries of the waiting list"),
    "visit.waiting_offer_accepted": _l("A resident on the waiting list took the time offered to them"),
}

RECORDS = {
    "User": _l("Account"),
    "WardSettings": _l("Ward settings"),
    "ResidentialGroup": _l("Residential group"),
    "Article": _l("Article"),
    "Comment": _l("Comment"),
    "Procedure": _l("Procedure"),
    "Volunteer": _l("Volunteer"),
    "Station": _l("Station"),
    "Shift": _l("Shift"),
    "ShiftTemplate": _l("Weekly shift"),
    "SwapOffer": _l("Swap offer"),
    "GuidanceSession": _l("Guidance logged"),
    "Visit": _l("Home visit"),
}

_ACTIVE = {"True": _l("active"), "False": _l("inactive")}
_SUFFIXES = {"import": _l("imported"), "demo": _l("demo data"), "command line": _l("command line")}


def _roles(text: str) -> str:
    from wardsite.accounts.models import ROLES

    return ", ".join(str(ROLES.get(role.strip(), role.strip())) for role in text.split(",") if role.strip())


# (actions, pattern of the details as recorded, how to say them: a function of
# the pattern's groups, None for an account). `roles`, `active` and `suffix`
# are translated first.
DETAILS = [
    (("user.created", "user.updated"),
     re.compile(r"^(?P<email>[^:]+): (?P<roles>[a-z_, ]*?)(?:, active=(?P<active>True|False))?(?: \((?P<suffix>command line)\))?$"),
     None),
    (("volunteer.created", "volunteer.updated"), re.compile(r"^(?P<name>.+), active=(?P<active>True|False)$"),
     lambda v: _("%(name)s, %(active)s", **v)),
    (("procedure.created", "procedure.updated"), re.compile(r"^(?P<name>.+) \((?P<suffix>import|demo)\)$"),
     lambda v: _("%(name)s (%(suffix)s)", **v)),
    (("roster.generated",), re.compile(r"^(?P<period>\S+): (?P<shifts>\d+) shifts$"),
     lambda v: _("%(period)s: %(shifts)s shifts", **v)),
    (("roster.published",), re.compile(r"^(?P<period>\S+): (?P<shifts>\d+) shifts, (?P<told>\d+) volunteers told$"),
     lambda v: _("%(period)s: %(shifts)s shifts, %(told)s volunteers told", **v)),
    (("roster.filled", "roster.replanned"),
     re.compile(r"^(?P<period>\S+): (?P<filled>\d+)/(?P<seats>\d+) seats, (?P<added>\d+) added, (?P<removed>\d+) removed$"),
     lambda v: _("%(period)s: %(filled)s of %(seats)s seats filled, "
                 "%(added)s volunteers put on, %(removed)s taken off", **v)),
    (("roster.assigned", "roster.moved"), re.compile(r"^(?P<what>.+) \(despite warnings\)$"),
     lambda v: _("%(what)s (despite the warnings)", **v)),
    (("volunteer.availability",), re.compile(r"^(?P<name>.+): (?P<periods>\d+) periods a week$"),
     lambda v: _("%(name)s: %(periods)s periods a week", **v)),
    (("visit.done",), re.compile(r"^(?P<code>\w+): (?P<guided>\d+) guided, (?P<dossiers>\d+) dossiers$"),
     lambda v: _("%(code)s: %(guided)s people guided, %(dossiers)s dossiers filed", **v)),
    (("visit.purged",), re.compile(r"^(?P<count>\d+)$"), lambda v: _("%(count)s bookings", **v)),
    (("visit.waiting_purged",), re.compile(r"^(?P<count>\d+)$"), lambda v: _("%(count)s entries", **v)),
    (("comment.approved", "comment.rejected", "comment.replied", "comment.reply_changed"),
     re.compile(r"^(?P<author>.+) on «(?P<title>.+)»$"),
     lambda v: _("%(author)s on «%(title)s»", **v)),
    (("comment.reply_removed",), re.compile(r"^(?P<author>.+?) on «(?P<title>.+)»: (?P<reply>.*)$", re.S),
     lambda v: _("%(author)s on «%(title)s»; the reply was: %(reply)s", **v)),
]


def action_sentence(action: str) -> str:
    """The action as a sentence; an unknown one (an old entry) as recorded."""
    label = ACTIONS.get(action)
    return str(label) if label is not None else action


def record_label(target_type: str) -> str:
    label = RECORDS.get(target_type)
    return str(label) if label is not None else target_type


def details(action: str, summary: str) -> str:
    """The entry's details in the visitor's language, where a pattern reads them."""
    for actions, pattern, sentence in DETAILS:
        if action not in actions:
            continue
        found = pattern.match(summary or "")
        if found is None:
            continue
        values = {key: value or "" for key, value in found.groupdict().items()}
        if "roles" in values:
            values["roles"] = _roles(values["roles"])
        if values.get("active"):
            values["active"] = str(_ACTIVE[values["active"]])
        if values.get("suffix"):
            values["suffix"] = str(_SUFFIXES[values["suffix"]])
        if sentence is None:  # an account: e-mail, roles, then what applies
            extra = [values[key] for key in ("active", "suffix") if values.get(key)]
            return f"{values['email']}: {values['roles']}" + "".join(f", {item}" for item in extra)
        return sentence(values)
    return summary
