"""Capture input and output; the same schema serves the API and the capture form."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validates

from webapp.contacts.models import LANGUAGES
from webapp.contacts.schemas import Phone
from webapp.db import utcnow
from webapp.messages import OneOf
from webapp.validation import Email, HeaderLine, HttpUrl, Id, Line, Paragraphs

MAX_BATCH = 500


class CaptureIn(Schema):
    client_id = fields.UUID(required=True, metadata={"description": "a UUID the device made for this capture"})
    event_id = Id(allow_none=True, metadata={"description": "one of your events; omitted: the active event; "
                                                            "null: none"})
    captured_at = fields.AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "within the last 30 years and at most 10 minutes ahead of the server's clock"})
    name = HeaderLine(100, allow_empty=False, required=True)
    name_reading = Line(100, load_default="")
    email = Email(load_default="", allow_none=True)
    phone = Phone(load_default="")
    company = Line(100, load_default="")
    title = Line(100, load_default="")
    card_url = HttpUrl(load_default="", allow_none=True, allow_empty=True)
    conversation = Paragraphs(2000, load_default="")
    needs = Paragraphs(1000, load_default="")
    promise = Line(280, load_default="")
    promise_due = fields.Date(load_default=None, allow_none=True)
    memorable = Paragraphs(280, load_default="")
    source = fields.String(load_default="manual", validate=OneOf(["manual", "scan", "import"]))
    language = fields.String(load_default=None, validate=OneOf(LANGUAGES), metadata={
        "description": "ja or en, the language to write to a new contact in; left out: guessed from the name "
                       "and notes"})

    @validates("captured_at")
    def _not_in_future(self, value, **kwargs):
        if value is None:
            return
        now = utcnow()
        if value > now + timedelta(minutes=10):
            raise ValidationError(_("This time is in the future."))
        if value < now - timedelta(days=365 * 30):
            raise ValidationError(_("This time is too far in the past."))


class CaptureOut(Schema):
    client_id = fields.String()
    contact_id = fields.Integer()
    encounter_id = fields.Integer()
    created = fields.Boolean(metadata={"description": "false when this was a replay of an earlier capture"})
    matched = fields.String(allow_none=True, metadata={"description": "email or card_url when an existing contact was met again"})
    possible_duplicate_of = fields.Integer(allow_none=True)


class BatchItemOut(Schema):
    status = fields.Integer()
    result = fields.Nested(CaptureOut, allow_none=True)
    error = fields.Dict(allow_none=True)


class BatchOut(Schema):
    items = fields.List(fields.Nested(BatchItemOut))
