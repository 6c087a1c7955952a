"""Plain factories for keep-in-touch tests: people met at a moment, sorted into a tier."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from webapp.db import utcnow
from webapp.extensions import db

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=timezone.utc)


def days(n: float) -> timedelta:
    return timedelta(days=n)


def meet(owner, name="佐藤 花子", *, at=None, tier=None, **fields) -> int:
    """A person captured (met) at ``at`` (default: now), put in ``tier`` now; returns the contact id."""
    from webapp.captures.services import capture_contact
    from webapp.relationships.services import set_tier

    data = {"client_id": str(uuid.uuid4()), "name": name, "captured_at": at or utcnow(), **fields}
    contact_id = capture_contact(owner, data, raw={k: str(v) for k, v in data.items()}).contact_id
    if tier:
        set_tier(owner, contact_id, tier)
    return contact_id


def due(owner, **kw):
    """Today's reminders as (kind, contact_id, channel) tuples, in due order."""
    from webapp.relationships.due import list_reminders

    db.session.rollback()
    page = list_reminders(owner, now=utcnow(), **kw)
    return [(item.kind, item.contact_id, item.channel) for item in page.items]


def items(owner, **kw):
    from webapp.relationships.due import list_reminders

    db.session.rollback()
    return list_reminders(owner, now=utcnow(), **kw).items


def fresh():
    db.session.rollback()
    db.session.expire_all()
