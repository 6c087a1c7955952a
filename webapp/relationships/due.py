"""What is due: reminders from every rhythm, promise, review and unsorted contact, merged in due order.

Each source is one indexed query ordered the way its items fall due, read a page at a time; the
sources are merged in Python, so a page costs about the same for 50 contacts or 50,000.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, Iterator

from sqlalchemy import and_, case, exists, or_, select

from webapp import cursors
from webapp.auth.models import User
from webapp.contacts.models import Contact, Encounter, Promise
from webapp.contacts.touches import CHANNEL_COLUMNS
from webapp.extensions import db
from webapp.relationships import cadence
from webapp.relationships.models import CadencePolicy, ReminderSnooze
from webapp.validation import MAX_ID

KINDS = ("promise", "touch", "review", "sort")
#: rows read from one source per round trip, beyond the page itself
BATCH_EXTRA = 8


@dataclass
class Reminder:
    kind: str
    contact_id: int
    due_at: datetime
    is_overdue: bool
    channel: str | None = None
    promise_id: int | None = None
    #: the promise's text (private: never in the feed)
    text: str = ""
    #: False for a promise without a due date (listed since it was made)
    is_dated: bool = True
    #: the last touch that counts for this item (rhythm), or the last review / capture
    since: datetime | None = None
    contact_name: str = ""
    contact_email: str = ""
    tier: str = ""
    last_conversation: str = ""
    needs: str = ""

    @property
    def key(self) -> tuple:
        channel = cadence.CHANNEL_ORDER.index(self.channel) if self.channel else 0
        return (self.due_at, KINDS.index(self.kind), channel, self.contact_id, self.promise_id or 0)


@dataclass
class ReminderPage:
    items: list[Reminder]
    next_cursor: str | None


# -- cursor ---------------------------------------------------------------------------------
def encode_cursor(item: Reminder) -> str:
    due, kind, channel, contact_id, promise_id = item.key
    return cursors.encode(due.isoformat(), kind, channel, contact_id, promise_id)


def decode_cursor(value: str) -> tuple | None:
    """The sort key a page ended on; None when ``value`` is not a cursor."""
    parts = cursors.decode(value, 5)
    try:
        stamp, kind, channel, contact_id, promise_id = parts
        key = (datetime.fromisoformat(stamp), int(kind), int(channel), int(contact_id), int(promise_id))
    except (TypeError, ValueError):
        return None
    if key[0].tzinfo is None or not 0 <= key[1] < len(KINDS) or not 0 <= key[2] < len(cadence.CHANNEL_ORDER):
        return None
    if not 0 < key[3] <= MAX_ID or not 0 <= key[4] <= MAX_ID:
        return None
    return key


# -- policies -------------------------------------------------------------------------------
def rhythms_for(owner: User) -> dict[str, tuple[cadence.Rhythm, ...]]:
    """The owner's rhythms per tier: their own policy where they saved one, else the default."""
    stored = dict(db.session.execute(
        select(CadencePolicy.tier, CadencePolicy.rhythms).where(CadencePolicy.owner_id == owner.id)).tuples().all())
    return {tier: cadence.rhythms_from(stored.get(tier, defaults))
            for tier, defaults in cadence.DEFAULT_RHYTHMS.items()}


# -- sources --------------------------------------------------------------------------------
def _not_snoozed(kind: str, channel: str, now: datetime):
    return ~exists().where(ReminderSnooze.contact_id == Contact.id, ReminderSnooze.kind == kind,
                           ReminderSnooze.channel == channel, ReminderSnooze.until_at > now)


def _keyset(stmt_for: Callable, batch: int) -> Iterator[tuple]:
    """Rows of an (anchor, id, …) query in order, batch by batch, resuming after the last row."""
    after = None
    while True:
        rows = db.session.execute(stmt_for(after).limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        after = (rows[-1][0], rows[-1][1])


def _after(anchor_col, id_col, after):
    if after is None:
        return True
    return or_(anchor_col > after[0], and_(anchor_col == after[0], id_col > after[1]))


def _touch_source(owner, tier, rhythm, *, now, until, lower, batch) -> Iterator[Reminder]:
    """Contacts of the tier whose last touch of the rhythm's channel (or last meeting, if later) is
    ``every_days`` old: one covering-index range, ordered by that moment."""
    touched = getattr(Contact, CHANNEL_COLUMNS[rhythm.channel])
    anchor = case((touched > Contact.last_met_at, touched), else_=Contact.last_met_at)
    bound = cadence.anchor_bound(until, rhythm.every_days, owner.timezone)
    floor = None if lower is None else cadence.add_days(lower, -rhythm.every_days, owner.timezone) - timedelta(days=1)

    def stmt(after):
        query = (select(anchor, Contact.id)
                 .where(Contact.owner_id == owner.id, Contact.tier == tier, Contact.last_met_at < bound,
                        or_(touched.is_(None), touched < bound), _not_snoozed("touch", rhythm.channel, now),
                        _after(anchor, Contact.id, after)))
        if floor is not None:
            query = query.where(anchor >= floor)
        return query.order_by(anchor, Contact.id)

    for since, contact_id in _keyset(stmt, batch):
        due = cadence.add_days(since, rhythm.every_days, owner.timezone)
        yield Reminder("touch", contact_id, due, cadence.is_overdue(since, rhythm.late_days, now, owner.timezone),
                       channel=rhythm.channel, since=since, tier=tier)


def _dated_source(owner, kind, days, where, anchor_col, *, now, until, lower, batch) -> Iterator[Reminder]:
    """Reviews and sorting: due ``days`` after a timestamp of the contact itself."""
    bound = cadence.anchor_bound(until, days, owner.timezone)
    floor = None if lower is None else cadence.add_days(lower, -days, owner.timezone) - timedelta(days=1)

    def stmt(after):
        query = (select(anchor_col, Contact.id, Contact.tier)
                 .where(Contact.owner_id == owner.id, where, anchor_col < bound,
                        _not_snoozed(kind, "", now), _after(anchor_col, Contact.id, after)))
        if floor is not None:
            query = query.where(anchor_col >= floor)
        return query.order_by(anchor_col, Contact.id)

    for since, contact_id, tier in _keyset(stmt, batch):
        due = cadence.add_days(since, days, owner.timezone)
        yield Reminder(kind, contact_id, due, cadence.is_overdue(since, days, now, owner.timezone), since=since,
                       tier=tier)


def _promise_sources(owner, *, now, until, lower, batch) -> list[Iterator[Reminder]]:
    """Open promises: dated ones by date, undated ones by when they were made (due a week later)."""
    tz = owner.timezone
    open_ = and_(Promise.owner_id == owner.id, Promise.done_at.is_(None))

    def dated(after):
        query = select(Promise.due_on, Promise.id, Promise.contact_id, Promise.text).where(
            open_, Promise.due_on.is_not(None), _after(Promise.due_on, Promise.id, after))
        if until is not None:
            query = query.where(Promise.due_on <= cadence.local_date(until, tz))
        if lower is not None:
            query = query.where(Promise.due_on >= cadence.local_date(lower, tz) - timedelta(days=1))
        return query.order_by(Promise.due_on, Promise.id)

    def undated(after):
        query = select(Promise.created_at, Promise.id, Promise.contact_id, Promise.text).where(
            open_, Promise.due_on.is_(None), _after(Promise.created_at, Promise.id, after))
        grace = timedelta(days=cadence.UNDATED_PROMISE_DAYS)
        if until is not None:
            query = query.where(Promise.created_at < until - grace)
        if lower is not None:
            query = query.where(Promise.created_at >= lower - grace - timedelta(days=1))
        return query.order_by(Promise.created_at, Promise.id)

    def rows(stmt_for, is_dated):
        for when, promise_id, contact_id, text in _keyset(stmt_for, batch):
            due_on: date | None = when if is_dated else None
            yield Reminder("promise", contact_id, cadence.promise_due_at(due_on, when, tz),
                           cadence.promise_overdue(due_on, now, tz), promise_id=promise_id, text=text,
                           is_dated=is_dated)

    return [rows(dated, True), rows(undated, False)]


# -- the list -------------------------------------------------------------------------------
def list_reminders(owner: User, *, now: datetime, until: datetime | None = None, kinds=KINDS,
                   cursor: tuple | None = None, limit: int = 50, promises_until: datetime | None = None,
                   enrich: bool = True) -> ReminderPage:
    """The owner's reminders in due order (overdue first), one keyset page at a time.

    ``until`` (default: the end of today in the owner's time zone) bounds rhythms, reviews and
    sorting; open promises are all listed unless ``promises_until`` bounds them too.
    """
    until = until or cadence.end_of_today(now, owner.timezone)
    lower = cursor[0] if cursor else None
    batch = limit + BATCH_EXTRA
    common = {"now": now, "until": until, "lower": lower, "batch": batch}
    sources: list[Iterator[Reminder]] = []
    if "promise" in kinds:
        sources += _promise_sources(owner, now=now, until=promises_until, lower=lower, batch=batch)
    if "touch" in kinds:
        for tier, rhythms in rhythms_for(owner).items():
            sources += [_touch_source(owner, tier, rhythm, **common) for rhythm in rhythms]
    if "review" in kinds:
        # a sorted contact always has tier_reviewed_at (every change of tier sets it; the migration filled it)
        sources.append(_dated_source(owner, "review", cadence.REVIEW_AFTER_DAYS, Contact.tier != "unsorted",
                                     Contact.tier_reviewed_at, **common))
    if "sort" in kinds:
        sources.append(_dated_source(owner, "sort", cadence.SORT_AFTER_DAYS, Contact.tier == "unsorted",
                                     Contact.created_at, **common))
    items: list[Reminder] = []
    for item in heapq.merge(*(_bounded(s, until) for s in sources), key=lambda r: r.key):
        if cursor is not None and item.key <= cursor:
            continue
        items.append(item)
        if len(items) > limit:
            break
    page, more = items[:limit], len(items) > limit
    if enrich:
        add_contact_details(owner, page)
    return ReminderPage(page, encode_cursor(page[-1]) if more else None)


def _bounded(source: Iterator[Reminder], until: datetime) -> Iterator[Reminder]:
    """Items due before ``until`` (the SQL bound is a day generous); promises were bounded in SQL."""
    for item in source:
        if item.kind != "promise" and item.due_at >= until:
            return
        yield item


def add_contact_details(owner: User, items: list[Reminder]) -> None:
    """Fill in each item's contact: name, email, tier, and what was said and needed when last met."""
    ids = {item.contact_id for item in items}
    if not ids:
        return

    def latest(column):
        return (select(column).where(Encounter.contact_id == Contact.id, column != "")
                .order_by(Encounter.met_at.desc(), Encounter.id.desc()).limit(1)
                .correlate(Contact).scalar_subquery())

    rows = db.session.execute(
        select(Contact.id, Contact.name, Contact.email, Contact.tier, latest(Encounter.conversation),
               latest(Encounter.needs))
        .where(Contact.owner_id == owner.id, Contact.id.in_(ids))).all()
    details = {row[0]: row[1:] for row in rows}
    for item in items:
        name, email, tier, said, needs = details.get(item.contact_id, ("", "", "", None, None))
        item.contact_name, item.contact_email, item.tier = name, email, tier
        item.last_conversation, item.needs = said or "", needs or ""
