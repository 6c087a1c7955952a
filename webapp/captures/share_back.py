"""Share-back: a visitor of a public card leaves their name, email and a message for its owner."""
from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, validates

from webapp.auth.models import User
from webapp.captures.services import CaptureResult, capture_contact
from webapp.events.models import Event
from webapp.extensions import db
from webapp.security import Stamp
from webapp.validation import Email, HeaderLine, Line, Paragraphs

#: a fixed namespace: the same visitor leaving the same message for the same event is one encounter
SHARE_BACK_NS = uuid.UUID("5f0c1c7e-3d1a-4a53-9a57-0d7f1e6b1c01")


#: why a share-back was shown again instead of sent; what the visitor typed is kept
STAMP_MESSAGES = {
    Stamp.TOO_FAST: _l("That was faster than anyone types. Check your details and send them again."),
    Stamp.INVALID: _l("This form could not be checked (it may come from an older page). "
                      "Your details are kept: just send them again."),
    Stamp.EXPIRED: _l("This page was open for a long time. Your details are kept: just send them again."),
}


class ShareBackIn(Schema):
    name = HeaderLine(100, allow_empty=False, required=True)
    email = Email(required=True)
    message = Paragraphs(500, load_default="")
    #: honeypot: hidden from people, filled in by form-filling bots
    leave_empty = Line(200, load_default="")

    @validates("leave_empty")
    def _honeypot(self, value, **kwargs):
        if value:
            raise ValidationError(str(_l("This field must stay empty.")))


def share_back(owner: User, data: dict, *, event_code: str | None = None) -> CaptureResult:
    """Give the card's owner a contact and an encounter (source share_back), at most once."""
    event = None
    if event_code:
        event = db.session.scalar(db.select(Event).where(Event.owner_id == owner.id, Event.code == event_code))
    key = f"{owner.id}|{data['email']}|{data.get('message', '')}|{event.id if event else ''}"
    capture = {
        "client_id": uuid.uuid5(SHARE_BACK_NS, key),
        "event_id": event.id if event else None,
        "name": data["name"],
        "email": data["email"],
        "conversation": data.get("message", ""),
        "source": "share_back",
    }
    raw = {k: str(v) if v is not None else None for k, v in capture.items()}
    return capture_contact(owner, capture, raw=raw)
