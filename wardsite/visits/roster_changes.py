"""What happens to home visits when the roster changes under them.

The roster asks these hooks (installed by `routes` when the area loads, see
`wardsite.roster.notices`):
- a published mobile-team shift changes team: the visits whose team is the
  rostered one change with it; the leader sees which before confirming a
  re-plan, and each resident is told;
- a mobile-team shift with bookings is cancelled: each visit ahead goes to
  another team free in the same slot where there is one, otherwise the ward
  cancels it and releases its seat.

Residents have no e-mail address. What happened is recorded as a
`VisitNotice`, which their booking page shows (with a link to book again
after a cancellation), and the ward's leaders get a message in the outbox to
phone the resident: the message carries no personal data, as with new
bookings; the phone number is on the visit's page.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wardsite import mail
from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.roster import services as roster_services
from wardsite.roster.models import Shift
from wardsite.timeutil import to_local, utcnow
from wardsite.visits import resident_notices, services
from wardsite.visits.models import ACTIVE, CANCELLED_BY_WARD, MOVED, TEAM_CHANGED, Visit, VisitNotice, visit_team_member
from wardsite.visits.slots import shift_slot_starts, taken_seats


def _when(visit: Visit) -> str:
    return f"{to_local(visit.slot_start):%d/%m/%Y %H:%M}–{to_local(visit.slot_end):%H:%M}"


def _names(volunteers) -> list[str]:
    return [volunteer.name for volunteer in volunteers]


def _visits_on(shift_ids, *, upcoming_only: bool, rostered_team: bool = False) -> list[Visit]:
    """Active visits on these shifts that have not ended (not started, with
    `upcoming_only`); with `rostered_team`, only those whose team is the
    shift's rostered one (a team the leader chose for a visit stays theirs).
    One query, whatever the number of shifts and visits."""
    now = utcnow()
    query = select(Visit).where(Visit.shift_id.in_(list(shift_ids)), Visit.status.in_(ACTIVE))
    query = query.where(Visit.slot_start > now if upcoming_only else Visit.slot_end > now)
    if rostered_team:
        chosen = select(visit_team_member.c.visit_id).where(visit_team_member.c.visit_id == Visit.id)
        query = query.where(~chosen.exists())
    return list(db.session.scalars(query.order_by(Visit.slot_start, Visit.id)))


def _following_roster(changes) -> list[tuple[object, Visit]]:
    """(change, visit) for each visit whose team is its shift's rostered one."""
    by_shift = {change.shift.id: change for change in changes}
    return [(by_shift[visit.shift_id], visit) for visit in _visits_on(by_shift, upcoming_only=False, rostered_team=True)]


def tell_resident(visit: Visit, kind: str, team_names: list[str]) -> VisitNotice:
    """Record what the ward did for the resident's booking page, and ask the
    leaders, through the outbox, to phone them."""
    notice = VisitNotice(visit_id=visit.id, kind=kind)
    visit.notices.append(notice)
    db.session.flush()
    team = ", ".join(team_names) or "–"
    values = {"code": visit.code, "when": _when(visit), "team": team, "link": services.visit_link(visit)}
    with mail.ward_language():
        if kind == TEAM_CHANGED:
            subject = _("Home visit %(code)s: the team changed", code=visit.code)
            body = _("A roster change gives the home visit %(code)s (%(when)s) another team: %(team)s.", **values)
        elif kind == MOVED:
            subject = _("Home visit %(code)s: another team takes it", code=visit.code)
            body = _("The shift of the home visit %(code)s (%(when)s) was cancelled; another team free at the same time "
                     "takes the visit: %(team)s.", **values)
        else:
            subject = _("Home visit %(code)s: cancelled by the ward", code=visit.code)
            body = _("The shift of the home visit %(code)s (%(when)s) was cancelled and no other team is free then, "
                     "so the visit is cancelled and its time freed.", **values)
        body += "\n\n" + _("The resident's booking page says so, but residents have no e-mail: please phone them to "
                           "tell them. Their number is on the visit's page: %(link)s", **values)
    for leader in services.active_leaders():
        mail.queue_message(leader.email, subject, body, f"visit-notice:{notice.id}:{leader.id}")
    # And the resident, if they chose Zalo or SMS.
    resident_notices.notify(visit, "visit_cancelled" if kind not in (TEAM_CHANGED, MOVED) else "visit_changed",
                            f"notice{notice.id}")
    return notice


def _cancel_plan(shift: Shift) -> list[tuple[Visit, roster_services.StaffedShift | None]]:
    """Each visit ahead on `shift` with the team that would take it (None: the
    visit is cancelled): another published mobile-team shift with someone
    active on it and the visit's slot free, one visit per team and slot. The
    other teams and their booked slots are read once, around the shift."""
    visits = _visits_on([shift.id], upcoming_only=True)
    first, last = to_local(shift.starts_at).date(), to_local(shift.ends_at).date()
    others = [
        staffed for staffed in roster_services.staffed_shifts("mobile", first - timedelta(days=1), last)
        if staffed.shift.id != shift.id and any(volunteer.active for volunteer in staffed.volunteers)
    ]
    taken = taken_seats(shift.starts_at, shift.ends_at)
    plan = []
    for visit in visits:
        other = next((staffed for staffed in others if visit.slot_start in shift_slot_starts(staffed.shift)
                      and (staffed.shift.id, visit.slot_start) not in taken), None)
        if other is not None:
            taken.add((other.shift.id, visit.slot_start))
        plan.append((visit, other))
    return plan


def _outcome(other: roster_services.StaffedShift | None) -> str:
    if other is None:
        return _("cancelled by the ward; the resident is asked to book again")
    return _("goes to the team of %(names)s", names=", ".join(_names(other.volunteers)))


class VisitBookingHooks(roster_services.BookingHooks):
    """The visits' side of `wardsite.roster.notices.BookingHooks`."""

    def team_changes(self, changes):
        return [
            roster_services.AffectedVisit(visit.id, visit.code, _when(visit), _names(change.before), _names(change.after))
            for change, visit in _following_roster(changes)
        ]

    def tell_team_changes(self, changes):
        pairs = _following_roster(changes)
        for change, visit in pairs:
            tell_resident(visit, TEAM_CHANGED, _names(change.after))
        return len(pairs)

    def cancel_plan(self, shift):
        team = _names(a.volunteer for a in shift.assignments)
        return [
            roster_services.AffectedVisit(visit.id, visit.code, _when(visit), team, outcome=_outcome(other),
                                          moved=other is not None)
            for visit, other in _cancel_plan(shift)
        ]

    def cancel(self, shift):
        """Hand each visit ahead to a free team, or cancel it; the database's
        seat constraint decides a race for the same team and slot."""
        done = []
        team = _names(a.volunteer for a in shift.assignments)
        for visit, other in _cancel_plan(shift):
            if other is not None:
                try:
                    with db.session.begin_nested():
                        visit.chosen_team = []  # the new shift brings its own rostered team
                        visit.shift = other.shift
                        db.session.flush()
                except IntegrityError:
                    db.session.refresh(visit)
                    other = None  # booked by someone else a moment ago
            if other is not None:
                record_audit("visit.moved_by_ward", visit, f"{visit.code} → {roster_services.describe(other.shift)}")
                tell_resident(visit, MOVED, _names(other.volunteers))
            else:
                visit.cancel()
                record_audit("visit.cancelled_by_ward", visit, visit.code)
                tell_resident(visit, CANCELLED_BY_WARD, [])
            done.append(roster_services.AffectedVisit(visit.id, visit.code, _when(visit), team, outcome=_outcome(other),
                                                      moved=other is not None))
        return done
