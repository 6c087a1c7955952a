"""The sender: claims due follow-ups, sends each at most once, and records its fate.

Claims: PostgreSQL locks rows with `FOR UPDATE SKIP LOCKED`; SQLite takes the database's write
lock with `BEGIN IMMEDIATE` (SQLAlchemy drops SKIP LOCKED there silently). A claim bumps the
row's fencing token; every later write carries it, so a worker whose lease was taken over
changes nothing. Just before the message data goes out the row is stamped `data_started_at`: a
worker that dies before the stamp has its row reclaimed and sent again; one that dies after it
leaves the row `unknown` ("may have been sent"), which is never resent automatically.

The worker's own writes wait for no reply: a message's "sent" is written while the server answers
the next message's MAIL, and the stamp while it answers DATA (before any content goes out), so a
crash leaves exactly what it always did, the message in flight "unknown" and every earlier one sent.
"""
from __future__ import annotations

import logging
import os
import random
import re
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.engine import Engine

from webapp.contacts.models import Interaction
from webapp.contacts.touches import CHANNEL_COLUMNS
from webapp.db import UTCDateTime, utcnow
from webapp.db_setup import begin_write
from webapp.extensions import db
from webapp.followups.compose import UnsafeHeader, verify_message
from webapp.followups.models import FollowUp
from webapp.followups.transport import (LeaseLost, PermanentFailure, TemporaryFailure, UncertainDelivery,
                                        open_transport)
from webapp.i18n import N_

log = logging.getLogger(__name__)
#: stored as the follow-up's last_error; pages show it translated (tr_error)
UNKNOWN_NOTE = N_("The sender stopped after handing this message to the mail server, so it may have been "
                  "sent. It is not resent automatically; check your Sent mail or the recipient, then resend.")
UNSAFE_NOTE = N_("Not sent: this message's headers are not the ones Ichigo writes (it was composed by an older "
                 "version, or altered). Check the contact's name, address and the subject, then resend.")


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


def fenced_update(conn, item: Claimed, **values) -> bool:
    """Write to a claimed row only while this worker still holds it (same fencing token); `conn` is
    a Connection or the session. The caller commits."""
    result = conn.execute(
        update(FollowUp)
        .where(FollowUp.id == item.id, FollowUp.fence == item.fence, FollowUp.status == "sending")
        .values(**values).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def backoff(attempts: int, *, base: float = 60.0, cap: float = 3600.0) -> timedelta:
    """Exponential backoff with jitter: about 1, 2, 4 … minutes, at most an hour, never in lockstep."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=random.uniform(delay / 2, delay))


class _BatchWrites:
    """A batch's writes to its rows, each committed at once, on one connection of its own.

    The two made for every message, the stamp before its content goes out and "sent" plus the
    logged touch once the server said 250, are plain DB-API calls: through SQLAlchemy each cost about four
    times the database's own work, and with the mail server on loopback that was most of what the
    worker added per message (bench/outbox.py). Their SQL is fixed below; dates go through the
    column type's own bind processor, so they are stored exactly as the ORM stores them. Every
    other write is an ordinary fenced UPDATE through SQLAlchemy. Nothing is left open between
    writes, so no lock is held while the mail server is talking; and the two are made while the
    server is busy with a command (SmtpTransport.send), so the sender does not wait for them."""

    STAMP = (f"UPDATE {FollowUp.__tablename__} SET data_started_at = :at, lease_expires_at = :lease, "
             "updated_at = :at WHERE id = :id AND fence = :fence AND status = 'sending'")
    SENT = (f"UPDATE {FollowUp.__tablename__} SET status = 'sent', sent_at = :at, attempts = :attempts, "
            "lease_owner = '', last_error = '', updated_at = :at "
            "WHERE id = :id AND fence = :fence AND status = 'sending'")
    LOG = (f"INSERT INTO {Interaction.__tablename__} "
           "(owner_id, contact_id, kind, occurred_at, note, follow_up_id, created_at) "
           "VALUES (:owner_id, :contact_id, 'email', :at, :note, :id, :at)")
    #: the contact's last email, which resets its email rhythm (webapp/relationships/touches.py)
    TOUCH = (f"UPDATE contacts SET {CHANNEL_COLUMNS['email']} = :at WHERE id = :contact_id "
             f"AND ({CHANNEL_COLUMNS['email']} IS NULL OR {CHANNEL_COLUMNS['email']} < :at)")

    #: PostgreSQL: the three in one statement (data-modifying WITH), sent in one round trip
    SENT_LOGGED = (f"WITH s AS ({SENT} RETURNING id, owner_id, contact_id), "
                   f"l AS (INSERT INTO {Interaction.__tablename__} "
                   "(owner_id, contact_id, kind, occurred_at, note, follow_up_id, created_at) "
                   "SELECT owner_id, contact_id, 'email', :at, :note, id, :at FROM s WHERE contact_id IS NOT NULL), "
                   f"t AS (UPDATE contacts SET {CHANNEL_COLUMNS['email']} = :at "
                   "WHERE id = (SELECT contact_id FROM s) "
                   f"AND ({CHANNEL_COLUMNS['email']} IS NULL OR {CHANNEL_COLUMNS['email']} < :at)) "
                   "SELECT count(*) FROM s")

    def __init__(self, engine: Engine):
        self.pending: tuple[Claimed, datetime, str] | None = None
        self.conn = engine.connect()
        self.sqlite = self.conn.dialect.name == "sqlite"
        if self.sqlite:  # sqlite3 takes :name; the connection runs in autocommit mode (db_setup)
            self.sql = {"stamp": self.STAMP, "sent": self.SENT, "log": self.LOG, "touch": self.TOUCH}
        else:  # psycopg takes %(name)s; each statement commits by itself unless told otherwise
            self.conn = self.conn.execution_options(isolation_level="AUTOCOMMIT")
            self.sql = {key: re.sub(r":(\w+)", r"%(\1)s", sql)
                        for key, sql in (("stamp", self.STAMP), ("sent", self.SENT_LOGGED))}
        self.dbapi = self.conn.connection.dbapi_connection
        self.to_db = UTCDateTime().bind_processor(self.conn.dialect) or (lambda value: value)

    def fenced(self, item: Claimed, **values) -> bool:
        ok = fenced_update(self.conn, item, **values)
        self.conn.commit()
        return ok

    def stamp(self, item: Claimed, at: datetime, lease_until: datetime) -> bool:
        """Committed (on PostgreSQL synchronously) before the data goes out: a crash from here on
        leaves the row "unknown", never resent."""
        params = {"at": self.to_db(at), "lease": self.to_db(lease_until), "id": item.id, "fence": item.fence}
        cursor = self.dbapi.cursor()
        try:
            cursor.execute(self.sql["stamp"], params)  # a transaction of its own, in one round trip
            return cursor.rowcount == 1
        finally:
            cursor.close()

    def sent(self, item: Claimed, at: datetime, reply: str) -> bool:
        """The row is sent and the touch logged, in one transaction (unless the row was taken over
        meanwhile: then nothing is written)."""
        params = {"at": self.to_db(at), "id": item.id, "fence": item.fence, "attempts": item.attempts + 1,
                  "owner_id": item.owner_id, "contact_id": item.contact_id, "note": reply[:200]}
        if not self.sqlite:
            return self._sent_postgresql(params)
        cursor = self.dbapi.cursor()
        try:
            cursor.execute("BEGIN")
            cursor.execute(self.sql["sent"], params)
            ok = cursor.rowcount == 1
            if ok and item.contact_id is not None:  # a touch on the contact (a digest has none)
                cursor.execute(self.sql["log"], params)
                cursor.execute(self.sql["touch"], params)
            cursor.execute("COMMIT")
        except BaseException:
            self.dbapi.rollback()
            raise
        finally:
            cursor.close()
        return ok

    def _sent_postgresql(self, params: dict) -> bool:
        """One statement, and its transaction, in one round trip (a psycopg pipeline). It need not
        wait for its own WAL flush: lost in a database crash, the row would stay stamped, i.e.
        "unknown", never resent; and the next stamp's synchronous commit flushes it anyway."""
        cursor, counted = self.dbapi.cursor(), self.dbapi.cursor()
        try:
            with self.dbapi.pipeline():  # plain BEGIN/COMMIT: transaction() would add round trips
                cursor.execute("BEGIN")
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                counted.execute(self.sql["sent"], params)
                cursor.execute("COMMIT")
            return counted.fetchone()[0] == 1
        except BaseException:
            self.dbapi.rollback()  # a failed statement leaves the transaction open and aborted
            raise
        finally:
            cursor.close()
            counted.close()

    def sent_later(self, item: Claimed, at: datetime, reply: str) -> None:
        """Note a 250; `flush` writes it. The worker flushes while the server answers the next
        MAIL, and always before the next stamp and at the end of the batch: the order of commits
        stays sent(n), stamp(n + 1). A crash before the flush leaves the row stamped: "unknown",
        never resent, as a crash just after the 250 always did."""
        if self.pending is not None:
            raise RuntimeError("the previous message's sent write was not flushed")
        self.pending = (item, at, reply)

    def flush(self) -> int:
        """Write the noted 250, if any; 1 if the row was ours and is now sent, else 0."""
        if self.pending is None:
            return 0
        item, at, reply = self.pending
        self.pending = None
        return int(self.sent(item, at, reply))

    def close(self) -> None:
        self.conn.close()


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
            conn = db.session.connection()  # Core statements: the ORM adds nothing here but cost
            conn.execute(  # abandoned after the data began: may have been sent
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
            ids = list(conn.scalars(self._lock(
                select(FollowUp.id).where(due).order_by(FollowUp.send_after, FollowUp.id).limit(self.batch_size))))
            if not ids:
                db.session.commit()
                return []
            rows = conn.execute(
                update(FollowUp).where(FollowUp.id.in_(ids))
                .values(status="sending", fence=FollowUp.fence + 1, lease_owner=self.worker_id,
                        lease_expires_at=now + self.lease, data_started_at=None)
                .returning(FollowUp.id, FollowUp.fence, FollowUp.owner_id, FollowUp.contact_id, FollowUp.to,
                           FollowUp.mime, FollowUp.attempts)
            ).all()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        order = {row_id: position for position, row_id in enumerate(ids)}  # RETURNING keeps no order
        return [Claimed(*row) for row in sorted(rows, key=lambda row: order[row.id])]

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
    def _commit_fenced(self, item: Claimed, **values) -> bool:
        ok = fenced_update(db.session, item, **values)
        db.session.commit()
        return ok

    # -- caps -------------------------------------------------------------------------------
    def _load_caps(self, owner_ids: set[int], now: datetime) -> dict[int, list]:
        """Per owner: [sent in the last hour, oldest of those, sent in the last day, oldest of those]
        (one pass over the day's rows for both windows)."""
        caps = {}
        hour_ago = now - timedelta(hours=1)
        in_hour = FollowUp.sent_at > hour_ago
        for owner_id in owner_ids:
            day_count, day_oldest, hour_count, hour_oldest = db.session.execute(
                select(func.count(), func.min(FollowUp.sent_at),
                       func.coalesce(func.sum(case((in_hour, 1), else_=0)), 0),
                       func.min(case((in_hour, FollowUp.sent_at))))
                .where(FollowUp.owner_id == owner_id, FollowUp.status == "sent",
                       FollowUp.sent_at > now - timedelta(days=1), FollowUp.is_sent_by_hand.is_(False))
            ).one()
            caps[owner_id] = [hour_count, hour_oldest, day_count, day_oldest]
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
        writes = _BatchWrites(db.engine)
        try:
            for item in items:
                self._send_one(writes, transport, item, caps[item.owner_id], stats)
        finally:
            try:
                stats.sent += writes.flush()
            finally:
                writes.close()

    def _send_one(self, writes: _BatchWrites, transport, item: Claimed, caps: list, stats: Stats) -> None:
        now = self.clock()
        wait_until = self._cap_wait(caps, now)
        if wait_until is not None:
            writes.fenced(item, status="queued", send_after=wait_until, lease_owner="",
                          last_error="Held back: the hourly or daily sending limit was reached.")
            stats.deferred += 1
            return

        try:  # a message stored by older code (or altered) whose headers are not compose's own
            verify_message(item.mime)
        except UnsafeHeader as exc:
            log.warning("follow-up %s not sent: %s", item.id, exc)
            writes.fenced(item, status="failed", attempts=item.attempts, lease_owner="", last_error=UNSAFE_NOTE)
            stats.failed += 1
            return

        def before_data() -> bool:
            stamp = self.clock()
            return writes.stamp(item, stamp, stamp + self.lease)

        def meanwhile() -> None:  # the previous message's "sent", while the server answers MAIL
            stats.sent += writes.flush()

        try:
            reply = transport.send(self.sender, item.to, item.mime, before_data, meanwhile)
        except LeaseLost:
            stats.lost += 1
            return
        except TemporaryFailure as exc:
            attempts = item.attempts + 1
            if attempts >= self.max_attempts:
                writes.fenced(item, status="failed", attempts=attempts, lease_owner="",
                              last_error=f"Gave up after {attempts} attempts: {exc}")
                stats.failed += 1
            else:
                writes.fenced(item, status="queued", attempts=attempts, lease_owner="",
                              send_after=self.clock() + backoff(attempts), last_error=str(exc))
                stats.retried += 1
            return
        except PermanentFailure as exc:
            writes.fenced(item, status="failed", attempts=item.attempts + 1, lease_owner="", last_error=str(exc))
            stats.failed += 1
            return
        except UncertainDelivery as exc:
            writes.fenced(item, status="unknown", attempts=item.attempts + 1, lease_owner="",
                          last_error=f"{UNKNOWN_NOTE} ({exc})")
            stats.unknown += 1
            return
        finally:
            meanwhile()  # in case the transport did not get to it
        sent_at = self.clock()
        writes.sent_later(item, sent_at, reply)  # written while the server answers the next MAIL
        caps[0] += 1
        caps[2] += 1
        caps[1] = caps[1] or sent_at
        caps[3] = caps[3] or sent_at

    # -- loops ------------------------------------------------------------------------------
    def run_once(self, should_stop=lambda: False) -> Stats:
        """Send everything due now, batch after batch, then return; asked to stop, return once the
        batch in hand is done (the rest stays queued, unclaimed, for the next worker)."""
        stats = Stats()
        transport = None
        try:
            while not should_stop():
                items = self.claim()
                if not items:
                    return stats
                stats.claimed += len(items)
                if transport is None:  # one connection for the whole pass, opened only when needed
                    transport = self._transport or open_transport(
                        self.config["MAIL_URL"], timeout=float(self.config.get("MAIL_TIMEOUT", 30)))
                self.send_batch(transport, items, stats)
            return stats
        finally:
            if transport is not None and self._transport is None:
                transport.close()

    def run_forever(self, *, poll_seconds: float = 5.0, should_stop=lambda: False) -> None:
        while not should_stop():
            try:
                stats = self.run_once(should_stop)
                if stats.claimed:
                    log.info("follow-ups: %s", stats)
            except Exception:  # the database or mail server may be down; keep the worker alive
                log.exception("follow-up worker pass failed; retrying")
                db.session.rollback()
            deadline = time.monotonic() + poll_seconds
            while not should_stop() and (left := deadline - time.monotonic()) > 0:
                time.sleep(min(0.2, left))  # a short --poll is honoured; a stop is noticed within 0.2 s
