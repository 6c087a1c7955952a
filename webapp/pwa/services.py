"""What the home screen shows: the active event, open promises and follow-ups waiting for review."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from webapp.auth.models import User
from webapp.contacts.models import Contact, Promise
from webapp.events.models import Event
from webapp.events.services import find_active_event
from webapp.extensions import db
from webapp.followups.models import FollowUp

#: how many open promises the home screen lists (the rest are counted)
PROMISES_SHOWN = 3


@dataclass
class DuePromise:
    contact_id: int
    contact_name: str
    text: str
    due_on: date | None
    is_overdue: bool


@dataclass
class HomeSummary:
    active_event: Event | None
    promises: list[DuePromise] = field(default_factory=list)
    open_promises: int = 0
    drafts: int = 0


def home_summary(user: User, *, today: date) -> HomeSummary:
    """The user's active event, the open promises due first, and how many follow-up drafts wait."""
    open_promise = (Promise.owner_id == user.id) & Promise.done_at.is_(None)
    rows = db.session.execute(
        select(Promise, Contact.name)
        .join(Contact, Contact.id == Promise.contact_id)
        .where(open_promise)
        .order_by(Promise.due_on.is_(None), Promise.due_on, Promise.id)
        .limit(PROMISES_SHOWN)
    ).all()
    promises = [DuePromise(p.contact_id, name, p.text, p.due_on, p.due_on is not None and p.due_on < today)
                for p, name in rows]
    count = db.session.scalar(select(func.count()).select_from(Promise).where(open_promise)) or 0
    drafts = db.session.scalar(select(func.count()).select_from(FollowUp).where(
        FollowUp.owner_id == user.id, FollowUp.status == "draft")) or 0
    return HomeSummary(find_active_event(user), promises, count, drafts)
