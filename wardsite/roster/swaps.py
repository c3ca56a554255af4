"""A leader's approval of swaps, where the ward asks for it
(ROSTER_SWAP_NEEDS_APPROVAL): a volunteer offers a seat, another eligible
volunteer takes it (`services.take_swap`, the offer is then "pending"), and a
leader approves (the seat changes hands, if every rule still holds) or
refuses (the offer is open again). Each decision is logged and both
volunteers are told."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from wardsite import mail
from wardsite.audit import record_audit
from wardsite.extensions import db
from wardsite.roster import notices, services
from wardsite.roster.models import Shift, SwapOffer
from wardsite.roster.shifts import describe
from wardsite.timeutil import utcnow
from wardsite.volunteers.models import Volunteer

PENDING = "pending"


def pending_offers() -> list[SwapOffer]:
    """Swaps waiting for a leader, soonest shift first."""
    return list(db.session.scalars(
        select(SwapOffer).join(SwapOffer.shift).where(SwapOffer.status == PENDING).order_by(Shift.starts_at)
        .options(joinedload(SwapOffer.shift).joinedload(Shift.station), joinedload(SwapOffer.from_volunteer),
                 joinedload(SwapOffer.to_volunteer))
    ))


def approve(offer: SwapOffer) -> list[str]:
    """Hand the seat over as asked, if every hard rule still holds; else the
    reasons, and nothing changes."""
    assignment = services.open_offer_assignment(offer)
    if offer.status != PENDING or assignment is None or offer.shift.cancelled or offer.to_volunteer is None:
        return [_("This swap is no longer waiting for approval.")]
    problems = services.conflicts(offer.to_volunteer, offer.shift, leaving=assignment)
    if problems:
        return problems
    services.hand_over(offer, assignment, "swap.approved")
    when, giver, taker = describe(offer.shift), offer.from_volunteer, offer.to_volunteer
    with mail.ward_language():
        to_giver = (_("Swap approved: %(when)s", when=when),
                    _("Hello %(name)s,\n\nThe leader approved your swap: %(other)s takes your duty shift %(when)s, "
                      "and you need not come.\n\nThank you.", name=giver.name, other=taker.name, when=when))
        to_taker = (_("New duty shift: %(when)s", when=when),
                    _("Hello %(name)s,\n\nThe leader approved your swap: the duty shift %(when)s is yours now.\n\nThank you.",
                      name=taker.name, when=when))
    _tell(giver, offer, "approved-from", *to_giver)
    _tell(taker, offer, "approved-to", *to_taker)
    return []


def refuse(offer: SwapOffer) -> bool:
    """The seat stays with the volunteer who offered it, and the offer is open
    again for someone else; False if it was not waiting."""
    if offer.status != PENDING or offer.to_volunteer is None:
        return False
    asked = offer.to_volunteer
    when = describe(offer.shift)
    record_audit("swap.refused", offer, f"{offer.from_volunteer.name} → {asked.name}: {when}")
    offer.status = "open"
    offer.to_volunteer = None
    db.session.flush()
    giver = offer.from_volunteer
    with mail.ward_language():
        to_taker = (_("Swap not approved: %(when)s", when=when),
                    _("Hello %(name)s,\n\nThe leader did not approve your taking the duty shift %(when)s: it stays with "
                      "%(other)s.\n\nThank you.", name=asked.name, other=giver.name, when=when))
        to_giver = (_("Swap not approved: %(when)s", when=when),
                    _("Hello %(name)s,\n\nThe leader did not approve %(other)s taking your duty shift %(when)s: the shift "
                      "is still yours, and still offered to the other volunteers.\n\nThank you.",
                      name=giver.name, other=asked.name, when=when))
    _tell(asked, offer, "refused-to", *to_taker)
    _tell(giver, offer, "refused-from", *to_giver)
    return True


def _tell(volunteer: Volunteer, offer: SwapOffer, what: str, subject: str, body: str) -> bool:
    if volunteer.message_channel is None:
        return False
    key = f"swap-{what}:{offer.id}:{volunteer.id}:{utcnow():%Y%m%d%H%M%S%f}"
    return notices.tell_volunteer(volunteer, "shift_changed", notices.shift_params(offer.shift), key, subject, body)
