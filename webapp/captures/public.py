"""The share-back form on a public card: no account, no JavaScript needed."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_limiter.util import get_remote_address
from marshmallow import ValidationError

from webapp.captures.share_back import ShareBackIn, share_back
from webapp.extensions import limiter
from webapp.profiles import services as profiles

bp = Blueprint("share", __name__)


def _per_address() -> str:
    return current_app.config["SHARE_BACK_LIMIT_PER_ADDRESS"]


def _per_card() -> str:
    return current_app.config["SHARE_BACK_LIMIT_PER_CARD"]


def _card_key() -> str:
    return "share-back-card:" + str((request.view_args or {}).get("slug"))


@bp.route("/c/<slug>/connect", methods=["POST"])
@limiter.limit(_per_address, key_func=get_remote_address)
@limiter.limit(_per_card, key_func=_card_key)
def connect(slug: str):
    """Leave my contact for this card's owner; the visitor sees a thank-you page."""
    profile = profiles.get_public_profile(slug)
    form = {k: v for k, v in request.form.items() if k in ShareBackIn().fields}
    event_code = request.form.get("e") or request.args.get("e")
    try:
        data = ShareBackIn().load(form)
    except ValidationError as exc:
        return render_template("captures/share_back_error.html", profile=profile, errors=exc.messages,
                               form=form, event_code=event_code), 422
    share_back(profile.user, data, event_code=event_code)
    return render_template("captures/share_back_thanks.html", profile=profile, name=data["name"])
