"""/api/v1/review and /api/v1/matches: the yearly review's picture, and my offers meeting their needs."""
from __future__ import annotations

from flask_login import current_user, login_required

from webapp.api.blueprint import Blueprint
from webapp.api.docs import PROTECTED
from webapp.relationships import services
from webapp.relationships.schemas import MatchList, ReviewOut

bp = Blueprint("api_review", __name__, description="The yearly review and give-before-you-ask matches")


@bp.route("/review", methods=["GET"])
@login_required
@bp.response(200, ReviewOut)
@bp.doc(**PROTECTED)
def review():
    """How many people each tier holds and how many were not reviewed for a year; `over_cap` when
    grow holds more than the grow cap (default 15). Re-tier with PUT /contacts/<id>/tier."""
    tiers, cap = services.review_summary(current_user)
    grow = next(t for t in tiers if t.tier == "grow")
    return {"tiers": tiers, "grow_cap": cap, "over_cap": grow.count > cap}


@bp.route("/matches", methods=["GET"])
@login_required
@bp.response(200, MatchList)
@bp.doc(**PROTECTED)
def matches():
    """People with a need (said at any meeting) that meets a line of my profile's offers, best first,
    each once with their best-met need (let-go contacts left out)."""
    items, has_offers = services.list_matches(current_user)
    return {"items": items, "has_offers": has_offers}
