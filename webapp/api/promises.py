"""/api/v1/promises: what the user promised, open and done; closing one can log the touch."""
from __future__ import annotations

from flask import url_for
from flask_login import current_user, login_required

from webapp.api.blueprint import Blueprint
from webapp.api.docs import PROTECTED
from webapp.relationships import promises
from webapp.relationships.schemas import PromiseIn, PromiseItemOut, PromiseList, PromisePatch, PromiseQuery

bp = Blueprint("api_promises", __name__, description="Promises made to contacts")


@bp.route("/promises", methods=["GET"])
@login_required
@bp.arguments(PromiseQuery(), location="query")
@bp.response(200, PromiseList)
@bp.doc(**PROTECTED)
def list_promises(args):
    """Open promises by due date (overdue first, undated last), or done ones (`status=done`) latest first."""
    rows = promises.list_promises(current_user, status=args["status"], contact_id=args["contact_id"],
                                  limit=args["limit"] + 1, offset=args["offset"])
    following = None
    if len(rows) > args["limit"]:
        query = {key: args[key] for key in ("status", "contact_id") if args[key] is not None}
        following = url_for("api_promises.list_promises", **query, limit=args["limit"],
                            offset=args["offset"] + args["limit"])
    return {"items": rows[:args["limit"]], "next": following}


@bp.route("/contacts/<int:contact_id>/promises", methods=["POST"])
@login_required
@bp.arguments(PromiseIn())
@bp.response(201, PromiseItemOut)
@bp.doc(**PROTECTED)
def create_promise(data, contact_id):
    """Record a promise made to this contact."""
    return promises.create_promise(current_user, contact_id, data["text"], data["due_on"])


@bp.route("/promises/<int:promise_id>", methods=["PATCH"])
@login_required
@bp.arguments(PromisePatch())
@bp.response(200, PromiseItemOut)
@bp.doc(**PROTECTED)
def patch_promise(data, promise_id):
    """Edit, postpone (`due_on`), close (`done: true`, with `log_kind` to log the touch too) or reopen."""
    return promises.update_promise(current_user, promise_id, data)
