"""Contact rules: the owner's list (search, filters, keyset pages), edits, deletion and merging."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, exists, literal_column, or_, select, update

from webapp import cursors
from webapp.auth.models import User
from webapp.contacts.readings import guess_reading
from webapp.contacts.models import TIERS, Contact, Encounter
from webapp.contacts.normalize import fold, normalise_card_url, refresh_keys
from webapp.contacts.touches import later
from webapp.db import utcnow
from webapp.db_setup import unit_of_work
from webapp.errors import Conflict, NotFound, ValidationFailed
from webapp.events.models import Event
from webapp.events.services import find_event_for
from webapp.extensions import db
from webapp.validation import MAX_ID

EDITABLE = ("name", "name_reading", "phone", "company", "title", "notes", "language")
#: each cadence channel's last touch (webapp/contacts/touches.py)
TOUCH_COLUMNS = ("last_touch_at", "last_email_at", "last_meet_at")
#: fields a merge fills on the kept contact when it has none
FILLED_BY_MERGE = ("name_reading", "email", "phone", "company", "title", "card_url")


class ContactNotFound(NotFound):
    message = _l("No such contact.")


class ContactClash(Conflict):
    """Another contact of the same owner already has this email address or card."""

    def __init__(self, message: str, *, field: str, other_id: int | None):
        super().__init__(message, code=f"{field}_taken", fields={field: [message]})
        self.field = field
        self.other_id = other_id


@dataclass
class ContactRow:
    """A contact in a list, with what was said at the latest meeting that has notes."""

    contact: Contact
    last_conversation: str

    def __getattr__(self, name):
        return getattr(self.contact, name)


@dataclass
class ContactPage:
    items: list[ContactRow]
    next_cursor: str | None


def encode_cursor(last_met_at: datetime, contact_id: int) -> str:
    return cursors.encode(last_met_at.isoformat(), contact_id)


def decode_cursor(value: str) -> tuple[datetime, int] | None:
    """(last_met_at, id) from encode_cursor's output; None when it is not one."""
    parts = cursors.decode(value, 2)
    try:
        at, contact_id = datetime.fromisoformat(parts[0]), int(parts[1])
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None or not 0 < contact_id <= MAX_ID:
        return None
    return at, contact_id


def list_contacts(owner: User, q: str | None = None, event_id: int | None = None, tier: str | None = None,
                  cursor: tuple[datetime, int] | None = None, limit: int = 50) -> ContactPage:
    """The owner's contacts, latest met first, one keyset page at a time.

    ``q`` matches name, reading or company whatever the kana, width or case; ``event_id``
    keeps people met at that event; ``cursor`` is the previous page's ``next_cursor`` decoded.
    """
    # The page is chosen from the index alone (ix_contacts_owner_list holds the order, the tier and
    # the search key), then only its rows are read: a rare term scans index entries, not every row.
    page = select(Contact.id).where(Contact.owner_id == owner.id)
    folded = fold(q)
    if folded:
        page = page.where(Contact.search_key.contains(folded, autoescape=True))
    if event_id is not None:
        if not 0 < event_id <= MAX_ID or find_event_for(owner, event_id) is None:
            raise ValidationFailed(fields={"event_id": [_l("No such event.")]})
        page = page.where(exists().where(Encounter.contact_id == Contact.id, Encounter.event_id == event_id))
    if tier is not None:
        if tier not in TIERS:
            raise ValidationFailed(fields={"tier": [_l("Choose one of: %(choices)s.", choices=" / ".join(TIERS))]})
        page = page.where(Contact.tier == tier)
    if cursor is not None:
        at, last_id = cursor
        page = page.where(or_(Contact.last_met_at < at, and_(Contact.last_met_at == at, Contact.id < last_id)))
    newest_first = (Contact.last_met_at.desc(), Contact.id.desc())
    page = page.order_by(*newest_first).limit(limit + 1).subquery("page")
    last_said = (
        select(Encounter.conversation)
        .where(Encounter.contact_id == Contact.id, Encounter.conversation != "")
        .order_by(Encounter.met_at.desc(), Encounter.id.desc())
        .limit(1).correlate(Contact).scalar_subquery()
    )
    stmt = select(Contact, last_said).join(page, page.c.id == Contact.id).order_by(*newest_first)
    rows = db.session.execute(stmt).all()
    items = [ContactRow(contact, said or "") for contact, said in rows[:limit]]
    more = len(rows) > limit
    return ContactPage(items, encode_cursor(items[-1].last_met_at, items[-1].id) if more else None)


def find_contact_for(owner: User, contact_id: int | None) -> Contact | None:
    if contact_id is None or not 0 < contact_id <= MAX_ID:
        return None
    contact = db.session.get(Contact, contact_id)
    return contact if contact is not None and contact.owner_id == owner.id else None


def get_contact_for(owner: User, contact_id: int) -> Contact:
    """The owner's own contact, else not found (another user's contact is a 404 too)."""
    contact = find_contact_for(owner, contact_id)
    if contact is None:
        raise ContactNotFound()
    return contact


def list_event_choices(owner: User) -> list[Event]:
    """The owner's events for a picker: dated ones latest first, then undated ones."""
    return list(db.session.scalars(
        select(Event).where(Event.owner_id == owner.id)
        .order_by(Event.starts_at.is_(None), Event.starts_at.desc(), Event.id.desc())))


def event_names(owner: User, contact: Contact) -> dict[int, str]:
    """The names of the events this contact was met at, by event id."""
    ids = {e.event_id for e in contact.encounters if e.event_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(Event.id, Event.name).where(Event.owner_id == owner.id, Event.id.in_(ids)))
    return {row.id: row.name for row in rows}


def _check_unique(owner: User, contact: Contact) -> None:
    if contact.email:
        other = db.session.scalar(select(Contact.id).where(
            Contact.owner_id == owner.id, Contact.email == contact.email, Contact.email != literal_column("''"),
            Contact.id != contact.id))  # the `<> ''` lets the partial unique index serve it
        if other is not None:
            raise ContactClash(_l("Another contact already has this email address; merge the two instead."),
                               field="email", other_id=other)
    if contact.card_url_key:
        other = db.session.scalar(select(Contact.id).where(
            Contact.owner_id == owner.id, Contact.card_url_key == contact.card_url_key,
            Contact.card_url_key != literal_column("''"), Contact.id != contact.id))
        if other is not None:
            raise ContactClash(_l("Another contact already has this card link; merge the two instead."),
                               field="card_url", other_id=other)


# the same address was given to another contact a moment ago (PostgreSQL: no writer lock)
@unit_of_work(conflict=lambda: Conflict(
    _l("Another contact already has this email address or card link; merge the two instead.")))
def update_contact(owner: User, contact_id: int, data: dict, *, now: datetime | None = None) -> Contact:
    """Change a contact's details (ContactPatch); a new tier records the review time."""
    now = now or utcnow()
    contact = get_contact_for(owner, contact_id)
    with db.session.no_autoflush:
        before = (contact.name, contact.name_reading)
        for key in EDITABLE:
            if key in data:
                setattr(contact, key, data[key])
        for key in ("email", "card_url"):
            if key in data:
                setattr(contact, key, data[key] or "")
        if data.get("tier") and data["tier"] != contact.tier:
            contact.tier = data["tier"]
            contact.tier_reviewed_at = now
        _settle_reading(contact, "name_reading" in data, *before)
        refresh_keys(contact)
        _check_unique(owner, contact)
    return contact


def _settle_reading(contact: Contact, sent: bool, old_name: str, old_reading: str) -> None:
    """A reading sent in an edit is the user's (an empty one is guessed again); a new name whose
    reading was guessed, or missing, gets a new guess."""
    if sent and (contact.name_reading != old_reading or contact.name == old_name):
        contact.is_reading_guessed = False
    elif contact.name != old_name and (contact.is_reading_guessed or not old_reading):
        contact.name_reading = ""
    if not contact.name_reading:
        contact.name_reading = guess_reading(contact.name)
        contact.is_reading_guessed = bool(contact.name_reading)


@unit_of_work
def delete_contact(owner: User, contact_id: int) -> None:
    """Delete a contact with its encounters and promises."""
    db.session.delete(get_contact_for(owner, contact_id))


def _references_to_contacts():
    """Every column that points at a contact: encounters, promises and any table added later."""
    target = Contact.__table__.c.id
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column is target and fk.parent is not Contact.__table__.c.possible_duplicate_of_id:
                yield table, fk.parent


def _merged_notes(keep: Contact, other: dict) -> str:
    """Keep's notes, then the other's under a line naming it and any value that differed."""
    typed = keep.reading_key if not keep.is_reading_guessed else None  # a guess says less than their name
    differing = [other["name"]] if fold(other["name"]) not in (keep.name_key, typed) else []
    for key in FILLED_BY_MERGE:
        mine, theirs = getattr(keep, key), other[key]
        same = (normalise_card_url(mine) == normalise_card_url(theirs) if key == "card_url"
                else fold(mine) == fold(theirs))
        if mine and theirs and not same:
            differing.append(theirs)
    block = "\n".join(filter(None, ["— " + " · ".join(differing) if differing else "", other["notes"]]))
    return "\n\n".join(filter(None, [keep.notes, block]))


@unit_of_work(conflict=lambda: Conflict(_l("These contacts could not be merged; nothing was changed."),
                                         code="merge_failed"))
def merge_contacts(owner: User, keep_id: int, other_id: int) -> Contact:
    """Fold ``other_id`` into ``keep_id``: its meetings, promises and notes move, blanks are
    filled from it, then it is deleted. Nothing the user wrote is lost."""
    keep = get_contact_for(owner, keep_id)
    if other_id == keep_id:
        raise ValidationFailed(_l("A contact cannot be merged into itself."),
                               fields={"other_id": [_l("Choose another contact.")]})
    other = get_contact_for(owner, other_id)
    snapshot = {key: getattr(other, key) for key in (
        *FILLED_BY_MERGE, "is_reading_guessed", "name", "notes", "tier", "tier_reviewed_at", "last_met_at", *TOUCH_COLUMNS)}
    for table, column in _references_to_contacts():
        db.session.execute(update(table).where(column == other.id).values({column.name: keep.id}))
    db.session.execute(update(Contact.__table__).where(Contact.possible_duplicate_of_id == other.id)
                       .values(possible_duplicate_of_id=None))
    db.session.execute(delete(Contact.__table__).where(Contact.id == other.id))
    db.session.expunge(other)
    db.session.expire_all()  # collections and pointers changed underneath the loaded objects
    keep.notes = _merged_notes(keep, snapshot)
    if snapshot["name_reading"] and (not keep.name_reading or (keep.is_reading_guessed
                                                               and not snapshot["is_reading_guessed"])):
        keep.name_reading, keep.is_reading_guessed = snapshot["name_reading"], snapshot["is_reading_guessed"]
    for key in FILLED_BY_MERGE:
        if not getattr(keep, key) and snapshot[key]:
            setattr(keep, key, snapshot[key])
    if keep.tier == "unsorted" and snapshot["tier"] != "unsorted":
        keep.tier, keep.tier_reviewed_at = snapshot["tier"], snapshot["tier_reviewed_at"]
    keep.last_met_at = max(keep.last_met_at, snapshot["last_met_at"])
    for key in TOUCH_COLUMNS:  # the other's touches moved here with its interactions
        setattr(keep, key, later(getattr(keep, key), snapshot[key]))
    refresh_keys(keep)
    return keep
