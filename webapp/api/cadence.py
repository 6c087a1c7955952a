"""/api/v1/cadence: the rhythms each tier keeps (several per tier), editable, with built-in defaults."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from webapp.api.blueprint import Blueprint
from webapp.api.docs import PROTECTED
from webapp.contacts.models import TIERS
from webapp.errors import NotFound
from webapp.relationships import services
from webapp.relationships.schemas import PolicyIn, PolicyList, PolicyOut

bp = Blueprint("api_cadence", __name__, description="Cadence policies: how often to touch each tier, and how")


def _tier(tier: str) -> str:
    if tier not in TIERS:
        raise NotFound(_l("Tiers are unsorted, grow, maintain and let_go."), code="no_such_tier")
    return tier


@bp.route("", methods=["GET"])
@login_required
@bp.response(200, PolicyList)
@bp.doc(**PROTECTED)
def list_policies():
    """Every tier's rhythms; `is_default` until the user saves their own."""
    return {"items": services.list_policies(current_user)}


@bp.route("/<tier>", methods=["PUT"])
@login_required
@bp.arguments(PolicyIn())
@bp.response(200, PolicyOut)
@bp.doc(**PROTECTED)
def put_policy(data, tier):
    """Replace a tier's rhythms, at most one per channel (`touch`, `email`, `meet`); `[]` keeps none."""
    return services.save_policy(current_user, _tier(tier), data["rhythms"])


@bp.route("/<tier>", methods=["DELETE"])
@login_required
@bp.response(200, PolicyOut)
@bp.doc(**PROTECTED)
def reset_policy(tier):
    """Back to the built-in rhythms; answers with them."""
    return services.reset_policy(current_user, _tier(tier))
