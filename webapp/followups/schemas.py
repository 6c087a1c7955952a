"""Follow-up schemas: the review patch, list queries and drafting in; follow-ups, draft results, skipped
people's texts and templates out."""
from __future__ import annotations

from datetime import timezone

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields

from webapp.followups.models import STATUSES, FollowUp
from webapp.followups.services import mailto_link
from webapp.messages import Length, OneOf, Range
from webapp.validation import MAX_ID, HeaderLine, Paragraphs

LOCALES = ("ja", "en")
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
#: what a person may set a follow-up to: approve (queued), cancel, or back to draft
SETTABLE_STATUSES = ("queued", "cancelled", "draft")
#: the people the template failed for that a drafting answer names (the count says how many in all)
FAILURES_SHOWN = 20


class SendAfter(fields.AwareDateTime):
    """An aware date and time, stored as UTC; years outside 2000–2100 (as written, so the OpenAPI
    document can say it) are refused, which also keeps the conversion from overflowing."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("pattern", "^(?:20[0-9][0-9]|2100)-")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not 2000 <= moment.year <= 2100:
            raise ValidationError(_("Not a valid date and time."))
        return moment.astimezone(timezone.utc)


class FollowUpPatch(Schema):
    """Edit, reschedule, approve (`queued`), cancel, or go back to `draft`."""

    subject = HeaderLine(200, allow_empty=False)
    body = Paragraphs(5000, validate=Length(min=1))
    send_after = SendAfter(allow_none=True, metadata={
        "description": "ISO 8601 with an offset; a time in the past means now; a time between 21:00 and 08:00 "
                       "local is kept only when given here explicitly; null means the next allowed moment"})
    status = fields.String(validate=OneOf(SETTABLE_STATUSES))
    send_now = fields.Boolean(metadata={
        "description": "true: approve it to go out now (on the sender's next pass), whatever the hour; "
                       "not with `send_after` or another status"})


class FollowUpOut(Schema):
    id = fields.Integer()
    contact_id = fields.Integer()
    contact_name = fields.String()
    to = fields.String()
    subject = fields.String()
    body = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES),
                                     "description": "unknown: may have been sent; never resent automatically"})
    send_after = fields.AwareDateTime(allow_none=True)
    attempts = fields.Integer()
    last_error = fields.String(metadata={"description": "the mail server's reply to the last attempt"})
    message_id = fields.String(metadata={"description": "fixed when queued; the same on every retry"})
    sent_at = fields.AwareDateTime(allow_none=True)
    is_sent_by_hand = fields.Boolean()
    is_edited = fields.Boolean(metadata={"description": "false: nobody changed the subject or body since it was "
                                                        "drafted (the review page says so before approval)"})
    mailto = fields.String(metadata={"description": "a mailto: link to send it from one's own mail app"})


class FollowUpList(Schema):
    items = fields.List(fields.Nested(FollowUpOut))
    next = fields.String(allow_none=True, metadata={"description": "the next page's URL, or null on the last"})


class FollowUpListQuery(Schema):
    status = fields.String(load_default=None, validate=OneOf(STATUSES))
    event_id = fields.Integer(load_default=None, validate=Range(min=1, max=MAX_ID),
                              metadata={"description": "only the follow-ups to people met at this event"})
    cursor = fields.Integer(load_default=None, validate=Range(min=1, max=MAX_ID),
                            metadata={"description": "from `next`: list follow-ups older than this one"})
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=Range(min=1, max=MAX_LIMIT))


class DraftIn(Schema):
    """Nothing to send: an empty object `{}`, or no body at all."""

    #: no body at all is taken as `{}` (webapp/api/blueprint.py)
    body_optional = True


class DraftFailureOut(Schema):
    """Someone the template failed for (or went over a limit for): no draft was made for them."""

    contact_id = fields.Integer()
    name = fields.String()
    part = fields.String(metadata={"enum": ["subject", "body"]})
    line = fields.Integer(allow_none=True)
    reason = fields.String()


class DraftResultOut(Schema):
    created = fields.Integer(metadata={"description": "drafts made now"})
    already = fields.Integer(metadata={"description": "contacts that already had a follow-up for this event"})
    skipped = fields.Integer(metadata={"description": "contacts without an email: their texts are at `skipped_url`"})
    failed = fields.Integer(metadata={"description": "contacts the template failed for: no draft was made"})
    ids = fields.List(fields.Integer(), metadata={"description": "the ids of the drafts made now"})
    failures = fields.List(fields.Nested(DraftFailureOut), metadata={
        "description": f"who the template failed for and why (the first {FAILURES_SHOWN})"})
    drafts_url = fields.String(metadata={"description": "the event's follow-ups, paged (`GET /followups?event_id=`)"})
    skipped_url = fields.String(metadata={"description": "the texts for the contacts without an email, paged"})


class SkippedQuery(Schema):
    cursor = fields.Integer(load_default=None, validate=Range(min=1, max=MAX_ID),
                            metadata={"description": "from `next`: the people after this contact"})
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=Range(min=1, max=MAX_LIMIT))


class SkippedOut(Schema):
    """Someone met at the event who has no email: the text, ready to copy into another channel."""

    contact_id = fields.Integer()
    name = fields.String()
    subject = fields.String()
    body = fields.String()
    problem = fields.String(metadata={"description": "why the template failed for them ('' when it did not)"})


class SkippedList(Schema):
    items = fields.List(fields.Nested(SkippedOut))
    next = fields.String(allow_none=True, metadata={"description": "the next page's URL, or null on the last"})


class ApproveAllOut(Schema):
    queued = fields.Integer()


class TemplateIn(Schema):
    subject = HeaderLine(200, allow_empty=False, required=True)
    body = Paragraphs(5000, required=True, validate=Length(min=1))


class TemplateOut(Schema):
    locale = fields.String(metadata={"enum": list(LOCALES)})
    subject = fields.String()
    body = fields.String()
    is_default = fields.Boolean(metadata={"description": "true: the built-in template (nothing saved)"})
    variables = fields.Dict(keys=fields.String(), values=fields.String(),
                            metadata={"description": "the variables a template may use, and what they hold"})


def followup_out(followup: FollowUp, names: dict[int, str]) -> dict:
    """A follow-up as FollowUpOut: its fields, the contact's name and a mailto: link."""
    data = {key: getattr(followup, key) for key in (
        "id", "contact_id", "to", "subject", "body", "status", "send_after", "attempts", "last_error",
        "message_id", "sent_at", "is_sent_by_hand", "is_edited")}
    data["contact_name"] = names.get(followup.contact_id, "")
    data["mailto"] = mailto_link(followup)
    return data
