"""capture_contact: one person met, stored once however often the device replays it."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, literal_column, or_, select
from sqlalchemy.sql.expression import ScalarSelect

from webapp.auth.models import User
from webapp.contacts.language import guess_language
from webapp.contacts.models import Contact, Encounter, Promise
from webapp.contacts.normalize import fold, normalise_card_url, refresh_keys, search_key
from webapp.contacts.readings import guess_reading
from webapp.db import utcnow
from webapp.db_setup import unit_of_work
from webapp.errors import Conflict, ValidationFailed
from webapp.events.models import Event
from webapp.extensions import db

FILLABLE = ("name_reading", "phone", "company", "title", "card_url")

# A capture is the phone's hot path (a queue of them syncs at once after an event), so its
# statements are plain Core, built once: the ORM's per-call work costs more than the SQL itself,
# and everything a new capture must know is asked in one round trip (_LOOKUPS).
_contacts, _encounters, _events = Contact.__table__, Encounter.__table__, Event.__table__
_OWNER = bindparam("owner_id")
_EMPTY = literal_column("''")  # inline, as in the partial indexes' WHERE, so every plan can use them
_REPLAY = select(_encounters.c.id, _encounters.c.contact_id, _encounters.c.payload_hash).where(
    _encounters.c.owner_id == _OWNER, _encounters.c.client_id == bindparam("client_id"))
_INSERT_CONTACT = _contacts.insert()
_INSERT_ENCOUNTER = _encounters.insert()
_INSERT_PROMISE = Promise.__table__.insert()


def _first(query) -> ScalarSelect:
    # LIMIT written out: a bound one makes PostgreSQL's generic plans guess a tenth of the table
    return query.limit(literal_column("1")).scalar_subquery()


def _resembling(by_name: bool, by_reading: bool) -> ScalarSelect:
    conditions = [_contacts.c.name_key == bindparam("name_key")] if by_name else []
    if by_reading:
        conditions += [_contacts.c.reading_key == bindparam("reading_key"),
                       _contacts.c.name_key == bindparam("reading_key")]
    return select(func.min(_contacts.c.id)).where(_contacts.c.owner_id == _OWNER, or_(*conditions)).scalar_subquery()


@lru_cache(maxsize=64)
def _lookups(event: str, by_email: bool, by_card: bool, by_name: bool, by_reading: bool) -> Select:
    """One SELECT of scalar sub-queries: an earlier capture with this client_id, the event (the
    active one, or the given one if it is the owner's), the contact with this email or card, and
    the first contact with the same name or reading. Only what applies is asked for (an empty
    email must not match the many contacts without one). The `<> ''` conditions say what the
    partial unique indexes cover: without them SQLite (and PostgreSQL's generic plans) cannot use
    those indexes and read every contact of the owner."""
    columns = [_first(select(_encounters.c.id).where(_encounters.c.owner_id == _OWNER,
                                                     _encounters.c.client_id == bindparam("client_id")))
               .label("replay_id")]
    if event == "active":
        columns.append(_first(select(_events.c.id).where(_events.c.owner_id == _OWNER,
                                                         _events.c.is_active.is_(True))).label("event_id"))
    elif event == "given":
        columns.append(_first(select(_events.c.id).where(_events.c.id == bindparam("event_id"),
                                                         _events.c.owner_id == _OWNER)).label("event_id"))
    if by_email:
        columns.append(_first(select(_contacts.c.id).where(
            _contacts.c.owner_id == _OWNER, _contacts.c.email == bindparam("email"), _contacts.c.email != _EMPTY))
            .label("by_email"))
    if by_card:
        columns.append(_first(select(_contacts.c.id).where(
            _contacts.c.owner_id == _OWNER, _contacts.c.card_url_key == bindparam("card_key"),
            _contacts.c.card_url_key != _EMPTY)).label("by_card"))
    if by_name or by_reading:
        columns.append(_resembling(by_name, by_reading).label("resembling"))
    return select(*columns)


@dataclass
class _Found:
    replay_id: int | None
    event_id: int | None
    contact_id: int | None
    matched: str | None
    resembling: int | None


def _look_up(owner_id: int, client_id: str, data: dict, keys: dict) -> _Found:
    event = "active" if "event_id" not in data else ("given" if data["event_id"] is not None else "none")
    statement = _lookups(event, bool(keys["email"]), bool(keys["card_key"]), bool(keys["name_key"]),
                         bool(keys["reading_key"]))
    row = db.session.connection().execute(statement, {
        "owner_id": owner_id, "client_id": client_id, "event_id": data.get("event_id"), **keys}).one()._mapping
    if event == "given" and row["event_id"] is None and row["replay_id"] is None:  # a replay still answers
        raise ValidationFailed(fields={"event_id": [_l("No such event.")]})
    contact_id, matched = row.get("by_email"), "email"
    if contact_id is None:
        contact_id, matched = row.get("by_card"), "card_url"
    return _Found(row["replay_id"], row.get("event_id"), contact_id, matched if contact_id else None,
                  row.get("resembling"))


@dataclass
class CaptureResult:
    client_id: str
    contact_id: int
    encounter_id: int
    created: bool
    matched: str | None = None
    possible_duplicate_of: int | None = None


def payload_hash(raw: dict) -> str:
    """A capture's fingerprint as the client sent it (key order and spacing do not matter)."""
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(owner_id: int, client_id: str, fingerprint: str) -> CaptureResult:
    row = db.session.connection().execute(_REPLAY, {"owner_id": owner_id, "client_id": client_id}).one()
    if row.payload_hash != fingerprint:
        raise Conflict(_l("This client_id was already used for a different capture."), code="client_id_reused",
                       fields={"client_id": [_l("Already used for a different capture; make a new UUID.")]})
    return CaptureResult(client_id, row.contact_id, row.id, created=False)


def with_reading(data: dict) -> tuple[dict, bool]:
    """The capture with a reading: the typed one, else one guessed from the name's kanji (and
    whether it was guessed)."""
    if data.get("name_reading"):
        return data, False
    guess = guess_reading(data["name"])
    return ({**data, "name_reading": guess}, True) if guess else (data, False)


def _new_contact(owner_id: int, data: dict, keys: dict, card_url: str, met_at: datetime,
                 duplicate_of: int | None, guessed: bool) -> int:
    """Insert a person not met before; returns the new contact's id."""
    row = {"name": data["name"], "email": keys["email"], "card_url": card_url, "language": data["language"],
           **{k: data.get(k) or "" for k in FILLABLE if k != "card_url"}}
    now = utcnow()
    result = db.session.connection().execute(_INSERT_CONTACT, {
        **row, "owner_id": owner_id, "name_key": keys["name_key"], "reading_key": keys["reading_key"],
        "search_key": search_key(row["name"], row["name_reading"], row["company"]),
        "card_url_key": keys["card_key"], "notes": "", "tier": "unsorted",
        "tier_reviewed_at": None, "possible_duplicate_of_id": duplicate_of, "last_met_at": met_at,
        "is_reading_guessed": guessed,
        "created_at": now, "updated_at": now})
    return result.inserted_primary_key[0]


def _met_again(contact_id: int, data: dict, email: str, met_at: datetime, guessed: bool) -> None:
    """A later meeting fills in what we did not know about a contact; it never overwrites, but a
    typed reading replaces a guessed one."""
    contact = db.session.get(Contact, contact_id)
    for key in FILLABLE:
        if data.get(key) and not getattr(contact, key):
            setattr(contact, key, data[key])
            if key == "name_reading":
                contact.is_reading_guessed = guessed
    if data.get("name_reading") and contact.is_reading_guessed and not guessed:
        contact.name_reading, contact.is_reading_guessed = data["name_reading"], False
    if email and not contact.email:
        contact.email = email
    refresh_keys(contact)
    contact.last_met_at = max(contact.last_met_at, met_at)
    db.session.flush()


def _store(owner_id: int, data: dict, client_id: str, fingerprint: str, found: _Found, keys: dict,
           now: datetime, guessed: bool) -> CaptureResult:
    met_at = data.get("captured_at") or now
    contact_id, duplicate_of = found.contact_id, None
    if contact_id is None:
        duplicate_of = found.resembling
        contact_id = _new_contact(owner_id, data, keys, data.get("card_url") or "", met_at, duplicate_of, guessed)
    else:
        _met_again(contact_id, data, keys["email"], met_at, guessed)
    conn = db.session.connection()
    encounter_id = conn.execute(_INSERT_ENCOUNTER, {
        "owner_id": owner_id, "contact_id": contact_id, "event_id": found.event_id, "met_at": met_at,
        "source": data.get("source") or "manual", "conversation": data.get("conversation") or "",
        "needs": data.get("needs") or "", "memorable": data.get("memorable") or "",
        "client_id": client_id, "payload_hash": fingerprint, "created_at": utcnow(),
    }).inserted_primary_key[0]
    if data.get("promise"):
        conn.execute(_INSERT_PROMISE, {"owner_id": owner_id, "contact_id": contact_id,
                                       "encounter_id": encounter_id, "text": data["promise"],
                                       "due_on": data.get("promise_due"), "done_at": None})
    return CaptureResult(client_id, contact_id, encounter_id, created=True, matched=found.matched,
                         possible_duplicate_of=duplicate_of)


def capture_contact(owner: User, data: dict, *, raw: dict, now: datetime | None = None) -> CaptureResult:
    """Store one capture (a contact, or a new meeting of a known one, plus notes and promise).

    The device's ``client_id`` makes it idempotent: a replay with the same body returns the
    first result (``created`` false); the same id with another body is a 409. Concurrent replays
    race on a unique index and the loser, run again, returns the winner's row.
    """
    client_id = str(data["client_id"]).lower()
    if not data.get("language"):  # their language, for a new contact: from the name and notes (or their own words)
        shared_back = data.get("source") == "share_back"
        notes = "\n".join(data.get(key) or "" for key in ("conversation", "needs", "promise", "memorable"))
        data = {**data, "language": guess_language(
            data["name"], "" if shared_back else notes, their_words=notes if shared_back else "",
            fallback=owner.locale or "ja")}
    data, guessed = with_reading(data)  # a Japanese name is found by kana even when no reading was typed
    keys = {"email": data.get("email") or "", "card_key": normalise_card_url(data.get("card_url") or ""),
            "name_key": fold(data["name"]), "reading_key": fold(data.get("name_reading") or "")}
    # the id is read before the unit of work begins: its commit of the request's read would expire it
    return _capture(owner.id, data, client_id, payload_hash(raw), keys, now or utcnow(), guessed)


@unit_of_work(retries=2)  # another request stored this client_id, or the same new address, a moment ago
def _capture(owner_id: int, data: dict, client_id: str, fingerprint: str, keys: dict,
             now: datetime, guessed: bool) -> CaptureResult:
    found = _look_up(owner_id, client_id, data, keys)
    if found.replay_id is not None:
        return _replay(owner_id, client_id, fingerprint)
    return _store(owner_id, data, client_id, fingerprint, found, keys, now, guessed)
