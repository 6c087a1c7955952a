"""Contact input and output; the same schemas serve the API and the contact pages."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, pre_load

from webapp.contacts.models import LANGUAGES, TIERS
from webapp.contacts.services import decode_cursor
from webapp.cursors import Cursor
from webapp.messages import Length, OneOf, Range
from webapp.validation import MAX_ID, SPACE, Email, HeaderLine, HttpUrl, Id, Line, Paragraphs

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
PHONE = re.compile(r"^[0-9+()\-.\s#*ext]{0,40}$")


class Phone(Line):
    #: PHONE with a digit, for the OpenAPI document (webapp.text_patterns explains the dialect)
    PATTERN = f"^(?:[{SPACE}]*|(?=[\\s\\S]*[0-9])[0-9+()\\-.#*ext{SPACE}]*)(?![\\s\\S])"

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("pattern", self.PATTERN)
        super().__init__(40, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value and (not PHONE.match(value) or not any(ch.isdigit() for ch in value)):
            raise ValidationError(_("Not a valid phone number."))
        return value


class ContactQuery(Schema):
    q = fields.String(load_default="", validate=Length(max=100),
                      metadata={"description": "name, reading or company; kana, width and case do not matter"})
    event_id = fields.Integer(load_default=None, allow_none=True, validate=Range(min=1, max=MAX_ID),
                              metadata={"description": "only people met at this event (one of yours)"})
    tier = fields.String(load_default=None, allow_none=True, validate=OneOf(TIERS))
    cursor = Cursor(decode_cursor, load_default=None, allow_none=True, metadata={"description": "from the previous page's next"})
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=Range(min=1, max=MAX_LIMIT))

    @pre_load
    def _blank_is_missing(self, data, **kwargs):
        """Empty filters from an HTML form (?tier=&event_id=) mean "no filter"."""
        return {key: value for key, value in data.items() if value != ""}


class ContactPatch(Schema):
    name = HeaderLine(100, allow_empty=False)
    name_reading = Line(100)
    email = Email(allow_none=True, metadata={"description": "empty or null clears it"})
    phone = Phone()
    company = Line(100)
    title = Line(100)
    card_url = HttpUrl(allow_none=True, allow_empty=True, metadata={"description": "empty or null clears it"})
    notes = Paragraphs(5000)
    tier = fields.String(validate=OneOf(TIERS),
                         metadata={"description": "changing it records the review (tier_reviewed_at)"})
    language = fields.String(validate=OneOf(LANGUAGES),
                             metadata={"description": "ja or en: the language their follow-ups are drafted in"})

    @pre_load
    def _blank_clears(self, data, **kwargs):
        if isinstance(data, dict) and data.get("card_url") == "":
            data = {**data, "card_url": None}
        return data


class MergeIn(Schema):
    other_id = Id(required=True, metadata={"description": "another of your contacts, merged into this one, "
                                                         "then deleted"})


class EncounterOut(Schema):
    id = fields.Integer()
    event_id = fields.Integer(allow_none=True)
    met_at = fields.AwareDateTime()
    source = fields.String()
    conversation = fields.String()
    needs = fields.String()
    memorable = fields.String()


class PromiseOut(Schema):
    id = fields.Integer()
    text = fields.String()
    due_on = fields.Date(allow_none=True)
    done = fields.Boolean(attribute="is_done")


class ContactSummaryOut(Schema):
    id = fields.Integer()
    name = fields.String()
    name_reading = fields.String()
    is_reading_guessed = fields.Boolean(metadata={
        "description": "the reading was guessed from the name's kanji, not typed: worth a check"})
    email = fields.String()
    phone = fields.String()
    company = fields.String()
    title = fields.String()
    card_url = fields.String()
    tier = fields.String()
    tier_reviewed_at = fields.AwareDateTime(allow_none=True)
    language = fields.String(metadata={"enum": list(LANGUAGES), "description": "the language their follow-ups are "
                                       "drafted in: guessed at capture from the name and notes, changed by PATCH"})
    last_met_at = fields.AwareDateTime()
    possible_duplicate_of = fields.Integer(attribute="possible_duplicate_of_id", allow_none=True)


class ContactListItem(ContactSummaryOut):
    last_conversation = fields.String(metadata={"description": "what was talked about at the latest meeting"})


class ContactList(Schema):
    items = fields.List(fields.Nested(ContactListItem))
    next = fields.String(allow_none=True, metadata={"description": "the next page, or null on the last"})


class ContactOut(ContactSummaryOut):
    notes = fields.String()
    encounters = fields.List(fields.Nested(EncounterOut))
    promises = fields.List(fields.Nested(PromiseOut))
