"""/api/v1/contacts: search and list, read, edit, delete and merge the people the user met."""
from __future__ import annotations

from flask import url_for
from flask_login import current_user, login_required

from webapp.api.blueprint import Blueprint
from webapp.api.docs import CONFLICT, PROTECTED
from webapp.contacts import services
from webapp.contacts.schemas import ContactList, ContactOut, ContactPatch, ContactQuery, MergeIn

bp = Blueprint("api_contacts", __name__, description="Contacts: one person, many meetings")


@bp.route("", methods=["GET"])
@login_required
@bp.arguments(ContactQuery(), location="query")
@bp.response(200, ContactList)
@bp.doc(**PROTECTED)
def list_contacts(args):
    """The caller's contacts, latest met first; follow `next` for the following page."""
    page = services.list_contacts(current_user, args["q"], args["event_id"], args["tier"],
                                  args["cursor"], args["limit"])
    next_url = None
    if page.next_cursor:
        params = {key: args[key] for key in ("q", "event_id", "tier") if args[key] not in (None, "")}
        next_url = url_for("api_contacts.list_contacts", **params, limit=args["limit"], cursor=page.next_cursor)
    return {"items": page.items, "next": next_url}


@bp.route("/<int:contact_id>", methods=["GET"])
@login_required
@bp.response(200, ContactOut)
@bp.doc(**PROTECTED)
def get_contact(contact_id):
    """One contact with every meeting (oldest first) and every promise."""
    return services.get_contact_for(current_user, contact_id)


@bp.route("/<int:contact_id>", methods=["PATCH"])
@login_required
@bp.arguments(ContactPatch())
@bp.response(200, ContactOut)
@bp.doc(**PROTECTED, responses=CONFLICT)
def update_contact(data, contact_id):
    """Edit the fields sent. An email or card another contact has is a 409: merge them instead."""
    return services.update_contact(current_user, contact_id, data)


@bp.route("/<int:contact_id>", methods=["DELETE"])
@login_required
@bp.response(204)
@bp.doc(**PROTECTED)
def delete_contact(contact_id):
    """Delete a contact with its meetings and promises."""
    services.delete_contact(current_user, contact_id)
    return None


@bp.route("/<int:contact_id>/merge", methods=["POST"])
@login_required
@bp.arguments(MergeIn())
@bp.response(200, ContactOut)
@bp.doc(**PROTECTED, responses=CONFLICT)
def merge(data, contact_id):
    """Merge `other_id` into this contact: meetings, promises and notes move; the other is deleted."""
    return services.merge_contacts(current_user, contact_id, data["other_id"])
