"""/api/v1/events: the caller's events; one of them may be active (captures default to it)."""
from __future__ import annotations

from flask import url_for
from flask_login import current_user, login_required

from webapp.api.blueprint import Blueprint
from webapp.api.docs import PROTECTED
from webapp.events import services
from webapp.events.schemas import EventIn, EventList, EventListQuery, EventOut, EventPatch
from webapp.events.schemas import event_out
from webapp.profiles.web import card_link

bp = Blueprint("api_events", __name__, description="Events, and the one active event")


@bp.route("", methods=["GET"])
@login_required
@bp.arguments(EventListQuery(), location="query")
@bp.response(200, EventList)
@bp.doc(**PROTECTED)
def list_events(args):
    """The caller's events, latest start first (undated ones last); follow `next` for more."""
    page = services.list_events(current_user, args["cursor"], args["limit"])
    card = card_link(current_user)
    following = (url_for("api_events.list_events", cursor=page.next_cursor, limit=args["limit"])
                 if page.next_cursor else None)
    return {"items": [event_out(event, card) for event in page.items], "next": following}


@bp.route("", methods=["POST"])
@login_required
@bp.arguments(EventIn())
@bp.response(201, EventOut)
@bp.doc(**PROTECTED)
def create_event(data):
    """Create an event; only `name` is required. `is_active: true` makes it the active one."""
    event = services.create_event(current_user, data)
    return event_out(event, card_link(current_user))


@bp.route("/<int:event_id>", methods=["GET"])
@login_required
@bp.response(200, EventOut)
@bp.doc(**PROTECTED)
def get_event(event_id):
    """One of the caller's events (another user's is a 404)."""
    return event_out(services.get_event_for(current_user, event_id), card_link(current_user))


@bp.route("/<int:event_id>", methods=["PATCH"])
@login_required
@bp.arguments(EventPatch())
@bp.response(200, EventOut)
@bp.doc(**PROTECTED)
def patch_event(data, event_id):
    """Change some fields. `is_active: true` deactivates the previous active event in the same step."""
    event = services.update_event(current_user, event_id, data)
    return event_out(event, card_link(current_user))


@bp.route("/<int:event_id>", methods=["DELETE"])
@login_required
@bp.response(204)
@bp.doc(**PROTECTED)
def delete_event(event_id):
    """Delete an event; the contacts and encounters from it stay, no longer tied to it."""
    services.delete_event(current_user, event_id)
    return None
