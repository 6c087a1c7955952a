"""Keeping in touch: cadence policies, one-tap touches, tiers and the yearly review, snoozes, matches.

Promises are in promises.py, the settings, digest and calendar feed in settings.py and digest.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from webapp.auth.models import User
from webapp.contacts.models import TIERS, Contact, Encounter, Interaction
from webapp.contacts.services import get_contact_for
from webapp.contacts.touches import record_touch
from webapp.db import utcnow
from webapp.db_setup import unit_of_work
from webapp.errors import ValidationFailed
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.profiles.services import get_profile_for
from webapp.relationships import cadence, matching
from webapp.relationships.models import CadencePolicy, ReminderSnooze
from webapp.relationships.settings import get_settings


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


@unit_of_work(retries=1)  # two first saves at once: the second updates the first's row
def save_policy(owner: User, tier: str, rhythms: list[dict]) -> dict:
    """Replace a tier's rhythms (RhythmIn dicts, one per channel); an empty list means "nothing"."""
    row = db.session.scalar(select(CadencePolicy).where(CadencePolicy.owner_id == owner.id,
                                                        CadencePolicy.tier == tier))
    if row is None:
        row = CadencePolicy(owner_id=owner.id, tier=tier)
        db.session.add(row)
    row.rhythms = [{"channel": r["channel"], "every_days": r["every_days"], "within_days": r.get("within_days")}
                   for r in rhythms]
    db.session.flush()
    return _policy(owner, tier)


@unit_of_work
def reset_policy(owner: User, tier: str) -> dict:
    """Back to the built-in rhythms for the tier."""
    db.session.execute(delete(CadencePolicy).where(CadencePolicy.owner_id == owner.id, CadencePolicy.tier == tier))
    return _policy(owner, tier)


# -- touches, tiers, snoozes ----------------------------------------------------------------
@unit_of_work
def log_interaction(owner: User, contact_id: int, kind: str, *, note: str = "",
                    occurred_at: datetime | None = None, now: datetime | None = None) -> Interaction:
    """Log a touch (one tap): it resets the rhythm of its channel only."""
    now = now or utcnow()
    when = occurred_at or now
    if when > now + timedelta(minutes=5):
        raise ValidationFailed(fields={"occurred_at": [_l("This time is in the future.")]})
    contact = get_contact_for(owner, contact_id)
    row = Interaction(owner_id=owner.id, contact_id=contact.id, kind=kind, note=note, occurred_at=when,
                      created_at=now)
    db.session.add(row)
    db.session.execute(record_touch(contact.id, kind, when))
    return row


def list_interactions(owner: User, contact_id: int, *, limit: int = 50) -> list[Interaction]:
    """A contact's touches, latest first."""
    contact = get_contact_for(owner, contact_id)
    return list(db.session.scalars(select(Interaction).where(Interaction.contact_id == contact.id)
                                   .order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(limit)))


@unit_of_work
def set_tier(owner: User, contact_id: int, tier: str, *, now: datetime | None = None) -> Contact:
    """Triage or review: put a contact in a tier and record the review, even when the tier stays."""
    if tier not in TIERS:
        raise ValidationFailed(fields={"tier": [_l("Choose grow, maintain, let go or unsorted.")]})
    contact = get_contact_for(owner, contact_id)
    contact.tier, contact.tier_reviewed_at = tier, now or utcnow()
    return contact


@unit_of_work
def snooze(owner: User, contact_id: int, kind: str, channel: str | None, until: datetime, *,
           now: datetime | None = None) -> ReminderSnooze:
    """Put a reminder off until ``until``: one rhythm of a contact, its review, or its sorting."""
    now = now or utcnow()
    if until <= now:
        raise ValidationFailed(fields={"until": [_l("Choose a time in the future.")]})
    channel = channel or ""
    if kind == "touch" and channel not in cadence.CHANNELS:
        raise ValidationFailed(fields={"channel": [_l("A touch reminder needs its channel.")]})
    if kind != "touch":
        channel = ""
    contact = get_contact_for(owner, contact_id)
    db.session.execute(delete(ReminderSnooze).where(ReminderSnooze.contact_id == contact.id,
                                                    ReminderSnooze.kind == kind, ReminderSnooze.channel == channel))
    row = ReminderSnooze(owner_id=owner.id, contact_id=contact.id, kind=kind, channel=channel, until_at=until,
                         created_at=now)
    db.session.add(row)
    return row


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
    """People with a need (said at any meeting) that meets one of my offers (profile.offers), best
    first, each once with their best-met need; and whether I have written any offers at all."""
    offers = [(phrase, matching.terms(phrase)) for phrase in matching.phrases(get_profile_for(owner).offers)]
    if not offers:
        return [], False
    rows = db.session.execute(
        select(Encounter.contact_id, Encounter.needs, Encounter.met_at, Contact.name)
        .join(Contact, Contact.id == Encounter.contact_id)
        .where(Encounter.owner_id == owner.id, Encounter.needs != "", Contact.tier != "let_go")
        .order_by(Encounter.met_at.desc(), Encounter.id.desc()).limit(MATCH_WINDOW)).all()
    found: dict[int, OfferMatch] = {}
    for contact_id, needs, met_at, name in rows:  # latest first: of equal matches the latest need stays
        match = matching.best_match(offers, needs)
        if match and (contact_id not in found or match.score > found[contact_id].score):
            found[contact_id] = OfferMatch(contact_id, name, needs, match.offer, met_at, match.score)
    matches = sorted(found.values(), key=lambda m: (-m.score, -m.met_at.timestamp()))
    return matches[:limit], True


def contact_names_for(owner: User, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(Contact.id, Contact.name).where(
        Contact.owner_id == owner.id, Contact.id.in_(ids))).tuples().all())


def list_due_for_home(owner: User, *, now: datetime, limit: int = 5, kinds=("promise", "touch", "review", "sort")):
    """The first few reminders, most overdue first, for the home screen (templates/reminders/_due.html)."""
    from webapp.relationships.due import list_reminders

    return list_reminders(owner, now=now, limit=limit, kinds=kinds)
