"""Reminder settings: the grow cap, the opt-in digest, and the secret calendar feed."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.auth.models import User
from webapp.db import utcnow
from webapp.db_setup import end_read, unit_of_work
from webapp.errors import NotFound
from webapp.extensions import db
from webapp.relationships import cadence
from webapp.relationships.models import ReminderSettings


def get_settings(owner: User) -> ReminderSettings:
    """The owner's reminder settings (a fresh, unsaved row with the defaults when none is stored)."""
    row = db.session.scalar(select(ReminderSettings).where(ReminderSettings.owner_id == owner.id))
    if row is None:
        row = ReminderSettings(owner_id=owner.id, grow_cap=cadence.DEFAULT_GROW_CAP, digest="off",
                               digest_period="")
    return row


@unit_of_work(retries=1)
def _save_settings(owner: User, change) -> ReminderSettings:
    """Apply ``change`` to the owner's settings row; when two first saves race, the loser's insert
    fails on the unique owner and, run again, it applies its change to the winner's row."""
    row = get_settings(owner)
    change(row)
    db.session.add(row)
    db.session.flush()
    return row


def update_settings(owner: User, data: dict) -> ReminderSettings:
    """Change the grow cap and the digest (off, daily or weekly)."""
    def change(row):
        for key in ("grow_cap", "digest"):
            if key in data:
                setattr(row, key, data[key])
    return _save_settings(owner, change)


def _feed_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed_token(owner: User, *, now: datetime | None = None) -> str:
    """A new secret for the calendar feed; the previous URL stops working. Shown once, stored hashed."""
    token = secrets.token_urlsafe(24)

    def change(row):
        row.feed_token_hash, row.feed_created_at = _feed_hash(token), now or utcnow()
    _save_settings(owner, change)
    return token


def revoke_feed(owner: User) -> None:
    """Revoke the calendar feed: its URL answers 404 from now on."""
    def change(row):
        row.feed_token_hash, row.feed_created_at = None, None
    _save_settings(owner, change)


def find_feed_owner(token: str) -> User | None:
    """The user whose feed this secret opens, or None (unknown, revoked, or malformed)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(User).join(ReminderSettings, ReminderSettings.owner_id == User.id)
                             .where(ReminderSettings.feed_token_hash == _feed_hash(token)))


# -- the calendar feed ----------------------------------------------------------------------
#: how far ahead the feed looks, and how many events it holds at most
FEED_DAYS_AHEAD = 90
FEED_MAX_EVENTS = 500


def feed_document(token: str, *, base_url: str, now: datetime | None = None) -> bytes:
    """The iCalendar feed behind a secret: due touches and promise dates for the next 90 days
    (overdue ones on today), names and links only. An unknown or revoked secret is not found."""
    from flask_babel import force_locale, gettext

    from webapp.relationships.due import list_reminders
    from webapp.relationships.feed import FeedEvent, build_calendar
    from webapp.relationships.labels import reminder_label

    now = now or utcnow()
    owner = find_feed_owner(token)
    if owner is None:
        raise NotFound(_l("No such calendar feed (it may have been revoked)."))
    horizon = now + timedelta(days=FEED_DAYS_AHEAD)
    page = list_reminders(owner, now=now, until=horizon, promises_until=horizon, kinds=("promise", "touch"),
                          limit=FEED_MAX_EVENTS)
    end_read()
    today = cadence.local_date(now, owner.timezone)
    host = base_url.split("://")[-1]
    with force_locale(owner.locale or "en"):
        events = [
            FeedEvent(uid=f"{item.kind}-{item.contact_id}-{item.channel or item.promise_id}@{host}",
                      day=max(cadence.local_date(item.due_at, owner.timezone), today),
                      summary=f"{item.contact_name}: {reminder_label(item)}",
                      url=f"{base_url}/contacts/{item.contact_id}")
            for item in page.items if item.kind != "promise" or item.is_dated]
        return build_calendar(events, name=gettext("Ichigo reminders"), now=now)
