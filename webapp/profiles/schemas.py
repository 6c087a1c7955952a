"""Profile schemas: the brand profile in (API and HTML form alike) and out, the public card."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields

from webapp.messages import Length
from webapp.validation import SPACE, Color, Email, HeaderLine, HttpUrl, Line, Paragraphs, check_text

MAX_LINKS = 5
INTRO_LENGTH = 280
PHONE = re.compile(r"^\+?[0-9０-９()（） .\-‐－ー]{3,40}$")


class Phone(fields.String):
    """A phone number as people write it: digits, spaces, + - ( ) and dots."""

    #: PHONE once trimmed, with a digit, for the OpenAPI document (see webapp.text_patterns)
    _CHARS = "0-9０-９()（） .\\-‐－ー"
    PATTERN = (f"^(?:[{SPACE}]*|[{SPACE}]*(?![{SPACE}])\\+?(?=[\\s\\S]*[0-9０-９])"
               f"[{_CHARS}]{{2,39}}[{_CHARS.replace(' ', '')}][{SPACE}]*)(?![\\s\\S])")

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("pattern", self.PATTERN)
        kwargs["metadata"].setdefault("maxLength", 40)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = check_text(super()._deserialize(value, attr, data, **kwargs), max_length=40)
        if value and (not PHONE.match(value) or not re.search(r"\d", value)):
            raise ValidationError(_("Use digits, spaces and + - ( ) only."))
        return value


class ProfileIn(Schema):
    """A whole profile (PUT replaces it): only name and keyword are required."""

    name = HeaderLine(100, allow_empty=False, required=True)
    name_reading = Line(100, load_default="")
    keyword = Line(60, allow_empty=False, required=True,
                   metadata={"description": "one line people can repeat, e.g. \"I build AI tools for teachers\""})
    current_work = Line(INTRO_LENGTH, load_default="")
    why_here = Line(INTRO_LENGTH, load_default="")
    next_challenge = Line(INTRO_LENGTH, load_default="")
    signature_color = Color(allow_none=True, load_default=None, metadata={"example": "#1e6b52"})
    signature_text = Line(60, load_default="")
    offers = Paragraphs(INTRO_LENGTH, load_default="", metadata={"description": "one offer per line"})
    asks = Paragraphs(INTRO_LENGTH, load_default="", metadata={"description": "one ask per line"})
    links = fields.List(HttpUrl(), load_default=list, validate=Length(max=MAX_LINKS),
                        metadata={"description": f"at most {MAX_LINKS} http(s) links"})
    public_email = Email(allow_none=True, load_default=None)
    public_phone = Phone(load_default="")
    company = Line(100, load_default="")
    title = Line(100, load_default="")


class AdviceOut(Schema):
    code = fields.String()
    message = fields.String()
    example = fields.String()


class AdviceList(Schema):
    items = fields.List(fields.Nested(AdviceOut))


class KeywordQuery(Schema):
    keyword = fields.String(load_default="", validate=Length(max=200))


class CardOut(Schema):
    """The public card: only what the owner chose to show."""

    slug = fields.String()
    card_url = fields.String()
    name = fields.String()
    name_reading = fields.String()
    keyword = fields.String()
    current_work = fields.String()
    why_here = fields.String()
    next_challenge = fields.String()
    signature_color = fields.String(allow_none=True)
    signature_text = fields.String()
    offers = fields.String()
    asks = fields.String()
    links = fields.List(fields.String())
    public_email = fields.String()
    public_phone = fields.String()
    company = fields.String()
    title = fields.String()


class ProfileOut(CardOut):
    is_public = fields.Boolean(metadata={"description": "true once name and keyword are set"})
    keyword_advice = fields.List(fields.Nested(AdviceOut))
