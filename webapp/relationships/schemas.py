"""Keep-in-touch input and output: reminders, rhythms, touches, snoozes, promises, review, settings."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, pre_load, validates, validates_schema

from webapp.contacts.models import TIERS
from webapp.cursors import Cursor
from webapp.followups.schemas import SendAfter
from webapp.messages import Length, OneOf, Range
from webapp.relationships import cadence
from webapp.relationships.due import KINDS, decode_cursor
from webapp.relationships.models import DIGESTS, SNOOZABLE
from webapp.validation import Flag, Id, Line

MAX_LIMIT = 200


class ReminderQuery(Schema):
    kind = fields.String(load_default=None, allow_none=True, validate=OneOf(KINDS),
                         metadata={"description": "only this kind of reminder"})
    cursor = Cursor(decode_cursor, load_default=None, allow_none=True,
                    metadata={"description": "from the previous page's next"})
    limit = fields.Integer(load_default=50, validate=Range(min=1, max=MAX_LIMIT))

    @pre_load
    def _blank_is_missing(self, data, **kwargs):
        return {key: value for key, value in data.items() if value != ""}


class ReminderOut(Schema):
    kind = fields.String(metadata={"enum": list(KINDS), "description":
                                   "touch: a rhythm is due (see channel); promise: an open promise; review: the "
                                   "tier was not reviewed for a year; sort: unsorted for over a week"})
    contact_id = fields.Integer()
    contact_name = fields.String()
    due_at = fields.AwareDateTime(metadata={"description": "when it fell (or falls) due; a promise without a date: "
                                                           "a week after it was made"})
    is_overdue = fields.Boolean()
    channel = fields.String(allow_none=True, metadata={"enum": list(cadence.CHANNELS),
                                                       "description": "touch only: which rhythm"})
    since = fields.AwareDateTime(allow_none=True, metadata={"description": "the last touch that counts, or the "
                                                                           "last review / capture"})
    promise_id = fields.Integer(allow_none=True)
    text = fields.String(metadata={"description": "promise only: what was promised"})
    tier = fields.String()
    last_conversation = fields.String(metadata={"description": "what was talked about at the latest meeting"})
    needs = fields.String(metadata={"description": "their need at the latest meeting that noted one"})


class ReminderList(Schema):
    items = fields.List(fields.Nested(ReminderOut))
    next = fields.String(allow_none=True)


class RhythmIn(Schema):
    channel = fields.String(required=True, validate=OneOf(tuple(cadence.CHANNELS)), metadata={
        "description": "touch (message, like, comment, call), email (email, article) or meet (meeting)"})
    every_days = fields.Integer(required=True, strict=True, validate=Range(min=1, max=3650))
    within_days = fields.Integer(load_default=None, allow_none=True, strict=True,
                                 validate=Range(min=1, max=3650),
                                 metadata={"description": "overdue after this many days (a range: every 180 "
                                                          "within 365), at least every_days; null: overdue the "
                                                          "day after it is due"})

    @validates_schema
    def _range(self, data, **kwargs):
        if data.get("within_days") is not None and data["within_days"] < data["every_days"]:
            raise ValidationError(_("Must be at least the number of days it is due after."), "within_days")


class RhythmOut(Schema):
    channel = fields.String()
    every_days = fields.Integer()
    within_days = fields.Integer(allow_none=True)
    kinds = fields.List(fields.String(), metadata={"description": "the touches that reset this rhythm"})


class PolicyIn(Schema):
    rhythms = fields.List(fields.Nested(RhythmIn), required=True, validate=Length(max=len(cadence.CHANNELS)),
                          metadata={"description": "one rhythm per channel"})

    @validates("rhythms")
    def _one_per_channel(self, value, **kwargs):
        channels = [r.get("channel") for r in value if r.get("channel")]
        if len(set(channels)) != len(channels):
            raise ValidationError(_("One rhythm per channel."))


class PolicyOut(Schema):
    tier = fields.String()
    is_default = fields.Boolean()
    rhythms = fields.List(fields.Nested(RhythmOut))


class PolicyList(Schema):
    items = fields.List(fields.Nested(PolicyOut))


class InteractionIn(Schema):
    kind = fields.String(required=True, validate=OneOf(cadence.INTERACTION_KINDS))
    note = Line(280, load_default="", metadata={"description": "private"})
    occurred_at = SendAfter(load_default=None, allow_none=True,
                            metadata={"description": "default: now; not in the future"})


class InteractionOut(Schema):
    id = fields.Integer()
    contact_id = fields.Integer()
    kind = fields.String()
    channel = fields.Function(lambda row: cadence.channel_of(row.kind), allow_none=True)
    occurred_at = fields.AwareDateTime()
    note = fields.String()
    follow_up_id = fields.Integer(allow_none=True)


class InteractionList(Schema):
    items = fields.List(fields.Nested(InteractionOut))
    next = fields.String(allow_none=True)


class TierIn(Schema):
    tier = fields.String(required=True, validate=OneOf(TIERS))


class SnoozeIn(Schema):
    #: the rules of _when, for the OpenAPI document (webapp.api.docs)
    OPENAPI_RULES = {"allOf": [
        {"oneOf": [{"required": ["days"]}, {"required": ["until"]}]},
        {"anyOf": [{"properties": {"kind": {"not": {"enum": ["touch"]}}}},
                   {"required": ["channel"], "properties": {"channel": {"type": "string"}}}]},
    ]}
    contact_id = Id(required=True)
    kind = fields.String(required=True, validate=OneOf(SNOOZABLE))
    channel = fields.String(load_default=None, allow_none=True, validate=OneOf(tuple(cadence.CHANNELS)))
    days = fields.Integer(strict=True, validate=Range(min=1, max=365),
                          metadata={"description": "snooze for this many days (or give until)"})
    until = SendAfter(metadata={"description": "snooze until this moment (in the future)"})

    @validates_schema
    def _when(self, data, **kwargs):
        if ("days" in data) == ("until" in data):
            raise ValidationError(_("Give either days or until."), "days")
        if data["kind"] == "touch" and not data.get("channel"):
            raise ValidationError(_("A touch reminder needs its channel."), "channel")


class SnoozeOut(Schema):
    contact_id = fields.Integer()
    kind = fields.String()
    channel = fields.String()
    until = fields.AwareDateTime(attribute="until_at")


class PromiseIn(Schema):
    text = Line(280, allow_empty=False, required=True)
    due_on = fields.Date(load_default=None, allow_none=True)


class PromisePatch(Schema):
    text = Line(280, allow_empty=False)
    due_on = fields.Date(allow_none=True)
    done = Flag(metadata={"description": "true closes it, false reopens it"})
    log_kind = fields.String(validate=OneOf(cadence.INTERACTION_KINDS), metadata={
        "description": "with done: true, also log this touch on the contact (resets its rhythm)"})


class PromiseQuery(Schema):
    status = fields.String(load_default="open", validate=OneOf(("open", "done")))
    contact_id = Id(load_default=None, allow_none=True, strict=False,  # a query's numbers are text
                    metadata={"description": "only this contact's (one of yours)"})
    offset = fields.Integer(load_default=0, validate=Range(min=0, max=1_000_000))
    limit = fields.Integer(load_default=50, validate=Range(min=1, max=MAX_LIMIT))


class PromiseItemOut(Schema):
    id = fields.Integer()
    contact_id = fields.Integer()
    text = fields.String()
    due_on = fields.Date(allow_none=True)
    done = fields.Boolean(attribute="is_done")
    done_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


class PromiseList(Schema):
    items = fields.List(fields.Nested(PromiseItemOut))
    next = fields.String(allow_none=True)


class TierSummaryOut(Schema):
    tier = fields.String()
    count = fields.Integer()
    to_review = fields.Integer(metadata={"description": "not reviewed for a year"})


class ReviewOut(Schema):
    tiers = fields.List(fields.Nested(TierSummaryOut))
    grow_cap = fields.Integer()
    over_cap = fields.Boolean(metadata={"description": "grow holds more people than the cap"})


class ReminderSettingsIn(Schema):
    grow_cap = fields.Integer(strict=True, validate=Range(min=1, max=1000))
    digest = fields.String(validate=OneOf(DIGESTS), metadata={
        "description": "off, daily (08:00 local) or weekly (Monday 08:00 local), through the follow-up outbox"})


class ReminderSettingsOut(Schema):
    grow_cap = fields.Integer()
    digest = fields.String()
    has_feed = fields.Function(lambda row: row.feed_token_hash is not None)


class FeedOut(Schema):
    url = fields.String(metadata={"description": "shown once; making a new one revokes the old"})


class MatchOut(Schema):
    contact_id = fields.Integer()
    contact_name = fields.String()
    needs = fields.String()
    offer = fields.String(metadata={"description": "the line of my offers that meets their need"})
    met_at = fields.AwareDateTime()


class MatchList(Schema):
    items = fields.List(fields.Nested(MatchOut))
    has_offers = fields.Boolean()
