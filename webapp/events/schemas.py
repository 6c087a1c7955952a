"""Event schemas: in (API and HTML form alike), a partial patch, out, and list queries."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import Schema, fields

from webapp.events.models import Event
from webapp.events.services import DEFAULT_LIMIT, EDITABLE_FIELDS, MAX_LIMIT
from webapp.messages import Length, Range
from webapp.validation import Flag, HeaderLine, Line

FORM_TEXT_FIELDS = ("name", "place", "community", "why_here", "goal")
FORM_TIME_FIELDS = ("starts_at", "ends_at")


class EventPatch(Schema):
    """Any subset of an event's fields; the end may not be before the start."""

    name = HeaderLine(100, allow_empty=False)  # subjects are made from it
    starts_at = fields.AwareDateTime(allow_none=True, metadata={"description": "ISO 8601 with an offset"})
    ends_at = fields.AwareDateTime(allow_none=True, metadata={"description": "not before starts_at"})
    place = Line(200)
    community = Line(100)
    why_here = Line(280, metadata={"description": "my \"why I'm here\"; the card shows it when opened with ?e=<code>"})
    goal = Line(200, metadata={"description": "e.g. \"three real conversations\""})
    is_active = Flag(metadata={
        "description": "true makes this the one active event (captures default to it); the previous one stops"})


class EventIn(EventPatch):
    """A new event: only ``name`` is required."""

    name = HeaderLine(100, allow_empty=False, required=True)


class EventOut(Schema):
    id = fields.Integer()
    name = fields.String()
    starts_at = fields.AwareDateTime(allow_none=True)
    ends_at = fields.AwareDateTime(allow_none=True)
    place = fields.String()
    community = fields.String()
    why_here = fields.String()
    goal = fields.String()
    code = fields.String(metadata={"description": "ties a card view or shared-back contact to this event"})
    is_active = fields.Boolean()
    card_url = fields.String(metadata={"description": "the owner's card URL with ?e=<code>"})


class EventList(Schema):
    items = fields.List(fields.Nested(EventOut))
    next = fields.String(allow_none=True, metadata={"description": "the next page's URL, or null on the last"})


class EventListQuery(Schema):
    cursor = fields.String(load_default=None, validate=Length(max=200))
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=Range(min=1, max=MAX_LIMIT))


def local_to_iso(value: str, tz_name: str) -> str:
    """A datetime-local value ("2026-05-01T18:30") typed in ``tz_name`` as ISO 8601 with its offset.

    Anything that does not parse is passed on unchanged, for the schema to refuse with a reason.
    """
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        try:
            zone = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat()


def form_input(form, tz_name: str) -> dict:
    """An HTML event form as EventIn input: its own fields only, local times made aware, the checkbox."""
    data = {key: form.get(key, "") for key in FORM_TEXT_FIELDS if key in form}
    for key in FORM_TIME_FIELDS:
        value = (form.get(key) or "").strip()
        data[key] = local_to_iso(value, tz_name) if value else None
    data["is_active"] = bool(form.get("is_active"))
    return data


def event_out(event: Event, card: str) -> dict:
    """An event as EventOut, with its card link."""
    data = {key: getattr(event, key) for key in ("id", "code", "is_active", *EDITABLE_FIELDS)}
    data["card_url"] = f"{card}?e={event.code}"
    return data
