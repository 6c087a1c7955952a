"""Keeping in touch: tiers and reviews, cadence policies, one-tap touches, snoozes, promises, settings."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select

from webapp.auth.models import User
from webapp.contacts.models import TIERS, Contact, Promise
from webapp.contacts.services import ContactNotFound, get_contact_for
from webapp.db import utcnow
from webapp.db_setup import begin_write
from webapp.errors import NotFound, ValidationFailed
from webapp.extensions import db
from webapp.followups.models import FollowUp, Interaction
from webapp.i18n import N_
from webapp.relationships import cadence
from webapp.relationships.models import CadencePolicy, ReminderSettings, ReminderSnooze
from webapp.relationships.touches import record_touch
from webapp.validation import MAX_ID


class PromiseNotFound(NotFound):
    message = N_("No such promise.")


def _commit() -> None:
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


# -- settings -------------------------------------------------------------------------------
def get_settings(owner: User) -> ReminderSettings:
    """The owner's reminder settings (a fresh, unsaved row with the defaults when none is stored)."""
    row = db.session.scalar(select(ReminderSettings).where(ReminderSettings.owner_id == owner.id))
    if row is None:
        row = ReminderSettings(owner_id=owner.id, grow_cap=cadence.DEFAULT_GROW_CAP, digest="off",
                               digest_period="")
    return row


def update_settings(owner: User, data: dict) -> ReminderSettings:
    """Change the grow cap and the digest (off, daily or weekly)."""
    begin_write()
    row = get_settings(owner)
    for key in ("grow_cap", "digest"):
        if key in data:
            setattr(row, key, data[key])
    db.session.add(row)
    _commit()
    return row


def _feed_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed_token(owner: User, *, now: datetime | None = None) -> str:
    """A new secret for the calendar feed; the previous URL stops working. Shown once, stored hashed."""
    token = secrets.token_urlsafe(24)
    begin_write()
    row = get_settings(owner)
    row.feed_token_hash, row.feed_created_at = _feed_hash(token), now or utcnow()
    db.session.add(row)
    _commit()
    return token


def revoke_feed(owner: User) -> None:
    begin_write()
    row = get_settings(owner)
    row.feed_token_hash, row.feed_created_at = None, None
    if row.id is not None:
        _commit()
    else:
        db.session.rollback()


def find_feed_owner(token: str) -> User | None:
    """The user whose feed this secret opens, or None (unknown, revoked, or malformed)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(User).join(ReminderSettings, ReminderSettings.owner_id == User.id)
                             .where(ReminderSettings.feed_token_hash == _feed_hash(token)))


# -- cadence policies -----------------------------------------------------------------------
def list_policies(owner: User) -> list[dict]:
    """Every tier's rhythms, marking which are the built-in defaults."""
    stored = dict(db.session.execute(
        select(CadencePolicy.tier, CadencePolicy.rhythms).where(CadencePolicy.owner_id == owner.id)).tuples().all())
    return [{"tier": tier, "is_default": tier not in stored,
             "rhythms": [vars_of(r) for r in cadence.rhythms_from(stored.get(tier, defaults))]}
            for tier, defaults in cadence.DEFAULT_RHYTHMS.items()]


def vars_of(rhythm: cadence.Rhythm) -> dict:
    return {"channel": rhythm.channel, "every_days": rhythm.every_days, "within_days": rhythm.within_days,
            "kinds": list(rhythm.kinds)}


def _policy(owner: User, tier: str) -> dict:
    return next(p for p in list_policies(owner) if p["tier"] == tier)


def save_policy(owner: User, tier: str, rhythms: list[dict]) -> dict:
    """Replace a tier's rhythms (RhythmIn dicts, one per channel); an empty list means "nothing"."""
    begin_write()
    row = db.session.scalar(select(CadencePolicy).where(CadencePolicy.owner_id == owner.id,
                                                        CadencePolicy.tier == tier))
    if row is None:
        row = CadencePolicy(owner_id=owner.id, tier=tier)
        db.session.add(row)
    row.rhythms = [{"channel": r["channel"], "every_days": r["every_days"], "within_days": r.get("within_days")}
                   for r in rhythms]
    _commit()
    return _policy(owner, tier)


def reset_policy(owner: User, tier: str) -> dict:
    """Back to the built-in rhythms for the tier."""
    begin_write()
    db.session.execute(delete(CadencePolicy).where(CadencePolicy.owner_id == owner.id, CadencePolicy.tier == tier))
    _commit()
    return _policy(owner, tier)


# -- touches, tiers, snoozes ----------------------------------------------------------------
def log_interaction(owner: User, contact_id: int, kind: str, *, note: str = "",
                    occurred_at: datetime | None = None, now: datetime | None = None) -> Interaction:
    """Log a touch (one tap): it resets the rhythm of its channel only."""
    now = now or utcnow()
    when = occurred_at or now
    if when > now + timedelta(minutes=5):
        raise ValidationFailed(fields={"occurred_at": [N_("This time is in the future.")]})
    begin_write()
    contact = get_contact_for(owner, contact_id)
    row = Interaction(owner_id=owner.id, contact_id=contact.id, kind=kind, note=note, occurred_at=when,
                      created_at=now)
    db.session.add(row)
    db.session.execute(record_touch(contact.id, kind, when))
    _commit()
    return row


def list_interactions(owner: User, contact_id: int, *, limit: int = 50) -> list[Interaction]:
    """A contact's touches, latest first."""
    contact = get_contact_for(owner, contact_id)
    return list(db.session.scalars(select(Interaction).where(Interaction.contact_id == contact.id)
                                   .order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(limit)))


def set_tier(owner: User, contact_id: int, tier: str, *, now: datetime | None = None) -> Contact:
    """Triage or review: put a contact in a tier and record the review, even when the tier stays."""
    if tier not in TIERS:
        raise ValidationFailed(fields={"tier": [N_("Choose grow, maintain, let go or unsorted.")]})
    begin_write()
    contact = get_contact_for(owner, contact_id)
    contact.tier, contact.tier_reviewed_at = tier, now or utcnow()
    _commit()
    return contact


def snooze(owner: User, contact_id: int, kind: str, channel: str | None, until: datetime, *,
           now: datetime | None = None) -> ReminderSnooze:
    """Put a reminder off until ``until``: one rhythm of a contact, its review, or its sorting."""
    now = now or utcnow()
    if until <= now:
        raise ValidationFailed(fields={"until": [N_("Choose a time in the future.")]})
    channel = channel or ""
    if kind == "touch" and channel not in cadence.CHANNELS:
        raise ValidationFailed(fields={"channel": [N_("A touch reminder needs its channel.")]})
    if kind != "touch":
        channel = ""
    begin_write()
    contact = get_contact_for(owner, contact_id)
    db.session.execute(delete(ReminderSnooze).where(ReminderSnooze.contact_id == contact.id,
                                                    ReminderSnooze.kind == kind, ReminderSnooze.channel == channel))
    row = ReminderSnooze(owner_id=owner.id, contact_id=contact.id, kind=kind, channel=channel, until_at=until,
                         created_at=now)
    db.session.add(row)
    _commit()
    return row


# -- promises -------------------------------------------------------------------------------
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
            raise ValidationFailed(fields={"contact_id": [N_("No such contact.")]}) from None
    if status == "open":
        query = query.where(Promise.done_at.is_(None)).order_by(
            Promise.due_on.is_(None), Promise.due_on, Promise.id)
    else:
        query = query.where(Promise.done_at.is_not(None)).order_by(Promise.done_at.desc(), Promise.id.desc())
    return list(db.session.scalars(query.offset(offset).limit(limit)))


def create_promise(owner: User, contact_id: int, text: str, due_on: date | None = None) -> Promise:
    begin_write()
    contact = get_contact_for(owner, contact_id)
    promise = Promise(owner_id=owner.id, contact_id=contact.id, text=text, due_on=due_on)
    db.session.add(promise)
    _commit()
    return promise


def update_promise(owner: User, promise_id: int, data: dict, *, now: datetime | None = None) -> Promise:
    """Edit text or due date, close (``done: true``) or reopen. Closing with ``log_kind`` also logs
    that touch on the contact, resetting its rhythm."""
    now = now or utcnow()
    begin_write()
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
    _commit()
    return promise


# -- yearly review --------------------------------------------------------------------------
@dataclass
class TierSummary:
    tier: str
    count: int
    to_review: int


def review_summary(owner: User, *, now: datetime | None = None) -> tuple[list[TierSummary], int]:
    """Per tier: how many people, and how many were not reviewed for a year; and the grow cap."""
    now = now or utcnow()
    cut = cadence.anchor_bound(cadence.end_of_today(now, owner.timezone), cadence.REVIEW_AFTER_DAYS,
                               owner.timezone) - timedelta(days=1)
    reviewed = func.coalesce(Contact.tier_reviewed_at, Contact.created_at)
    rows = db.session.execute(
        select(Contact.tier, func.count(), func.count().filter(reviewed < cut))
        .where(Contact.owner_id == owner.id).group_by(Contact.tier)).all()
    counts = {tier: (total, stale) for tier, total, stale in rows}
    summaries = [TierSummary(t, *counts.get(t, (0, 0))) for t in ("grow", "maintain", "let_go", "unsorted")]
    return summaries, get_settings(owner).grow_cap


def list_for_review(owner: User, tier: str, *, limit: int = 30, offset: int = 0) -> list[Contact]:
    """The tier's contacts, least recently reviewed first."""
    reviewed = func.coalesce(Contact.tier_reviewed_at, Contact.created_at)
    return list(db.session.scalars(select(Contact).where(Contact.owner_id == owner.id, Contact.tier == tier)
                                   .order_by(reviewed, Contact.id).offset(offset).limit(limit)))


def recent_touches(owner: User, contact_ids: list[int], *, per_contact: int = 3) -> dict[int, list[Interaction]]:
    """The latest few touches of each contact, for the review and triage screens."""
    if not contact_ids:
        return {}
    rank = func.row_number().over(partition_by=Interaction.contact_id,
                                  order_by=(Interaction.occurred_at.desc(), Interaction.id.desc())).label("rank")
    inner = (select(Interaction.id, rank).where(Interaction.owner_id == owner.id,
                                                 Interaction.contact_id.in_(contact_ids)).subquery())
    rows = db.session.scalars(select(Interaction).join(inner, inner.c.id == Interaction.id)
                              .where(inner.c.rank <= per_contact)
                              .order_by(Interaction.occurred_at.desc(), Interaction.id.desc()))
    touches: dict[int, list[Interaction]] = {}
    for row in rows:
        touches.setdefault(row.contact_id, []).append(row)
    return touches


def open_followup_for(owner: User, contact_id: int) -> FollowUp | None:
    """A draft or queued follow-up to this contact, if one waits already."""
    return db.session.scalar(select(FollowUp).where(
        FollowUp.owner_id == owner.id, FollowUp.contact_id == contact_id, FollowUp.purpose == "followup",
        FollowUp.status.in_(("draft", "queued"))).order_by(FollowUp.id.desc()).limit(1))


# -- give before you ask --------------------------------------------------------------------
#: the most recent meetings with a need that the matcher reads
MATCH_WINDOW = 5000


@dataclass
class OfferMatch:
    contact_id: int
    contact_name: str
    needs: str
    offer: str
    met_at: datetime
    score: int


def list_matches(owner: User, *, limit: int = 50) -> tuple[list[OfferMatch], bool]:
    """People whose latest stated need meets one of my offers (profile.offers), best first; and
    whether I have written any offers at all."""
    from webapp.profiles.services import get_profile_for
    from webapp.contacts.models import Encounter
    from webapp.relationships import matching

    offers = [(phrase, matching.terms(phrase)) for phrase in matching.phrases(get_profile_for(owner).offers)]
    if not offers:
        return [], False
    rows = db.session.execute(
        select(Encounter.contact_id, Encounter.needs, Encounter.met_at, Contact.name)
        .join(Contact, Contact.id == Encounter.contact_id)
        .where(Encounter.owner_id == owner.id, Encounter.needs != "", Contact.tier != "let_go")
        .order_by(Encounter.met_at.desc(), Encounter.id.desc()).limit(MATCH_WINDOW)).all()
    found: dict[int, OfferMatch] = {}
    for contact_id, needs, met_at, name in rows:
        if contact_id in found:
            continue  # their latest need speaks for them
        match = matching.best_match(offers, needs)
        found[contact_id] = OfferMatch(contact_id, name, needs, match.offer, met_at, match.score) if match else None
    matches = sorted((m for m in found.values() if m), key=lambda m: (-m.score, -m.met_at.timestamp()))
    return matches[:limit], True


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
        raise NotFound(N_("No such calendar feed (it may have been revoked)."))
    horizon = now + timedelta(days=FEED_DAYS_AHEAD)
    page = list_reminders(owner, now=now, until=horizon, promises_until=horizon, kinds=("promise", "touch"),
                          limit=FEED_MAX_EVENTS)
    db.session.rollback()  # read only
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


def contact_names_for(owner: User, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(Contact.id, Contact.name).where(
        Contact.owner_id == owner.id, Contact.id.in_(ids))).tuples().all())


def list_due_for_home(owner: User, *, now: datetime, limit: int = 5, kinds=("promise", "touch", "review", "sort")):
    """The first few reminders, most overdue first, for the home screen (templates/reminders/_due.html)."""
    from webapp.relationships.due import list_reminders

    return list_reminders(owner, now=now, limit=limit, kinds=kinds)
