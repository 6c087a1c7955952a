"""/api/v1 follow-ups: draft for an event, review, approve, resend, by hand; and the user's templates."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask import request, url_for
from flask_login import current_user, login_required

from webapp.api.blueprint import Blueprint
from webapp.api.docs import CONFLICT, PROTECTED
from webapp.errors import NotFound, ValidationFailed
from webapp.profiles.web import card_link
from webapp.followups import services
from webapp.followups.schemas import (FAILURES_SHOWN, LOCALES, ApproveAllOut, DraftIn, DraftResultOut, FollowUpList,
                                      FollowUpListQuery, FollowUpOut, FollowUpPatch, SkippedList, SkippedQuery,
                                      TemplateIn, TemplateOut, followup_out)
from webapp.followups.templating import VARIABLES

bp = Blueprint("api_followups", __name__, description="Follow-up emails after an event, and their templates")


def _one(followup) -> dict:
    return followup_out(followup, services.contact_names(current_user, [followup]))


def _read_body() -> None:
    """Read the whole request body before answering: a server that closes the connection with a
    body still unread makes the kernel reset it, and the client loses the answer. Nothing or `{}`
    is expected (the JSON one is checked by DraftIn)."""
    if request.get_data().strip() and not request.is_json:
        raise ValidationFailed(_l("Send an empty JSON object, or nothing."))


@bp.route("/events/<int:event_id>/followups", methods=["POST"])
@login_required
@bp.arguments(DraftIn(), required=False)
@bp.response(201, DraftResultOut)
@bp.doc(**PROTECTED)
def draft_for_event(_data, event_id):
    """Draft a follow-up for each contact met at the event who has an email. Pressing it again makes
    no second draft (`already` counts them). The answer stays small: counts and the new drafts' ids;
    the drafts page through `drafts_url`, and the texts for contacts without an email through
    `skipped_url`. Someone the template fails for gets no draft and is named in `failures`, with the
    reason; the others are drafted all the same."""
    _read_body()
    result = services.draft_for_event(current_user, event_id, card_url=card_link(current_user))
    return {"created": len(result.created), "already": result.already, "skipped": len(result.skipped),
            "failed": len(result.failed), "ids": result.ids,
            "failures": result.failed[:FAILURES_SHOWN],
            "drafts_url": url_for("api_followups.list_followups", event_id=event_id),
            "skipped_url": url_for("api_followups.list_skipped", event_id=event_id)}


@bp.route("/events/<int:event_id>/followups/skipped", methods=["GET"])
@login_required
@bp.arguments(SkippedQuery(), location="query")
@bp.response(200, SkippedList)
@bp.doc(**PROTECTED)
def list_skipped(args, event_id):
    """The people met at the event who have no email, each with the text to send another way (or the
    `problem` the template has with their details); follow `next` for more."""
    rows = services.list_skipped(current_user, event_id, card_url=card_link(current_user), after_id=args["cursor"],
                                 limit=args["limit"] + 1)
    page = rows[:args["limit"]]
    following = None
    if len(rows) > args["limit"]:
        following = url_for("api_followups.list_skipped", event_id=event_id, cursor=page[-1]["contact_id"],
                            limit=args["limit"])
    return {"items": page, "next": following}


@bp.route("/followups", methods=["GET"])
@login_required
@bp.arguments(FollowUpListQuery(), location="query")
@bp.response(200, FollowUpList)
@bp.doc(**PROTECTED)
def list_followups(args):
    """The caller's follow-ups, newest first, optionally of one `status` or to the people met at one
    event (`event_id`); follow `next` for more."""
    rows = services.list_followups(current_user, status=args["status"], event_id=args["event_id"],
                                   after_id=args["cursor"], limit=args["limit"] + 1)
    page = rows[:args["limit"]]
    following = None
    if len(rows) > args["limit"]:
        query = {"cursor": page[-1].id, "limit": args["limit"]}
        for key in ("status", "event_id"):
            if args[key]:
                query[key] = args[key]
        following = url_for("api_followups.list_followups", **query)
    names = services.contact_names(current_user, page)
    return {"items": [followup_out(f, names) for f in page], "next": following}


@bp.route("/followups/approve-all", methods=["POST"])
@login_required
@bp.response(200, ApproveAllOut)
@bp.doc(**PROTECTED, responses=CONFLICT)
def approve_all():
    """Approve every draft: each is queued for its scheduled time (or the next allowed moment)."""
    return {"queued": services.approve_all(current_user)}


@bp.route("/followups/<int:followup_id>", methods=["GET"])
@login_required
@bp.response(200, FollowUpOut)
@bp.doc(**PROTECTED)
def get_followup(followup_id):
    """One of the caller's follow-ups (another user's is a 404)."""
    return _one(services.get_followup_for(current_user, followup_id))


@bp.route("/followups/<int:followup_id>", methods=["PATCH"])
@login_required
@bp.arguments(FollowUpPatch())
@bp.response(200, FollowUpOut)
@bp.doc(**PROTECTED, responses=CONFLICT)
def patch_followup(data, followup_id):
    """Edit subject/body, reschedule, approve (`status: queued`), cancel, or go back to draft.
    Approving twice queues once, with the same Message-ID; a follow-up being sent or sent is a 409."""
    return _one(services.update_followup(current_user, followup_id, data))


@bp.route("/followups/<int:followup_id>/resend", methods=["POST"])
@login_required
@bp.response(200, FollowUpOut)
@bp.doc(**PROTECTED, responses=CONFLICT)
def resend(followup_id):
    """Queue again a follow-up that failed or may have been sent (status `unknown`), with the same Message-ID."""
    return _one(services.resend(current_user, followup_id))


@bp.route("/followups/<int:followup_id>/sent-by-hand", methods=["POST"])
@login_required
@bp.response(200, FollowUpOut)
@bp.doc(**PROTECTED, responses=CONFLICT)
def sent_by_hand(followup_id):
    """Record that the user sent it from their own mail app (it is then never sent by the server)."""
    return _one(services.mark_sent_by_hand(current_user, followup_id))


def _template(locale: str) -> str:
    if locale not in LOCALES:
        raise NotFound(_l("Templates exist for ja and en only."), code="no_such_locale")
    return locale


def _template_out(data: dict) -> dict:
    return {**data, "variables": VARIABLES}


@bp.route("/templates/<locale>", methods=["GET"])
@login_required
@bp.response(200, TemplateOut)
@bp.doc(**PROTECTED)
def get_template(locale):
    """The caller's follow-up template for `ja` or `en` (the built-in one until they save their own)."""
    return _template_out(services.get_template(current_user, _template(locale)))


@bp.route("/templates/<locale>", methods=["PUT"])
@login_required
@bp.arguments(TemplateIn())
@bp.response(200, TemplateOut)
@bp.doc(**PROTECTED)
def put_template(data, locale):
    """Save a template (Jinja, sandboxed). A broken one is a 422 naming the part, the line and the reason."""
    return _template_out(services.save_template(current_user, _template(locale), data["subject"], data["body"]))


@bp.route("/templates/<locale>", methods=["DELETE"])
@login_required
@bp.response(200, TemplateOut)
@bp.doc(**PROTECTED)
def reset_template(locale):
    """Go back to the built-in template; answers with it."""
    return _template_out(services.reset_template(current_user, _template(locale)))
