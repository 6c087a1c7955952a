"""capture_contact: one person met, stored once however often the device replays it."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import IntegrityError

from webapp.auth.models import User
from webapp.contacts.models import Contact, Encounter, Promise
from webapp.contacts.normalize import fold, normalise_card_url, search_key
from webapp.db import utcnow
from webapp.db_setup import begin_write
from webapp.errors import Conflict, ValidationFailed
from webapp.events.models import Event
from webapp.extensions import db

FILLABLE = ("name_reading", "phone", "company", "title", "card_url")

# A capture is the phone's hot path (a queue of them syncs at once after an event), so its
# statements are plain Core, built once: the ORM's per-call work costs more than the SQL itself.
_contacts, _encounters, _events = Contact.__table__, Encounter.__table__, Event.__table__
_OWNER = bindparam("owner_id")
_REPLAY = select(_encounters.c.id, _encounters.c.contact_id, _encounters.c.payload_hash).where(
    _encounters.c.owner_id == _OWNER, _encounters.c.client_id == bindparam("client_id"))
_ACTIVE_EVENT = select(_events.c.id).where(_events.c.owner_id == _OWNER, _events.c.is_active.is_(True))
_OWN_EVENT = select(_events.c.id).where(_events.c.id == bindparam("event_id"), _events.c.owner_id == _OWNER)
_BY_EMAIL = select(_contacts.c.id).where(_contacts.c.owner_id == _OWNER, _contacts.c.email == bindparam("key"))
_BY_CARD = select(_contacts.c.id).where(_contacts.c.owner_id == _OWNER,
                                        _contacts.c.card_url_key == bindparam("key"))
_INSERT_CONTACT = _contacts.insert()
_INSERT_ENCOUNTER = _encounters.insert()
_INSERT_PROMISE = Promise.__table__.insert()


def _resembling_statement(by_name: bool, by_reading: bool):
    conditions = [_contacts.c.name_key == bindparam("name_key")] if by_name else []
    if by_reading:
        conditions += [_contacts.c.reading_key == bindparam("reading_key"),
                       _contacts.c.name_key == bindparam("reading_key")]
    return (select(_contacts.c.id).where(_contacts.c.owner_id == _OWNER, or_(*conditions))
            .order_by(_contacts.c.id).limit(1))


#: (name key given, reading key given) -> the "possible duplicate" look-up
_RESEMBLING = {(n, r): _resembling_statement(n, r) for n in (True, False) for r in (True, False) if n or r}


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


def _replay(owner_id: int, client_id: str, fingerprint: str) -> CaptureResult | None:
    row = db.session.connection().execute(_REPLAY, {"owner_id": owner_id, "client_id": client_id}).first()
    if row is None:
        return None
    if row.payload_hash != fingerprint:
        raise Conflict("This client_id was already used for a different capture.", code="client_id_reused",
                       fields={"client_id": ["Already used for a different capture; make a new UUID."]})
    return CaptureResult(client_id, row.contact_id, row.id, created=False)


def _match(owner_id: int, email: str, card_key: str) -> tuple[int | None, str | None]:
    conn = db.session.connection()
    for key, statement, how in ((email, _BY_EMAIL, "email"), (card_key, _BY_CARD, "card_url")):
        if key:
            contact_id = conn.execute(statement, {"owner_id": owner_id, "key": key}).scalar()
            if contact_id is not None:
                return contact_id, how
    return None, None


def _resembling(owner_id: int, name_key: str, reading_key: str) -> int | None:
    statement = _RESEMBLING.get((bool(name_key), bool(reading_key)))
    if statement is None:
        return None
    return db.session.connection().execute(
        statement, {"owner_id": owner_id, "name_key": name_key, "reading_key": reading_key}).scalar()


def refresh_keys(contact: Contact) -> None:
    """Recompute the folded columns after a change of name, reading, company, email or card."""
    contact.name_key = fold(contact.name)
    contact.reading_key = fold(contact.name_reading)
    contact.search_key = search_key(contact.name, contact.name_reading, contact.company)
    contact.card_url_key = normalise_card_url(contact.card_url)


def _resolve_event(owner_id: int, data: dict) -> int | None:
    """The event this capture belongs to: the one given (it must be the owner's), else the active one."""
    conn = db.session.connection()
    if "event_id" not in data:
        return conn.execute(_ACTIVE_EVENT, {"owner_id": owner_id}).scalar()
    if data["event_id"] is None:
        return None
    event_id = conn.execute(_OWN_EVENT, {"owner_id": owner_id, "event_id": data["event_id"]}).scalar()
    if event_id is None:
        raise ValidationFailed(fields={"event_id": ["No such event."]})
    return event_id


def _new_contact(owner_id: int, data: dict, email: str, card_url: str, met_at: datetime) -> tuple[int, int | None]:
    """Insert a person not met before; returns (contact id, id of a contact with the same name or reading)."""
    row = {"name": data["name"], "email": email, "card_url": card_url,
           **{k: data.get(k) or "" for k in FILLABLE if k != "card_url"}}
    name_key, reading_key = fold(row["name"]), fold(row["name_reading"])
    duplicate_of = _resembling(owner_id, name_key, reading_key)
    now = utcnow()
    result = db.session.connection().execute(_INSERT_CONTACT, {
        **row, "owner_id": owner_id, "name_key": name_key, "reading_key": reading_key,
        "search_key": search_key(row["name"], row["name_reading"], row["company"]),
        "card_url_key": normalise_card_url(card_url), "notes": "", "tier": "unsorted",
        "tier_reviewed_at": None, "possible_duplicate_of_id": duplicate_of, "last_met_at": met_at,
        "created_at": now, "updated_at": now})
    return result.inserted_primary_key[0], duplicate_of


def _met_again(contact_id: int, data: dict, email: str, met_at: datetime) -> None:
    """A later meeting fills in what we did not know about a contact; it never overwrites."""
    contact = db.session.get(Contact, contact_id)
    for key in FILLABLE:
        if data.get(key) and not getattr(contact, key):
            setattr(contact, key, data[key])
    if email and not contact.email:
        contact.email = email
    refresh_keys(contact)
    contact.last_met_at = max(contact.last_met_at, met_at)
    db.session.flush()


def _store(owner_id: int, data: dict, client_id: str, fingerprint: str, now: datetime) -> CaptureResult:
    event_id = _resolve_event(owner_id, data)
    met_at = data.get("captured_at") or now
    email = data.get("email") or ""
    card_url = data.get("card_url") or ""
    contact_id, matched = _match(owner_id, email, normalise_card_url(card_url))
    duplicate_of = None
    if contact_id is None:
        contact_id, duplicate_of = _new_contact(owner_id, data, email, card_url, met_at)
    else:
        _met_again(contact_id, data, email, met_at)
    conn = db.session.connection()
    encounter_id = conn.execute(_INSERT_ENCOUNTER, {
        "owner_id": owner_id, "contact_id": contact_id, "event_id": event_id, "met_at": met_at,
        "source": data.get("source") or "manual", "conversation": data.get("conversation") or "",
        "needs": data.get("needs") or "", "memorable": data.get("memorable") or "",
        "client_id": client_id, "payload_hash": fingerprint, "created_at": utcnow(),
    }).inserted_primary_key[0]
    if data.get("promise"):
        conn.execute(_INSERT_PROMISE, {"owner_id": owner_id, "contact_id": contact_id,
                                       "encounter_id": encounter_id, "text": data["promise"],
                                       "due_on": data.get("promise_due"), "done_at": None})
    return CaptureResult(client_id, contact_id, encounter_id, created=True, matched=matched,
                         possible_duplicate_of=duplicate_of)


def capture_contact(owner: User, data: dict, *, raw: dict, now: datetime | None = None) -> CaptureResult:
    """Store one capture (a contact, or a new meeting of a known one, plus notes and promise).

    The device's ``client_id`` makes it idempotent: a replay with the same body returns the
    first result (``created`` false); the same id with another body is a 409. Concurrent replays
    race on a unique index and the loser returns the winner's row.
    """
    now = now or utcnow()
    owner_id = owner.id  # read before begin_write's commit expires the loaded user
    client_id = str(data["client_id"]).lower()
    fingerprint = payload_hash(raw)
    for attempt in range(3):
        begin_write()
        try:
            replay = _replay(owner_id, client_id, fingerprint)
            if replay is not None:
                db.session.rollback()
                return replay
            result = _store(owner_id, data, client_id, fingerprint, now)
            db.session.commit()
            return result
        except IntegrityError:
            # another request stored this client_id, or the same new address, a moment ago
            db.session.rollback()
            if attempt == 2:
                raise
        except Exception:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")
