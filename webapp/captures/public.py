"""The share-back form on a public card: no account, no JavaScript needed."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from marshmallow import ValidationError

from webapp.captures.share_back import STAMP_MESSAGES, ShareBackIn, share_back
from webapp.extensions import limiter
from webapp.profiles import services as profiles
from webapp.security import Stamp, check_form_stamp, form_stamp

bp = Blueprint("share", __name__)


def _per_address() -> str:
    return current_app.config["SHARE_BACK_LIMIT_PER_ADDRESS"]


def _per_card() -> str:
    return current_app.config["SHARE_BACK_LIMIT_PER_CARD"]


def _card_key() -> str:
    return "share-back-card:" + str((request.view_args or {}).get("slug"))


def _accepted(response) -> bool:
    """Only share-backs the owner receives use up the card's budget; refused bots do not close it."""
    return response.status_code == 200


@bp.route("/c/<slug>/connect", methods=["POST"])
@limiter.limit(_per_address)
@limiter.limit(_per_card, key_func=_card_key, deduct_when=_accepted)
def connect(slug: str):
    """Leave my contact for this card's owner; the visitor sees a thank-you page."""
    profile = profiles.get_public_profile(slug)
    form = {k: v for k, v in request.form.items() if k in ShareBackIn().fields}
    event_code = request.form.get("e") or request.args.get("e")
    action = url_for("share.connect", slug=profile.slug)
    stamp = request.form.get("stamp")
    verdict = check_form_stamp(stamp, action, min_age=current_app.config["SHARE_BACK_MIN_SECONDS"])
    errors: dict = {}
    try:
        data = ShareBackIn().load(form)
    except ValidationError as exc:
        errors = exc.messages
    if verdict is not Stamp.OK:
        errors.setdefault("_schema", []).append(str(STAMP_MESSAGES[verdict]))
    if errors:
        # shown again with what was typed; a quick person keeps their stamp and just sends again
        if verdict not in (Stamp.OK, Stamp.TOO_FAST):
            stamp = form_stamp(action)
        return render_template("captures/share_back_error.html", profile=profile, errors=errors,
                               form=form, event_code=event_code, stamp=stamp), 422
    share_back(profile.user, data, event_code=event_code)
    return render_template("captures/share_back_thanks.html", profile=profile, name=data["name"])
