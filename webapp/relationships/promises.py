"""Promises made to contacts: open and done, due dates, and closing one with the touch it was."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.auth.models import User
from webapp.contacts.models import Interaction, Promise
from webapp.contacts.services import ContactNotFound, get_contact_for
from webapp.contacts.touches import record_touch
from webapp.db import utcnow
from webapp.db_setup import unit_of_work
from webapp.errors import NotFound, ValidationFailed
from webapp.extensions import db
from webapp.validation import MAX_ID


class PromiseNotFound(NotFound):
    message = _l("No such promise.")


def get_promise_for(owner: User, promise_id: int) -> Promise:
    promise = db.session.get(Promise, promise_id) if 0 < promise_id <= MAX_ID else None
    if promise is None or promise.owner_id != owner.id:
        raise PromiseNotFound()
    return promise


def list_promises(owner: User, *, status: str = "open", contact_id: int | None = None, limit: int = 50,
                  offset: int = 0) -> list[Promise]:
    """Open promises by due date (overdue first, undated last) or done ones latest first."""
    query = select(Promise).where(Promise.owner_id == owner.id)
    if contact_id is not None:
        try:
            query = query.where(Promise.contact_id == get_contact_for(owner, contact_id).id)
        except ContactNotFound:
            raise ValidationFailed(fields={"contact_id": [_l("No such contact.")]}) from None
    if status == "open":
        query = query.where(Promise.done_at.is_(None)).order_by(
            Promise.due_on.is_(None), Promise.due_on, Promise.id)
    else:
        query = query.where(Promise.done_at.is_not(None)).order_by(Promise.done_at.desc(), Promise.id.desc())
    return list(db.session.scalars(query.offset(offset).limit(limit)))


@unit_of_work
def create_promise(owner: User, contact_id: int, text: str, due_on: date | None = None) -> Promise:
    """A new open promise to one of the owner's contacts."""
    contact = get_contact_for(owner, contact_id)
    promise = Promise(owner_id=owner.id, contact_id=contact.id, text=text, due_on=due_on)
    db.session.add(promise)
    return promise


@unit_of_work
def update_promise(owner: User, promise_id: int, data: dict, *, now: datetime | None = None) -> Promise:
    """Edit text or due date, close (``done: true``) or reopen. Closing with ``log_kind`` also logs
    that touch on the contact, resetting its rhythm."""
    now = now or utcnow()
    promise = get_promise_for(owner, promise_id)
    for key in ("text", "due_on"):
        if key in data:
            setattr(promise, key, data[key])
    if "done" in data:
        closing = data["done"] and promise.done_at is None
        promise.done_at = (promise.done_at or now) if data["done"] else None
        if closing and data.get("log_kind"):
            db.session.add(Interaction(owner_id=owner.id, contact_id=promise.contact_id, kind=data["log_kind"],
                                       occurred_at=now, created_at=now, note=""))
            db.session.execute(record_touch(promise.contact_id, data["log_kind"], now))
    return promise
