"""Plain factories for contact tests: people captured through the real service, events."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from webapp.extensions import db

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=timezone.utc)


def capture(owner, name="佐藤 花子", *, minutes=0, **fields):
    """A person met ``minutes`` after T0, stored by capture_contact; returns the contact id."""
    from webapp.captures.services import capture_contact

    data = {"client_id": str(uuid.uuid4()), "name": name, **fields}
    data.setdefault("captured_at", T0 + timedelta(minutes=minutes))
    return capture_contact(owner, data, raw=dict(data)).contact_id


def make_event(owner, name="Tokyo AI Meetup", *, active=False):
    from webapp.events.models import Event

    fresh()
    event = Event(owner_id=owner.id, name=name, is_active=active)
    db.session.add(event)
    db.session.commit()
    return event.id


def fresh():
    """End the test's own transaction so it sees what requests committed."""
    db.session.rollback()
    db.session.expire_all()
