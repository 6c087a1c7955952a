"""Touches: the channels a touch resets, and each contact's last touch per channel, kept beside the
Interaction rows that log them.

Every writer of an Interaction (a one-tap touch, a promise closed with a touch, a follow-up sent
by the queue or by hand) executes :func:`record_touch` in the same transaction, so the due list
reads one covering index instead of aggregating the interactions table.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Update, func, or_, select, update

from webapp.contacts.models import Contact, Interaction

#: the kinds of touch a user logs in one tap (Interaction.kind); "email" is also what the queue logs
INTERACTION_KINDS = ("email", "article", "message", "like", "comment", "call", "meeting")

#: a rhythm keeps one channel alive; only a touch of one of its kinds resets it
CHANNELS = {
    "touch": ("message", "like", "comment", "call"),  # a light touch
    "email": ("email", "article"),  # an email or an article shared
    "meet": ("meeting",),  # meeting in person
}
#: the order channels are listed in when two items fall due at the same moment
CHANNEL_ORDER = tuple(CHANNELS)


#: the Contact column that holds each channel's last touch
CHANNEL_COLUMNS = {"touch": "last_touch_at", "email": "last_email_at", "meet": "last_meet_at"}


def channel_of(kind: str) -> str | None:
    """The channel an interaction kind resets (None for an unknown kind)."""
    for channel, kinds in CHANNELS.items():
        if kind in kinds:
            return channel
    return None


def record_touch(contact_id: int, kind: str, at: datetime) -> Update | None:
    """The UPDATE that moves the contact's last touch of ``kind``'s channel to ``at`` (never back);
    None for a kind that belongs to no channel. Execute it on a session or a Core connection."""
    channel = channel_of(kind)
    if channel is None:
        return None
    column = getattr(Contact, CHANNEL_COLUMNS[channel])
    return (update(Contact).where(Contact.id == contact_id, or_(column.is_(None), column < at))
            .values({column: at}).execution_options(synchronize_session=False))


def later(*moments: datetime | None) -> datetime | None:
    """The latest of the given moments (None when all are None), for merging two contacts."""
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def backfill(contact_filter=None) -> list[Update]:
    """UPDATEs that recompute every channel's last touch from the interactions table (bulk loads)."""
    statements = []
    for channel, column in CHANNEL_COLUMNS.items():
        latest = (select(func.max(Interaction.occurred_at))
                  .where(Interaction.contact_id == Contact.id, Interaction.kind.in_(CHANNELS[channel]))
                  .scalar_subquery())
        stmt = update(Contact).values({column: latest})
        if contact_filter is not None:
            stmt = stmt.where(contact_filter)
        statements.append(stmt.execution_options(synchronize_session=False))
    return statements
