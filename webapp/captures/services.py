"""capture_contact: one person met, stored once however often the device replays it."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from webapp.auth.models import User
from webapp.contacts.models import Contact, Encounter, Promise
from webapp.contacts.normalize import fold, normalise_card_url, search_key
from webapp.db import utcnow
from webapp.db_setup import begin_write
from webapp.errors import Conflict, ValidationFailed
from webapp.events.services import find_active_event, find_event_for
from webapp.extensions import db

FILLABLE = ("name_reading", "phone", "company", "title", "card_url")


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


def _replay(owner: User, client_id: str, fingerprint: str) -> CaptureResult | None:
    row = db.session.execute(
        select(Encounter.id, Encounter.contact_id, Encounter.payload_hash)
        .where(Encounter.owner_id == owner.id, Encounter.client_id == client_id)
    ).first()
    if row is None:
        return None
    if row.payload_hash != fingerprint:
        raise Conflict("This client_id was already used for a different capture.", code="client_id_reused",
                       fields={"client_id": ["Already used for a different capture; make a new UUID."]})
    return CaptureResult(client_id, row.contact_id, row.id, created=False)


def _match(owner: User, email: str, card_key: str) -> tuple[Contact | None, str | None]:
    if email:
        contact = db.session.scalar(select(Contact).where(Contact.owner_id == owner.id, Contact.email == email))
        if contact is not None:
            return contact, "email"
    if card_key:
        contact = db.session.scalar(
            select(Contact).where(Contact.owner_id == owner.id, Contact.card_url_key == card_key))
        if contact is not None:
            return contact, "card_url"
    return None, None


def _resembling(owner: User, name_key: str, reading_key: str) -> int | None:
    conditions = [Contact.name_key == name_key] if name_key else []
    if reading_key:
        conditions += [Contact.reading_key == reading_key, Contact.name_key == reading_key]
    if not conditions:
        return None
    return db.session.scalar(
        select(Contact.id).where(Contact.owner_id == owner.id, or_(*conditions)).order_by(Contact.id).limit(1))


def refresh_keys(contact: Contact) -> None:
    """Recompute the folded columns after a change of name, reading, company, email or card."""
    contact.name_key = fold(contact.name)
    contact.reading_key = fold(contact.name_reading)
    contact.search_key = search_key(contact.name, contact.name_reading, contact.company)
    contact.card_url_key = normalise_card_url(contact.card_url)


def _resolve_event(owner: User, data: dict):
    if "event_id" not in data:
        return find_active_event(owner)
    if data["event_id"] is None:
        return None
    event = find_event_for(owner, data["event_id"])
    if event is None:
        raise ValidationFailed(fields={"event_id": ["No such event."]})
    return event


def _store(owner: User, data: dict, client_id: str, fingerprint: str, now: datetime) -> CaptureResult:
    event = _resolve_event(owner, data)
    met_at = data.get("captured_at") or now
    email = data.get("email") or ""
    card_url = data.get("card_url") or ""
    contact, matched = _match(owner, email, normalise_card_url(card_url))
    duplicate_of = None
    if contact is None:
        contact = Contact(owner_id=owner.id, name=data["name"], email=email, card_url=card_url,
                          last_met_at=met_at, **{k: data.get(k) or "" for k in FILLABLE if k != "card_url"})
        refresh_keys(contact)
        duplicate_of = _resembling(owner, contact.name_key, contact.reading_key)
        contact.possible_duplicate_of_id = duplicate_of
        db.session.add(contact)
    else:
        for key in FILLABLE:  # a later meeting fills in what we did not know; it never overwrites
            if data.get(key) and not getattr(contact, key):
                setattr(contact, key, data[key])
        if email and not contact.email:
            contact.email = email
        refresh_keys(contact)
        contact.last_met_at = max(contact.last_met_at, met_at)
    db.session.flush()
    encounter = Encounter(owner_id=owner.id, contact_id=contact.id, event_id=event.id if event else None,
                          met_at=met_at, source=data.get("source") or "manual",
                          conversation=data.get("conversation") or "", needs=data.get("needs") or "",
                          memorable=data.get("memorable") or "", client_id=client_id, payload_hash=fingerprint)
    db.session.add(encounter)
    db.session.flush()
    if data.get("promise"):
        db.session.add(Promise(owner_id=owner.id, contact_id=contact.id, encounter_id=encounter.id,
                               text=data["promise"], due_on=data.get("promise_due")))
    return CaptureResult(client_id, contact.id, encounter.id, created=True, matched=matched,
                         possible_duplicate_of=duplicate_of)


def capture_contact(owner: User, data: dict, *, raw: dict, now: datetime | None = None) -> CaptureResult:
    """Store one capture (a contact, or a new meeting of a known one, plus notes and promise).

    The device's ``client_id`` makes it idempotent: a replay with the same body returns the
    first result (``created`` false); the same id with another body is a 409. Concurrent replays
    race on a unique index and the loser returns the winner's row.
    """
    now = now or utcnow()
    client_id = str(data["client_id"]).lower()
    fingerprint = payload_hash(raw)
    for attempt in range(3):
        begin_write()
        try:
            replay = _replay(owner, client_id, fingerprint)
            if replay is not None:
                db.session.rollback()
                return replay
            result = _store(owner, data, client_id, fingerprint, now)
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
