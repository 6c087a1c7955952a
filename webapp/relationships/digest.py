"""The opt-in digest: a daily or weekly email of what is due, queued in the follow-up outbox.

`flask --app wsgi reminders digest` (cron, e.g. hourly) queues one for each user whose period has
begun (08:00 local each day, or Monday 08:00 local each week) and has something due; the follow-up
worker sends it with the same claims, retries, caps and "may have been sent" handling.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import ngettext
from sqlalchemy import select, update

from webapp.auth.models import User
from webapp.db_setup import end_read, unit_of_work
from webapp.extensions import db
from webapp.followups.compose import UnsafeHeader, compose, make_message_id
from webapp.followups.models import FollowUp
from webapp.profiles.services import display_name
from webapp.relationships import cadence
from webapp.relationships.due import list_reminders
from webapp.relationships.labels import reminder_label
from webapp.relationships.models import ReminderSettings

log = logging.getLogger(__name__)

#: the local time a day's (or Monday's, weekly) digest becomes due
DIGEST_TIME = time(8, 0)
#: reminders listed in one digest; the rest are counted
DIGEST_ITEMS = 20


def digest_period(frequency: str, now: datetime, tz: str) -> str | None:
    """The period a digest is due for at ``now`` ("2025-06-02", "2025-W23"), or None before 08:00
    local (daily) or before Monday 08:00 local (weekly)."""
    local = now.astimezone(ZoneInfo(tz))
    if frequency == "daily":
        return local.date().isoformat() if local.time() >= DIGEST_TIME else None
    if frequency == "weekly":
        if local.weekday() == 0 and local.time() < DIGEST_TIME:
            return None
        year, week, _day = local.isocalendar()
        return f"{year}-W{week:02d}"
    return None


@dataclass
class DigestRun:
    queued: int = 0
    empty: int = 0


def enqueue_digests(*, now: datetime, base_url: str = "") -> DigestRun:
    """Queue every digest that is due now; each user gets at most one per period, even when two
    runs overlap (the period is claimed with a guarded UPDATE in the same transaction)."""
    run = DigestRun()
    subscribers = db.session.execute(
        select(ReminderSettings.owner_id, ReminderSettings.digest, ReminderSettings.digest_period)
        .where(ReminderSettings.digest != "off")).all()
    end_read()
    for owner_id, frequency, done in subscribers:
        user = db.session.get(User, owner_id)
        period = digest_period(frequency, now, user.timezone) if user else None
        if period is None or period == done:
            continue
        queued = _enqueue_one(user, frequency, period, now, base_url)
        run.queued += queued is True
        run.empty += queued is False
    return run


def _enqueue_one(user: User, frequency: str, period: str, now: datetime, base_url: str) -> bool | None:
    """True: queued; False: nothing was due, or it could not be composed safely (the period is still
    marked done); None: another run won."""
    page = list_reminders(user, now=now, limit=DIGEST_ITEMS, promises_until=cadence.end_of_today(now, user.timezone))
    message = _message(user, frequency, page, now, base_url) if page.items else None
    return _claim_period(user.id, period, message)


@unit_of_work
def _claim_period(owner_id: int, period: str, message: FollowUp | None) -> bool | None:
    """Mark the period done and queue the message, unless another run claimed the period first."""
    claimed = db.session.execute(
        update(ReminderSettings).where(ReminderSettings.owner_id == owner_id,
                                       ReminderSettings.digest_period != period)
        .values(digest_period=period).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        return None
    if message is not None:
        db.session.add(message)
    return message is not None


def _message(user: User, frequency: str, page, now: datetime, base_url: str) -> FollowUp | None:
    """The digest, to the user's login email with no Reply-To; None (logged) when it cannot be
    composed safely. A name stored before names were checked is left out of To."""
    config = current_app.config
    name = display_name(user)
    with force_locale(user.locale or "en"):
        count = len(page.items)
        subject = ngettext("Ichigo: %(num)d reminder today", "Ichigo: %(num)d reminders today", count) \
            if frequency == "daily" else \
            ngettext("Ichigo: %(num)d reminder this week", "Ichigo: %(num)d reminders this week", count)
        body = render_template("emails/digest.txt", name=name, items=page.items, more=page.next_cursor is not None,
                               base_url=base_url.rstrip("/"), tz=user.timezone, local_date=cadence.local_date,
                               reminder_label=reminder_label)
    message_id = make_message_id(config["MAIL_FROM"].rpartition("@")[2] or "ichigo.local")
    mime = None
    for to_name in (name, ""):
        try:
            mime = compose(from_name="Ichigo", from_addr=config["MAIL_FROM"], reply_to="", to_name=to_name,
                           to_addr=user.email, subject=subject, body=body, message_id=message_id, date=now)
            break
        except UnsafeHeader as exc:
            if exc.field != "to_name":
                log.warning("digest for user %s not queued: %s", user.id, exc)
                return None
    return FollowUp(owner_id=user.id, contact_id=None, purpose="digest", to=user.email, subject=subject,
                    body=body, status="queued", send_after=now, message_id=message_id, mime=mime)
