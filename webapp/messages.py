"""marshmallow's messages in the user's language, translated where the error is raised.

Each field and schema default message is ours, marked for translation; marshmallow formats a field's
message when it raises it (inside the request), so a `Message` translates itself then. The length,
range and choice validators say their limits in our words (`Length`, `Range`, `OneOf`).
`webapp/__init__` imports this module first, so every schema's fields are built with these messages.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate


class Message(str):
    """English text (the catalogue's msgid) that is translated when marshmallow formats it; a str,
    so marshmallow treats it as one message (a lazy string would not be put in a list)."""

    def format(self, *args, **kwargs):
        return _(str(self)).format(*args, **kwargs)


def N_(message: str) -> Message:
    return Message(message)


#: the field errors people can meet (the rest of marshmallow's are for fields we do not use)
FIELD_MESSAGES = {
    fields.Field: {"required": N_("This field is required."), "null": N_("This field is required."),
                   "validator_failed": N_("This value is not allowed.")},
    fields.Nested: {"type": N_("Send an object here.")},
    fields.List: {"invalid": N_("Not a valid list.")},
    fields.Tuple: {"invalid": N_("Not a valid list.")},
    fields.String: {"invalid": N_("Not a valid string."), "invalid_utf8": N_("Not a valid string.")},
    fields.UUID: {"invalid_uuid": N_("Not a valid identifier.")},
    fields.Number: {"invalid": N_("Not a valid number."), "too_large": N_("This number is too large.")},
    fields.Integer: {"invalid": N_("Not a valid number.")},
    fields.Float: {"special": N_("Not a valid number.")},
    fields.Boolean: {"invalid": N_("Use true or false.")},
    fields.DateTime: {"invalid": N_("Not a valid date and time."),
                      "invalid_awareness": N_("Give the time with its time zone, like 2026-12-05T09:00:00+09:00.")},
    fields.Date: {"invalid": N_("Not a valid date.")},
    fields.Mapping: {"invalid": N_("Send an object here.")},
    fields.Url: {"invalid": N_("Not a valid link.")},
    fields.Email: {"invalid": N_("Not a valid email address.")},
    fields.Enum: {"unknown": N_("Choose one of the options.")},
}

#: a schema's own errors; marshmallow stores them as they are (in a list), so they are lazy strings
SCHEMA_MESSAGES = {"type": _l("Send an object here."), "unknown": _l("Unknown field.")}


def install() -> None:
    """Put our messages in place of marshmallow's (before any schema is defined; idempotent)."""
    for cls, messages in FIELD_MESSAGES.items():
        cls.default_error_messages = {**vars(cls).get("default_error_messages", {}), **messages}
    Schema._default_error_messages = {**Schema._default_error_messages, **SCHEMA_MESSAGES}


class Length(validate.Length):
    """marshmallow's Length, saying the limit in the user's language (a given ``error`` wins)."""

    def _format_error(self, value, message: str) -> str:
        if self.error:
            return str(self.error)
        if self.equal is not None:
            return _("Use exactly %(n)d characters.", n=self.equal)
        if self.max is None:
            return _("This field is required.") if self.min == 1 else _("Too short (at least %(n)d).", n=self.min)
        if self.min is None:
            return _("Too long (at most %(n)d).", n=self.max)
        return _("Use %(low)d to %(high)d characters.", low=self.min, high=self.max)


class Range(validate.Range):
    """marshmallow's Range, saying the bounds in the user's language."""

    def _format_error(self, value, message: str) -> str:
        if self.error:
            return str(self.error)
        if self.max is None:
            return _("At least %(n)d.", n=self.min)
        if self.min is None:
            return _("At most %(n)d.", n=self.max)
        return _("From %(low)d to %(high)d.", low=self.min, high=self.max)


class OneOf(validate.OneOf):
    """marshmallow's OneOf; the message names the choices (codes, which are the same in every language)."""

    def _format_error(self, value) -> str:
        if self.error is not self.default_message:
            return str(self.error)
        return _("Choose one of: %(choices)s.", choices=" / ".join(str(choice) for choice in self.choices))


install()
