"""The leader moves a volunteer from one seat to another in one step: the
same hard rules as the solver and a hand assignment (`services.conflicts`,
with the seat given up counted as free), shown before anything is saved;
the volunteer is told through the outbox when either shift is published,
and the residents whose home visit changes team are told too. The old seat
is remembered as "not this shift", as a hand removal is, so a later fill
does not put them back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from wardsite import mail
from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.roster import notices
from wardsite.roster.models import Assignment, Shift, ShiftExclusion
from wardsite.roster.rostering import NEEDS_EXPERIENCED
from wardsite.roster.services import (
    _assignments_between, _exclusion, conflicts, describe, excluded_pairs, margin_days, shifts_between, week_start,
)
from wardsite.timeutil import utcnow

WEEKS_OFFERED = 2  # the seat's week and the next


@dataclass
class MovePlan:
    assignment: Assignment
    target: Shift
    problems: list[str]
    visits: list[notices.AffectedVisit]  # home visits whose team would change


def can_move(assignment: Assignment) -> bool:
    """Only a seat ahead, not yet marked: past seats are history."""
    return assignment.attendance is None and assignment.shift.starts_at > utcnow() and not assignment.shift.cancelled


def can_move_to(shift: Shift) -> bool:
    return not shift.cancelled and shift.starts_at > utcnow()


def targets(assignment: Assignment) -> list[tuple[Shift, int]]:
    """Shifts the volunteer could be moved to (ahead, not cancelled, another
    shift with a free seat, in the seat's week and the next), each with how
    many rules the move would break; read at once."""
    volunteer, source = assignment.volunteer, assignment.shift
    start = week_start(source.local_day)
    end = start + timedelta(weeks=WEEKS_OFFERED) - timedelta(days=1)
    now = utcnow()
    shifts = [s for s in shifts_between(start, end) if s.id != source.id and s.starts_at > now and s.free_seats > 0]
    among = _assignments_between(volunteer, start - timedelta(days=margin_days()), end + timedelta(days=margin_days()))
    excluded = excluded_pairs([s.id for s in shifts])
    return [(s, len(conflicts(volunteer, s, leaving=assignment, among=among, excluded=excluded))) for s in shifts]


def plan_move(assignment: Assignment, target: Shift) -> MovePlan:
    volunteer, source = assignment.volunteer, assignment.shift
    problems = conflicts(volunteer, target, leaving=assignment)
    left = [a.volunteer for a in source.assignments if a is not assignment]
    if source.kind in NEEDS_EXPERIENCED and volunteer.experienced and left and not any(v.experienced for v in left):
        problems.append(_("%(name)s is the only experienced member of %(shift)s: the new volunteers there would be alone.",
                          name=volunteer.name, shift=describe(source)))
    changes = [
        notices.TeamChange(source, [a.volunteer for a in source.assignments], left),
        notices.TeamChange(target, [a.volunteer for a in target.assignments], [a.volunteer for a in target.assignments] + [volunteer]),
    ]
    promised = [c for c in changes if c.shift.kind == "mobile" and notices.promised(c.shift)]
    return MovePlan(assignment, target, problems, notices.booking_hooks().team_changes(promised) if promised else [])


def move_seat(assignment: Assignment, target: Shift, force: bool = False) -> tuple[Assignment | None, MovePlan]:
    """Move the volunteer; refused while a rule is broken unless the leader
    confirms (`force`). A full target, a seat already there or a past seat
    are always refused."""
    plan = plan_move(assignment, target)
    volunteer, source = assignment.volunteer, assignment.shift
    if not can_move(assignment) or target.free_seats <= 0 or any(a.volunteer_id == volunteer.id for a in target.assignments):
        return None, plan
    if plan.problems and not force:
        return None, plan
    before = notices.teams([source, target])
    was_promised = notices.promised(source) or notices.promised(target)
    source.assignments.remove(assignment)
    db.session.delete(assignment)
    if _exclusion(volunteer, source) is None:
        db.session.add(ShiftExclusion(shift=source, volunteer=volunteer))
    exclusion = _exclusion(volunteer, target)
    if exclusion is not None:
        db.session.delete(exclusion)
    moved = Assignment(shift=target, volunteer=volunteer, pinned=True)
    db.session.add(moved)
    db.session.flush()
    record_audit("roster.moved", target, f"{volunteer.name}: {describe(source)} → {describe(target)}"
                 + (" (despite warnings)" if plan.problems else ""))
    notices.tell_seat_changes(notices.changes_since(before, [source, target]), volunteers=False)
    if was_promised:
        _tell_moved(volunteer, source, target)
    return moved, plan


def _tell_moved(volunteer, source: Shift, target: Shift) -> bool:
    if volunteer.message_channel is None:
        return False
    with mail.ward_language():
        subject = _("Your duty shift has moved: %(when)s", when=describe(target))
        body = _("Hello %(name)s,\n\nThe youth-union leader moved you from the duty shift %(old)s to %(new)s.\n"
                 "If you cannot come, please tell the leader.\n\nThank you.",
                 name=volunteer.name, old=describe(source), new=describe(target))
    key = f"seat-moved:{source.id}:{target.id}:{volunteer.id}:{utcnow():%Y%m%d%H%M%S%f}"
    return notices.tell_volunteer(volunteer, "shift_changed", notices.shift_params(target), key, subject, body)


def assignment_by_id(assignment_id: int) -> Assignment | None:
    return db.session.scalar(select(Assignment).where(Assignment.id == assignment_id))
