"""/api/v1/reminders: what is due, snoozing, the reminder settings and the private calendar feed."""
from __future__ import annotations

from datetime import timedelta

from flask import url_for
from flask_login import current_user, login_required

from webapp.api.blueprint import Blueprint
from webapp.api.docs import PROTECTED
from webapp.db import utcnow
from webapp.profiles.web import public_base_url
from webapp.relationships import services
from webapp.relationships import settings as reminder_settings
from webapp.relationships.due import list_reminders
from webapp.relationships.schemas import (FeedOut, ReminderList, ReminderQuery, ReminderSettingsIn,
                                          ReminderSettingsOut, SnoozeIn,
                                          SnoozeOut)

bp = Blueprint("api_reminders", __name__, description="Keeping in touch: what is due, snoozes, digest and feed")


@bp.route("", methods=["GET"])
@login_required
@bp.arguments(ReminderQuery(), location="query")
@bp.response(200, ReminderList)
@bp.doc(**PROTECTED)
def list_due(args):
    """Everything due today or earlier, most overdue first: rhythms (`touch`, with its `channel`),
    open promises (`promise`, all of them, dated ones by date), tiers not reviewed for a year
    (`review`) and contacts unsorted for over a week (`sort`). Snoozed ones are left out."""
    kinds = (args["kind"],) if args["kind"] else None
    page = list_reminders(current_user, now=utcnow(), kinds=kinds or ("promise", "touch", "review", "sort"),
                          cursor=args["cursor"], limit=args["limit"])
    following = None
    if page.next_cursor:
        query = {"cursor": page.next_cursor, "limit": args["limit"]}
        if args["kind"]:
            query["kind"] = args["kind"]
        following = url_for("api_reminders.list_due", **query)
    return {"items": page.items, "next": following}


@bp.route("/snooze", methods=["POST"])
@login_required
@bp.arguments(SnoozeIn())
@bp.response(201, SnoozeOut)
@bp.doc(**PROTECTED)
def snooze(data):
    """Put off one reminder (a contact's rhythm, review or sorting) for `days` or `until` a moment."""
    now = utcnow()
    until = data.get("until") or now + timedelta(days=data["days"])
    return services.snooze(current_user, data["contact_id"], data["kind"], data.get("channel"), until, now=now)


@bp.route("/settings", methods=["GET"])
@login_required
@bp.response(200, ReminderSettingsOut)
@bp.doc(**PROTECTED)
def get_settings():
    """The grow cap, the digest (off, daily, weekly), and whether a calendar feed exists."""
    return reminder_settings.get_settings(current_user)


@bp.route("/settings", methods=["PATCH"])
@login_required
@bp.arguments(ReminderSettingsIn())
@bp.response(200, ReminderSettingsOut)
@bp.doc(**PROTECTED)
def patch_settings(data):
    """Change the grow cap or opt in to (or out of) the digest email."""
    return reminder_settings.update_settings(current_user, data)


@bp.route("/feed", methods=["POST"])
@login_required
@bp.response(201, FeedOut)
@bp.doc(**PROTECTED)
def create_feed():
    """A new secret calendar (ICS) URL for due touches and promise dates; the previous one stops working.
    The URL is shown once."""
    token = reminder_settings.create_feed_token(current_user)
    return {"url": f"{public_base_url()}{url_for('relationships.feed', token=token)}"}


@bp.route("/feed", methods=["DELETE"])
@login_required
@bp.response(204)
@bp.doc(**PROTECTED)
def revoke_feed():
    """Revoke the calendar feed: its URL answers 404 from now on."""
    reminder_settings.revoke_feed(current_user)
    return None
