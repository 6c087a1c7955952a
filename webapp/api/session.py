"""/api/v1/session: who is this browser? Lets a cached public page (a card) offer per-visitor actions."""
from __future__ import annotations

from flask import g
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from marshmallow import Schema, fields

from webapp.api.blueprint import Blueprint
from webapp.events.services import find_active_event
from webapp.profiles.services import get_profile_for

#: the answer is per browser and carries a CSRF token: no cache (HTTP or service worker) may keep it
NO_STORE = {"Cache-Control": "no-store", "Vary": "Cookie"}

bp = Blueprint("api_session", __name__, description="The caller's session, for pages that are cached")


class ActiveEventOut(Schema):
    id = fields.Integer()
    name = fields.String()


class SessionOut(Schema):
    authenticated = fields.Boolean()
    user_id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)
    card_slug = fields.String(allow_none=True, metadata={"description": "the caller's own card"})
    active_event = fields.Nested(ActiveEventOut, allow_none=True)
    csrf_token = fields.String(allow_none=True, metadata={
        "description": "the X-CSRFToken header value for this browser session's unsafe API calls"})


@bp.route("", methods=["GET"])
@bp.response(200, SessionOut)
@bp.doc(security=[{}, {"bearer": []}, {"cookie": []}])
def show():
    """Whether the caller is logged in; if so, its user, card, active event and CSRF token. Never cached."""
    if not current_user.is_authenticated:
        return {"authenticated": False, "user_id": None, "name": None, "card_slug": None,
                "active_event": None, "csrf_token": None}, 200, NO_STORE
    profile = get_profile_for(current_user)
    return {"authenticated": True, "user_id": current_user.id, "name": profile.name or current_user.name,
            "card_slug": profile.slug if profile.is_public else None,
            "active_event": find_active_event(current_user),
            "csrf_token": None if getattr(g, "auth_via_bearer", False) else generate_csrf()}, 200, NO_STORE
