"""The sender: claims due follow-ups, sends each at most once, and records its fate.

Claims: PostgreSQL locks rows with `FOR UPDATE SKIP LOCKED`; SQLite takes the database's write
lock with `BEGIN IMMEDIATE` (SQLAlchemy drops SKIP LOCKED there silently). A claim bumps the
row's fencing token; every later write carries it, so a worker whose lease was taken over
changes nothing. Just before the message data goes out the row is stamped `data_started_at`: a
worker that dies before the stamp has its row reclaimed and sent again; one that dies after it
leaves the row `unknown` ("may have been sent"), which is never resent automatically.
"""
from __future__ import annotations

import logging
import os
import random
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from webapp.db import utcnow
from webapp.db_setup import begin_write
from webapp.extensions import db
from webapp.followups.models import FollowUp, Interaction
from webapp.followups.transport import (LeaseLost, PermanentFailure, TemporaryFailure, UncertainDelivery,
                                        open_transport)
from webapp.i18n import N_

log = logging.getLogger(__name__)
#: stored as the follow-up's last_error; pages show it translated (tr_error)
UNKNOWN_NOTE = N_("The sender stopped after handing this message to the mail server, so it may have been "
                  "sent. It is not resent automatically; check your Sent mail or the recipient, then resend.")


@dataclass
class Claimed:
    id: int
    fence: int
    owner_id: int
    contact_id: int
    to: str
    mime: bytes
    attempts: int


@dataclass
class Stats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unknown: int = 0
    deferred: int = 0
    lost: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int, *, base: float = 60.0, cap: float = 3600.0) -> timedelta:
    """Exponential backoff with jitter: about 1, 2, 4 … minutes, at most an hour, never in lockstep."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=random.uniform(delay / 2, delay))


class Worker:
    def __init__(self, config: dict, *, worker_id: str | None = None, clock=utcnow, transport=None):
        self.config = config
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{random.randrange(1 << 30):x}"
        self.clock = clock
        self.batch_size = int(config.get("FOLLOWUP_BATCH_SIZE", 50))
        self.lease = timedelta(seconds=float(config.get("FOLLOWUP_LEASE_SECONDS", 60)))
        self.max_attempts = int(config.get("FOLLOWUP_MAX_ATTEMPTS", 8))
        self.per_hour = int(config.get("FOLLOWUP_MAX_PER_HOUR", 30))
        self.per_day = int(config.get("FOLLOWUP_MAX_PER_DAY", 100))
        self.sender = config["MAIL_FROM"]
        self._transport = transport
        #: TEST ONLY, never set it in production: FOLLOWUP_UNSAFE_NO_CLAIM_LOCK (setting or
        #: environment variable) makes claim() the naive "look, then take" without row locks, so the
        #: concurrency tests can show that they catch a claim that lets two workers take one row
        #: (tests/followups/test_worker_crash.py).
        unsafe = config.get("FOLLOWUP_UNSAFE_NO_CLAIM_LOCK", os.environ.get("FOLLOWUP_UNSAFE_NO_CLAIM_LOCK"))
        self.unsafe_no_claim_lock = str(unsafe or "").strip().lower() in {"1", "true", "yes", "on"}
        if self.unsafe_no_claim_lock:
            log.warning("FOLLOWUP_UNSAFE_NO_CLAIM_LOCK is set: claims take no locks (tests only)")

    # -- claiming ---------------------------------------------------------------------------
    def _lock(self, query):
        """Row locks for the claim: SKIP LOCKED on PostgreSQL; SQLite is serialised by BEGIN IMMEDIATE."""
        if db.session.get_bind().dialect.name == "postgresql":
            return query.with_for_update(skip_locked=True)
        return query

    def claim(self) -> list[Claimed]:
        """Take up to a batch of due rows (and rows abandoned before their data was sent)."""
        now = self.clock()
        if self.unsafe_no_claim_lock:
            return self._claim_without_locks(now)
        begin_write()
        try:
            db.session.execute(  # abandoned after the data began: may have been sent
                update(FollowUp)
                .where(FollowUp.status == "sending", FollowUp.lease_expires_at < now,
                       FollowUp.data_started_at.is_not(None))
                .values(status="unknown", fence=FollowUp.fence + 1, lease_owner="", last_error=UNKNOWN_NOTE)
            )
            due = or_(
                and_(FollowUp.status == "queued", FollowUp.send_after <= now),
                and_(FollowUp.status == "sending", FollowUp.lease_expires_at < now,
                     FollowUp.data_started_at.is_(None)),
            )
            ids = list(db.session.scalars(self._lock(
                select(FollowUp.id).where(due).order_by(FollowUp.send_after, FollowUp.id).limit(self.batch_size))))
            if not ids:
                db.session.commit()
                return []
            db.session.execute(
                update(FollowUp).where(FollowUp.id.in_(ids))
                .values(status="sending", fence=FollowUp.fence + 1, lease_owner=self.worker_id,
                        lease_expires_at=now + self.lease, data_started_at=None)
                .execution_options(synchronize_session=False)
            )
            rows = db.session.execute(
                select(FollowUp.id, FollowUp.fence, FollowUp.owner_id, FollowUp.contact_id, FollowUp.to,
                       FollowUp.mime, FollowUp.attempts)
                .where(FollowUp.id.in_(ids)).order_by(FollowUp.send_after, FollowUp.id)
            ).all()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return [Claimed(*row) for row in rows]

    def _claim_without_locks(self, now: datetime) -> list[Claimed]:
        """TEST ONLY (FOLLOWUP_UNSAFE_NO_CLAIM_LOCK): the broken claim the tests must catch. No
        SKIP LOCKED, no BEGIN IMMEDIATE, the look and the take in separate transactions, and the
        take not re-checking the status: two workers that look at about the same time both take,
        and send, the same rows. A 0.25 s pause between look and take (what a loaded database or
        a GC pause can give; longer than the tests' 0.2 s poll) lets the race show in a short test."""
        try:
            due = or_(
                and_(FollowUp.status == "queued", FollowUp.send_after <= now),
                and_(FollowUp.status == "sending", FollowUp.lease_expires_at < now,
                     FollowUp.data_started_at.is_(None)),
            )
            ids = list(db.session.scalars(
                select(FollowUp.id).where(due).order_by(FollowUp.send_after, FollowUp.id).limit(self.batch_size)))
            db.session.commit()
            if not ids:
                return []
            time.sleep(0.25)
            db.session.execute(
                update(FollowUp).where(FollowUp.id.in_(ids))
                .values(status="sending", fence=FollowUp.fence + 1, lease_owner=self.worker_id,
                        lease_expires_at=now + self.lease, data_started_at=None)
                .execution_options(synchronize_session=False)
            )
            rows = db.session.execute(
                select(FollowUp.id, FollowUp.fence, FollowUp.owner_id, FollowUp.contact_id, FollowUp.to,
                       FollowUp.mime, FollowUp.attempts)
                .where(FollowUp.id.in_(ids)).order_by(FollowUp.send_after, FollowUp.id)
            ).all()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return [Claimed(*row) for row in rows]

    # -- fenced writes ----------------------------------------------------------------------
    def _fenced(self, item: Claimed, **values) -> bool:
        """Write to a claimed row only while this worker still holds it (same fencing token)."""
        result = db.session.execute(
            update(FollowUp)
            .where(FollowUp.id == item.id, FollowUp.fence == item.fence, FollowUp.status == "sending")
            .values(**values).execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def _commit_fenced(self, item: Claimed, **values) -> bool:
        ok = self._fenced(item, **values)
        db.session.commit()
        return ok

    # -- caps -------------------------------------------------------------------------------
    def _load_caps(self, owner_ids: set[int], now: datetime) -> dict[int, list]:
        """Per owner: [sent in the last hour, oldest of those, sent in the last day, oldest of those]."""
        caps = {}
        for owner_id in owner_ids:
            row = []
            for window in (timedelta(hours=1), timedelta(days=1)):
                count, oldest = db.session.execute(
                    select(func.count(), func.min(FollowUp.sent_at))
                    .where(FollowUp.owner_id == owner_id, FollowUp.status == "sent",
                           FollowUp.sent_at > now - window, FollowUp.is_sent_by_hand.is_(False))
                ).one()
                row += [count, oldest]
            caps[owner_id] = row
        return caps

    def _cap_wait(self, caps: list, now: datetime) -> datetime | None:
        """When the user's hourly or daily cap is reached, the time a slot frees up; else None."""
        hour_count, hour_oldest, day_count, day_oldest = caps
        if hour_count >= self.per_hour:
            return (hour_oldest or now) + timedelta(hours=1)
        if day_count >= self.per_day:
            return (day_oldest or now) + timedelta(days=1)
        return None

    # -- sending ----------------------------------------------------------------------------
    def send_batch(self, transport, items: list[Claimed], stats: Stats) -> None:
        caps = self._load_caps({item.owner_id for item in items}, self.clock())
        db.session.commit()
        for item in items:
            self._send_one(transport, item, caps[item.owner_id], stats)

    def _send_one(self, transport, item: Claimed, caps: list, stats: Stats) -> None:
        now = self.clock()
        wait_until = self._cap_wait(caps, now)
        if wait_until is not None:
            self._commit_fenced(item, status="queued", send_after=wait_until, lease_owner="",
                                last_error="Held back: the hourly or daily sending limit was reached.")
            stats.deferred += 1
            return

        def before_data() -> bool:
            stamp = self.clock()
            return self._commit_fenced(item, data_started_at=stamp, lease_expires_at=stamp + self.lease)

        try:
            reply = transport.send(self.sender, item.to, item.mime, before_data)
        except LeaseLost:
            stats.lost += 1
            return
        except TemporaryFailure as exc:
            attempts = item.attempts + 1
            if attempts >= self.max_attempts:
                self._commit_fenced(item, status="failed", attempts=attempts, lease_owner="",
                                    last_error=f"Gave up after {attempts} attempts: {exc}")
                stats.failed += 1
            else:
                self._commit_fenced(item, status="queued", attempts=attempts, lease_owner="",
                                    send_after=self.clock() + backoff(attempts), last_error=str(exc))
                stats.retried += 1
            return
        except PermanentFailure as exc:
            self._commit_fenced(item, status="failed", attempts=item.attempts + 1, lease_owner="",
                                last_error=str(exc))
            stats.failed += 1
            return
        except UncertainDelivery as exc:
            self._commit_fenced(item, status="unknown", attempts=item.attempts + 1, lease_owner="",
                                last_error=f"{UNKNOWN_NOTE} ({exc})")
            stats.unknown += 1
            return
        sent_at = self.clock()
        if self._fenced(item, status="sent", sent_at=sent_at, attempts=item.attempts + 1, lease_owner="",
                        last_error=""):
            db.session.add(Interaction(owner_id=item.owner_id, contact_id=item.contact_id, kind="email",
                                       occurred_at=sent_at, follow_up_id=item.id,
                                       note=reply[:200]))
            stats.sent += 1
            caps[0] += 1
            caps[2] += 1
            caps[1] = caps[1] or sent_at
            caps[3] = caps[3] or sent_at
        db.session.commit()

    # -- loops ------------------------------------------------------------------------------
    def run_once(self) -> Stats:
        """Send everything due now, batch after batch, then return."""
        stats = Stats()
        transport = None
        try:
            while True:
                items = self.claim()
                if not items:
                    return stats
                stats.claimed += len(items)
                if transport is None:  # one connection for the whole pass, opened only when needed
                    transport = self._transport or open_transport(
                        self.config["MAIL_URL"], timeout=float(self.config.get("MAIL_TIMEOUT", 30)))
                self.send_batch(transport, items, stats)
        finally:
            if transport is not None and self._transport is None:
                transport.close()

    def run_forever(self, *, poll_seconds: float = 5.0, should_stop=lambda: False) -> None:
        while not should_stop():
            try:
                stats = self.run_once()
                if stats.claimed:
                    log.info("follow-ups: %s", stats)
            except Exception:  # the database or mail server may be down; keep the worker alive
                log.exception("follow-up worker pass failed; retrying")
                db.session.rollback()
            deadline = time.monotonic() + poll_seconds
            while time.monotonic() < deadline and not should_stop():
                time.sleep(0.2)
