"""One codec for keyset cursors: the sort key a page ended on, as opaque URL-safe text, and the
query field that reads one."""
from __future__ import annotations

import base64
import binascii
from typing import Callable

from flask_babel import gettext as _
from marshmallow import ValidationError, fields

#: a cursor longer than this was not made here
MAX_LENGTH = 200


def encode(*parts) -> str:
    """The parts (each as text) joined with "|", base64url without padding."""
    return pack("|".join(str(part) for part in parts))


def decode(value: str | None, count: int) -> list[str] | None:
    """The ``count`` parts of a cursor made by `encode`; None when ``value`` is not one."""
    text = unpack(value)
    parts = text.split("|") if text is not None else []
    return parts if len(parts) == count else None


def pack(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def unpack(value: str | None) -> str | None:
    """The text inside a cursor; None when ``value`` is empty, too long or not base64url text."""
    if not value or len(value) > MAX_LENGTH:
        return None
    try:
        return base64.urlsafe_b64decode((value + "=" * (-len(value) % 4)).encode("ascii")).decode()
    except (ValueError, binascii.Error, UnicodeError):
        return None


class Cursor(fields.String):
    """A list's ``cursor`` query argument, decoded by ``decode`` to the sort key a page ended on; one
    that is not a cursor made here is refused."""

    def __init__(self, decode: Callable[[str], object | None], **kwargs):
        super().__init__(**kwargs)
        self.decode = decode

    def _deserialize(self, value, attr, data, **kwargs):
        decoded = self.decode(super()._deserialize(value, attr, data, **kwargs))
        if decoded is None:
            raise ValidationError(_("Not a valid cursor; start from the first page."))
        return decoded
