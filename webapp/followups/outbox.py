"""The outbox the sender works from: claims with leases and fencing tokens, the sending caps, the
backoff, and a batch's writes to its rows.

Claims: PostgreSQL locks rows with `FOR UPDATE SKIP LOCKED`; SQLite takes the database's write
lock with `BEGIN IMMEDIATE` (SQLAlchemy drops SKIP LOCKED there silently). A claim bumps the
row's fencing token; every later write carries it, so a worker whose lease was taken over
changes nothing. Just before the message data goes out the row is stamped `data_started_at`: a
worker that dies before the stamp has its row reclaimed and sent again; one that dies after it
leaves the row `unknown` ("may have been sent"), which is never resent automatically.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.engine import Engine

from webapp.db import UTCDateTime
from webapp.db_setup import begin_write
from webapp.extensions import db
from webapp.followups import sent
from webapp.followups.models import FollowUp
from webapp.i18n import N_

#: stored as the follow-up's last_error; pages show it translated (tr_error)
UNKNOWN_NOTE = N_("The sender stopped after handing this message to the mail server, so it may have been "
                  "sent. It is not resent automatically; check your Sent mail or the recipient, then resend.")
CAPPED_NOTE = "Held back: the hourly or daily sending limit was reached."


@dataclass
class Claimed:
    id: int
    fence: int
    owner_id: int
    contact_id: int
    to: str
    mime: bytes
    attempts: int


CLAIMED_COLUMNS = (FollowUp.id, FollowUp.fence, FollowUp.owner_id, FollowUp.contact_id, FollowUp.to,
                   FollowUp.mime, FollowUp.attempts)


def due(now: datetime):
    """Queued rows whose time has come, and rows abandoned before their data was sent."""
    return or_(and_(FollowUp.status == "queued", FollowUp.send_after <= now),
               and_(FollowUp.status == "sending", FollowUp.lease_expires_at < now,
                    FollowUp.data_started_at.is_(None)))


def take(ids, worker_id: str, now: datetime, lease: timedelta):
    """The UPDATE that makes rows this worker's: sending, a new fencing token, a lease."""
    return (update(FollowUp).where(FollowUp.id.in_(ids))
            .values(status="sending", fence=FollowUp.fence + 1, lease_owner=worker_id,
                    lease_expires_at=now + lease, data_started_at=None))


def claim(worker_id: str, now: datetime, lease: timedelta, batch_size: int) -> list[Claimed]:
    """Take up to a batch of due rows, in the order they became due; rows abandoned after their
    data began turn `unknown` first (they may have been sent)."""
    begin_write()
    try:
        conn = db.session.connection()  # Core statements: the ORM adds nothing here but cost
        conn.execute(update(FollowUp)
                     .where(FollowUp.status == "sending", FollowUp.lease_expires_at < now,
                            FollowUp.data_started_at.is_not(None))
                     .values(status="unknown", fence=FollowUp.fence + 1, lease_owner="", last_error=UNKNOWN_NOTE))
        query = select(FollowUp.id).where(due(now)).order_by(FollowUp.send_after, FollowUp.id).limit(batch_size)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(conn.scalars(query))
        rows = conn.execute(take(ids, worker_id, now, lease).returning(*CLAIMED_COLUMNS)).all() if ids else []
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    order = {row_id: position for position, row_id in enumerate(ids)}  # RETURNING keeps no order
    return [Claimed(*row) for row in sorted(rows, key=lambda row: order[row.id])]


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


def _load_caps(owner_ids: set[int], now: datetime) -> dict[int, list]:
    """Per owner: [sent in the last hour, oldest of those, sent in the last day, oldest of those]
    (one pass over the day's rows for both windows; by hand does not count)."""
    caps = {}
    in_hour = FollowUp.sent_at > now - timedelta(hours=1)
    for owner_id in owner_ids:
        day_count, day_oldest, hour_count, hour_oldest = db.session.execute(
            select(func.count(), func.min(FollowUp.sent_at),
                   func.coalesce(func.sum(case((in_hour, 1), else_=0)), 0),
                   func.min(case((in_hour, FollowUp.sent_at))))
            .where(FollowUp.owner_id == owner_id, FollowUp.status == "sent",
                   FollowUp.sent_at > now - timedelta(days=1), FollowUp.is_sent_by_hand.is_(False))
        ).one()
        caps[owner_id] = [hour_count, hour_oldest, day_count, day_oldest]
    db.session.commit()
    return caps


def _cap_wait(caps: list, now: datetime, per_hour: int, per_day: int) -> datetime | None:
    """When the user's hourly or daily cap is reached, the time a slot frees up; else None."""
    hour_count, hour_oldest, day_count, day_oldest = caps
    if hour_count >= per_hour:
        return (hour_oldest or now) + timedelta(hours=1)
    if day_count >= per_day:
        return (day_oldest or now) + timedelta(days=1)
    return None


class Caps:
    """The per-user hourly and daily caps over one batch: loaded once, counted as messages go."""

    def __init__(self, owner_ids: set[int], now: datetime, *, per_hour: int, per_day: int):
        self.counts = _load_caps(owner_ids, now)
        self.per_hour, self.per_day = per_hour, per_day

    def wait_until(self, owner_id: int, now: datetime) -> datetime | None:
        return _cap_wait(self.counts[owner_id], now, self.per_hour, self.per_day)

    def count(self, owner_id: int, at: datetime) -> None:
        caps = self.counts[owner_id]
        caps[0] += 1
        caps[2] += 1
        caps[1] = caps[1] or at
        caps[3] = caps[3] or at


#: the stamp: the data is about to go out (see the module's docstring)
STAMP = (update(FollowUp).where(FollowUp.id == bindparam("row_id"), sent.FENCED)
         .values(data_started_at=bindparam("at", type_=UTCDateTime()),
                 lease_expires_at=bindparam("lease", type_=UTCDateTime()),
                 updated_at=bindparam("at", type_=UTCDateTime())))


class Writes:
    """A batch's writes to its rows, each committed at once, on one connection of its own, so no
    lock is held while the mail server is talking. The two made for every message, the stamp and
    "sent", are plain DB-API calls on statements compiled once: through SQLAlchemy each cost about
    four times the database's own work (bench/outbox.py). Every other write (`settle`: a retry, a
    failure, a hold) is an ordinary fenced UPDATE."""

    def __init__(self, engine: Engine):
        self.conn = engine.connect()
        self.sqlite = self.conn.dialect.name == "sqlite"
        if not self.sqlite:  # psycopg: each statement commits by itself unless told otherwise
            self.conn = self.conn.execution_options(isolation_level="AUTOCOMMIT")
        self.dbapi = self.conn.connection.dbapi_connection
        self.stamp_sql = sent.Raw(self.conn.dialect, STAMP)
        self.sent_sql = sent.raw_sent(self.conn.dialect)

    def settle(self, item: Claimed, **values) -> bool:
        ok = fenced_update(self.conn, item, **values)
        self.conn.commit()
        return ok

    def stamp(self, item: Claimed, at: datetime, lease_until: datetime) -> bool:
        """Committed (on PostgreSQL synchronously) before the data goes out: a crash from here on
        leaves the row "unknown", never resent."""
        [(sql, params)] = self.stamp_sql.bound({"at": at, "lease": lease_until, "row_id": item.id, "token": item.fence})
        cursor = self.dbapi.cursor()
        try:
            cursor.execute(sql, params)  # a transaction of its own, in one round trip
            return cursor.rowcount == 1
        finally:
            cursor.close()

    def sent(self, item: Claimed, at: datetime, reply: str) -> bool:
        """The row is sent, logged and the contact touched (sent.py), in one transaction, unless the
        row was taken over meanwhile: then nothing is written."""
        row, *rest = self.sent_sql.bound(sent.params(item.id, at, reply, tried=1, by_hand=False, token=item.fence))
        cursor = self.dbapi.cursor()
        try:
            if self.sqlite:
                ok = self._sent(cursor, row, rest)
            else:  # two round trips, and no wait for the WAL flush: a lost "sent" leaves the row
                with self.dbapi.pipeline() as pipeline:  # stamped, "unknown", never resent
                    ok = self._sent(cursor, row, rest, pipeline, "SET LOCAL synchronous_commit TO OFF")
        except BaseException:
            self.dbapi.rollback()  # a failed statement leaves the transaction open and aborted
            raise
        finally:
            cursor.close()
        return ok

    @staticmethod
    def _sent(cursor, row, rest, pipeline=None, *settings) -> bool:
        cursor.execute("BEGIN")
        for setting in settings:
            cursor.execute(setting)
        cursor.execute(*row)
        if pipeline is not None:
            pipeline.sync()
        ok = cursor.rowcount == 1
        if ok:
            for statement in rest:
                cursor.execute(*statement)
        cursor.execute("COMMIT")
        return ok

    def close(self) -> None:
        self.conn.close()
