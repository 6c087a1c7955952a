"""Input and output schemas for accounts and tokens (also used by the HTML forms)."""
from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validates, validates_schema

from webapp.messages import Length, OneOf
from webapp.validation import Email, HeaderLine, Line


class SignupIn(Schema):
    email = Email(required=True)
    password = fields.String(required=True, validate=Length(min=8, max=256),
                             load_only=True)
    name = HeaderLine(100, allow_empty=False, required=True)
    locale = fields.String(validate=OneOf(["ja", "en"]), load_default=None)
    timezone = fields.String(load_default=None, metadata={"enum": [*sorted(available_timezones()), None]})

    @validates("timezone")
    def _timezone(self, value, **kwargs):
        if value is not None and value not in available_timezones():
            raise ValidationError(_("Unknown time zone."))


class LoginIn(Schema):
    email = Email(required=True)
    password = fields.String(required=True, validate=Length(min=1, max=256),
                             load_only=True)


class TokenIn(LoginIn):
    name = Line(100, load_default="")


class TokenOut(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)


class NewTokenOut(TokenOut):
    token = fields.String(metadata={"description": "shown once; send as `Authorization: Bearer <token>`"})


class UserOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    locale = fields.String(allow_none=True)
    timezone = fields.String()


class ListOf(Schema):
    next = fields.String(allow_none=True)


class TokenList(ListOf):
    items = fields.List(fields.Nested(TokenOut))


class SettingsIn(Schema):
    """Account settings; the name is not one of them (it is the profile's, edited there)."""

    locale = fields.String(validate=OneOf(["ja", "en"]), allow_none=True)
    timezone = fields.String()
    is_login_email_reply_to = fields.Boolean(metadata={
        "description": "replies to my follow-ups may go to my login email when my profile has no public email"})

    @validates("timezone")
    def _timezone(self, value, **kwargs):
        if value not in available_timezones():
            raise ValidationError(_("Unknown time zone."))


class PasswordChangeIn(Schema):
    current_password = fields.String(required=True, validate=Length(min=1, max=256), load_only=True)
    new_password = fields.String(required=True, validate=Length(min=8, max=256), load_only=True)
    new_password_again = fields.String(required=True, load_only=True)

    @validates_schema
    def _same_twice(self, data, **kwargs):
        if data.get("new_password") != data.get("new_password_again"):
            raise ValidationError(_("The two new passwords are not the same."), "new_password_again")
