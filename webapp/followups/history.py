"""Everything met and promised with a contact, read for drafting and review: the variables a draft
is rendered with, from every meeting (not only the latest), in the contact's language."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from webapp.auth.models import User
from webapp.contacts.models import LANGUAGES, Contact, Encounter, Promise
from webapp.events.models import Event
from webapp.extensions import db
from webapp.followups import wording

#: the most of a conversation a draft can hold (what one meeting's notes can hold)
CONVERSATION_MAX = 2000
#: the most of what was said the time before a draft can hold: a reminder, not the whole note
EARLIER_MAX = 500


@dataclass
class Meeting:
    id: int
    met_at: datetime
    event_id: int | None
    event_name: str
    conversation: str
    needs: str
    memorable: str


@dataclass
class History:
    contact: Contact
    #: oldest first
    meetings: list[Meeting] = field(default_factory=list)
    #: the promises not yet kept, from any meeting, oldest first
    open_promises: list[Promise] = field(default_factory=list)

    @property
    def language(self) -> str:
        return self.contact.language if self.contact.language in LANGUAGES else "ja"


def load_histories(owner: User, contact_ids: list[int]) -> dict[int, History]:
    """The histories of the owner's contacts, by contact id, in four queries however many there are."""
    if not contact_ids:
        return {}
    contacts = db.session.scalars(select(Contact).where(Contact.owner_id == owner.id, Contact.id.in_(contact_ids)))
    histories = {contact.id: History(contact) for contact in contacts}
    encounters = db.session.scalars(select(Encounter).where(
        Encounter.owner_id == owner.id, Encounter.contact_id.in_(histories)).order_by(Encounter.met_at, Encounter.id)).all()
    event_ids = {e.event_id for e in encounters if e.event_id is not None}
    names = dict(db.session.execute(select(Event.id, Event.name).where(
        Event.owner_id == owner.id, Event.id.in_(event_ids))).tuples().all()) if event_ids else {}
    for e in encounters:
        histories[e.contact_id].meetings.append(Meeting(e.id, e.met_at, e.event_id, names.get(e.event_id, ""),
                                                        e.conversation, e.needs, e.memorable))
    for promise in db.session.scalars(select(Promise).where(
            Promise.owner_id == owner.id, Promise.contact_id.in_(histories), Promise.done_at.is_(None))
            .order_by(Promise.id)):
        histories[promise.contact_id].open_promises.append(promise)
    return histories


def load_history(owner: User, contact_id: int) -> History | None:
    return load_histories(owner, [contact_id]).get(contact_id)


def this_and_before(history: History, event_id: int | None) -> tuple[list[Meeting], Meeting | None]:
    """The meetings at the event (or, without one, the latest meeting), and the latest meeting
    before them that has notes: "what was said before"."""
    meetings = history.meetings
    now = [m for m in meetings if m.event_id == event_id] if event_id is not None else meetings[-1:]
    if not now:
        return [], None
    first = meetings.index(now[0])
    before = [m for m in meetings[:first] if m.conversation.strip()]
    return now, (before[-1] if before else None)


def draft_variables(owner: User, profile, history: History, event_id: int | None, event_name: str,
                    card_url: str) -> dict:
    """The template variables for a draft to this contact (templating.VARIABLES), never the need."""
    language = history.language
    now, before = this_and_before(history, event_id)
    said = list(dict.fromkeys(m.conversation.strip() for m in now if m.conversation.strip()))
    conversation = "\n".join(said)[-CONVERSATION_MAX:]
    latest = next((m.conversation.strip() for m in reversed(now) if m.conversation.strip()), "")
    earlier = before.conversation.strip() if before else ""
    if len(earlier) > EARLIER_MAX:
        earlier = earlier[:EARLIER_MAX - 1] + "…"
    memorable = next((m.memorable for m in reversed(now) if m.memorable.strip()), "")
    return {
        "contact_name": history.contact.name, "contact_company": history.contact.company,
        "event_name": event_name, "conversation": conversation,
        "topic": wording.as_topic(latest, language),
        "earlier_conversation": earlier, "earlier_topic": wording.as_topic(earlier, language),
        "earlier_event_name": before.event_name if before else "",
        "met_before": "yes" if before or (now and history.meetings.index(now[0]) > 0) else "",
        "promise": wording.join_promises([p.text for p in history.open_promises], language),
        "memorable": memorable,
        "my_name": profile.name or owner.name, "my_keyword": profile.keyword, "my_card_url": card_url,
    }
