"""Event rules: ownership, the one active event, keyset pages, and who was met where."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _
from sqlalchemy import and_, or_, select, update

from webapp import cursors
from webapp.auth.models import User
from webapp.contacts.models import Contact, Encounter
from webapp.db_setup import unit_of_work
from webapp.errors import NotFound, ValidationFailed
from webapp.events.models import Event
from webapp.extensions import db

#: what a user may set on an event (owner, code and timestamps are the server's)
EDITABLE_FIELDS = ("name", "starts_at", "ends_at", "place", "community", "why_here", "goal")
DEFAULT_LIMIT = 50
MAX_LIMIT = 100


class EventNotFound(NotFound):
    code = "event_not_found"
    message = _("No such event.")


@dataclass
class EventPage:
    items: list[Event]
    #: an opaque cursor for the next page, or None on the last page
    next_cursor: str | None


@dataclass
class PersonMet:
    """A contact met at one event, with what was talked about there (newest first)."""

    contact_id: int
    name: str
    company: str
    met_at: datetime
    conversations: list[str] = field(default_factory=list)


def find_event_for(user: User, event_id: int) -> Event | None:
    event = db.session.get(Event, event_id)
    return event if event is not None and event.owner_id == user.id else None


def get_event_for(user: User, event_id: int) -> Event:
    """The user's own event, else not found (another user's event is a 404 too)."""
    event = find_event_for(user, event_id)
    if event is None:
        raise EventNotFound()
    return event


def find_active_event(user: User) -> Event | None:
    return db.session.scalar(select(Event).where(Event.owner_id == user.id, Event.is_active.is_(True)))


def _lock_owner(owner: User) -> None:
    """Queue a user's event writes behind each other (SELECT … FOR UPDATE on PostgreSQL; SQLite's
    writer lock does it already), so two activations at once cannot trip the one-active index."""
    db.session.execute(select(User.id).where(User.id == owner.id).with_for_update())


def _as_utc(value: datetime | None) -> datetime | None:
    return value.astimezone(timezone.utc) if value is not None else None


def _apply(event: Event, data: dict) -> None:
    for key in EDITABLE_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key in ("starts_at", "ends_at"):
            value = _as_utc(value)
        elif value is None:
            value = ""
        setattr(event, key, value)
    if event.starts_at and event.ends_at and event.ends_at < event.starts_at:
        raise ValidationFailed(fields={"ends_at": [_("The end cannot be before the start.")]})


def _set_active(owner: User, event: Event, active: bool) -> None:
    """Make ``event`` the owner's one active event (any other is deactivated first), or not."""
    if active and not event.is_active:
        db.session.execute(
            update(Event).where(Event.owner_id == owner.id, Event.is_active.is_(True), Event.id != event.id)
            .values(is_active=False).execution_options(synchronize_session="fetch"))
        db.session.flush()
    event.is_active = active


@unit_of_work(retries=2)  # a clash on the random card code: made again with a fresh code
def create_event(owner: User, data: dict) -> Event:
    """Create an event from validated ``data`` (EventIn); ``is_active`` makes it the active one."""
    _lock_owner(owner)
    event = Event(owner_id=owner.id, is_active=False)
    _apply(event, data)
    db.session.add(event)
    db.session.flush()
    if data.get("is_active"):
        _set_active(owner, event, True)
    return event


@unit_of_work
def update_event(owner: User, event_id: int, data: dict) -> Event:
    """Change the given fields of the owner's event (EventPatch); the end may not precede the start."""
    _lock_owner(owner)
    event = get_event_for(owner, event_id)
    _apply(event, data)
    if "is_active" in data:
        _set_active(owner, event, bool(data["is_active"]))
    return event


def activate_event(owner: User, event_id: int) -> Event:
    """Make this the owner's active event (captures default to it); the previous one stops being active."""
    return _activate(owner, event_id, True)


def deactivate_event(owner: User, event_id: int) -> Event:
    """Stop this event being the active one; captures then belong to no event by default."""
    return _activate(owner, event_id, False)


@unit_of_work
def _activate(owner: User, event_id: int, active: bool) -> Event:
    _lock_owner(owner)
    event = get_event_for(owner, event_id)
    _set_active(owner, event, active)
    return event


@unit_of_work
def delete_event(owner: User, event_id: int) -> None:
    """Delete the owner's event; its contacts and encounters stay (encounters lose the event)."""
    _lock_owner(owner)
    # encounters.event_id is ON DELETE SET NULL: the people met stay, without the event
    db.session.delete(get_event_for(owner, event_id))


def encode_cursor(event: Event) -> str:
    key = [event.starts_at.isoformat() if event.starts_at else None, event.id]
    return cursors.pack(json.dumps(key))


def decode_cursor(cursor: str) -> tuple[datetime | None, int]:
    """The (starts_at, id) a page continues after; a cursor we did not make is a 422."""
    try:
        starts, event_id = json.loads(cursors.unpack(cursor) or "")
        if not isinstance(event_id, int) or isinstance(event_id, bool):
            raise ValueError(cursor)
        starts_at = datetime.fromisoformat(starts) if starts is not None else None
        if starts_at is not None and starts_at.tzinfo is None:
            raise ValueError(cursor)
        return starts_at, event_id
    except (ValueError, TypeError):
        raise ValidationFailed(fields={"cursor": [_("Not a valid cursor; start again from the first page.")]})


def list_events(owner: User, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> EventPage:
    """The owner's events, latest start first (undated ones last), ``limit`` at a time."""
    limit = max(1, min(limit, MAX_LIMIT))
    query = select(Event).where(Event.owner_id == owner.id)
    if cursor:
        starts_at, last_id = decode_cursor(cursor)
        if starts_at is None:
            query = query.where(Event.starts_at.is_(None), Event.id < last_id)
        else:
            query = query.where(or_(
                Event.starts_at < starts_at,
                and_(Event.starts_at == starts_at, Event.id < last_id),
                Event.starts_at.is_(None),
            ))
    query = query.order_by(Event.starts_at.desc().nulls_last(), Event.id.desc()).limit(limit + 1)
    events = list(db.session.scalars(query))
    more = len(events) > limit
    events = events[:limit]
    return EventPage(events, encode_cursor(events[-1]) if more else None)


def list_people_met(owner: User, event_id: int) -> list[PersonMet]:
    """Everyone met at the owner's event, most recently met first, each once."""
    event = get_event_for(owner, event_id)
    rows = db.session.execute(
        select(Contact.id, Contact.name, Contact.company, Encounter.met_at, Encounter.conversation)
        .join(Encounter, Encounter.contact_id == Contact.id)
        .where(Encounter.event_id == event.id, Encounter.owner_id == owner.id, Contact.owner_id == owner.id)
        .order_by(Encounter.met_at.desc(), Encounter.id.desc())
    ).all()
    people: dict[int, PersonMet] = {}
    for row in rows:
        person = people.setdefault(row.id, PersonMet(row.id, row.name, row.company, row.met_at))
        if row.conversation:
            person.conversations.append(row.conversation)
    return list(people.values())
