"""/api/v1/contacts/<id>/…: one-tap touches, the tier (triage and review), and a keep-in-touch draft."""
from __future__ import annotations

from flask_login import current_user, login_required

from webapp.api.blueprint import Blueprint
from webapp.api.docs import PROTECTED
from webapp.contacts.schemas import ContactSummaryOut
from webapp.profiles.web import card_link
from webapp.followups.schemas import FollowUpOut, followup_out
from webapp.followups.services import contact_names
from webapp.relationships import services
from webapp.relationships.checkin import draft_checkin
from webapp.relationships.schemas import InteractionIn, InteractionList, InteractionOut, TierIn

bp = Blueprint("api_interactions", __name__, description="Touches, tiers and keep-in-touch drafts on a contact")


@bp.route("/<int:contact_id>/interactions", methods=["GET"])
@login_required
@bp.response(200, InteractionList)
@bp.doc(**PROTECTED)
def list_interactions(contact_id):
    """The contact's latest touches (at most 50), newest first; follow-ups sent by the queue are among them."""
    return {"items": services.list_interactions(current_user, contact_id), "next": None}


@bp.route("/<int:contact_id>/interactions", methods=["POST"])
@login_required
@bp.arguments(InteractionIn())
@bp.response(201, InteractionOut)
@bp.doc(**PROTECTED)
def log_interaction(data, contact_id):
    """Log a touch in one tap. It resets only the rhythm of its channel: message, like, comment and call
    the light touch; email and article the email rhythm; meeting the meet rhythm."""
    return services.log_interaction(current_user, contact_id, data["kind"], note=data["note"],
                                    occurred_at=data["occurred_at"])


@bp.route("/<int:contact_id>/tier", methods=["PUT"])
@login_required
@bp.arguments(TierIn())
@bp.response(200, ContactSummaryOut)
@bp.doc(**PROTECTED)
def put_tier(data, contact_id):
    """Triage or review: set the tier and record the review (`tier_reviewed_at`), even when it stays."""
    return services.set_tier(current_user, contact_id, data["tier"])


@bp.route("/<int:contact_id>/checkin", methods=["POST"])
@login_required
@bp.response(201, FollowUpOut)
@bp.doc(**PROTECTED)
def checkin(contact_id):
    """Draft a keep-in-touch email to the contact, to review and approve under follow-ups; a draft or
    queued one already waiting is returned instead. A contact without an email is a 422."""
    followup = draft_checkin(current_user, contact_id, card_url=card_link(current_user))
    return followup_out(followup, contact_names(current_user, [followup]))
