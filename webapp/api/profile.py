"""/api/v1/profile: the caller's brand profile, and the keyword coach."""
from __future__ import annotations

from flask_login import current_user, login_required

from webapp.api.blueprint import Blueprint
from webapp.api.docs import PROTECTED
from webapp.profiles import services, web
from webapp.profiles.schemas import AdviceList, KeywordQuery, ProfileIn, ProfileOut

bp = Blueprint("api_profile", __name__, description="The brand profile behind the card")


@bp.route("", methods=["GET"])
@login_required
@bp.response(200, ProfileOut)
@bp.doc(**PROTECTED)
def get_profile():
    """The caller's profile, its card URL and the coach's advice on the keyword."""
    return web.profile_out(services.get_profile_for(current_user))


@bp.route("", methods=["PUT"])
@login_required
@bp.arguments(ProfileIn())
@bp.response(200, ProfileOut)
@bp.doc(**PROTECTED)
def put_profile(data):
    """Replace the profile; only name and keyword are required. The card is public once both are set."""
    return web.profile_out(services.update_profile(current_user, data))


@bp.route("/keyword-advice", methods=["GET"])
@login_required
@bp.arguments(KeywordQuery(), location="query")
@bp.response(200, AdviceList)
@bp.doc(**PROTECTED)
def keyword_advice(args):
    """Advice on a keyword as it is typed (warnings only: a keyword is never refused for style)."""
    return {"items": web.advice_for(args["keyword"])}
