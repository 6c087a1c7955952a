"""The sender: claims due follow-ups from the outbox, sends each at most once, and records its fate.

Per message: the caps, the headers checked once more, then the transport's MAIL and RCPT, the
stamp (outbox.Writes.stamp) before any content goes out, the content, and "sent" (sent.py). A
crash before the stamp leaves the row to be reclaimed and sent again; after it, "unknown".
"""
from __future__ import annotations

import logging
import os
import random
import socket
import time
from dataclasses import dataclass, field
from datetime import timedelta

from webapp.db import utcnow
from webapp.extensions import db
from webapp.followups import outbox
from webapp.followups.compose import UnsafeHeader, verify_message
from webapp.followups.outbox import UNKNOWN_NOTE, Claimed  # noqa: F401  (the worker's notes and rows)
from webapp.followups.transport import (LeaseLost, PermanentFailure, TemporaryFailure, UncertainDelivery,
                                        open_transport)
from webapp.i18n import N_

log = logging.getLogger(__name__)
#: stored as the follow-up's last_error; pages show it translated (tr_error)
UNSAFE_NOTE = N_("Not sent: this message's headers are not the ones Ichigo writes (it was composed by an older "
                 "version, or altered). Check the contact's name, address and the subject, then resend.")


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

    def claim(self) -> list[Claimed]:
        """Take up to a batch of due rows (and rows abandoned before their data was sent)."""
        return outbox.claim(self.worker_id, self.clock(), self.lease, self.batch_size)

    def send_batch(self, transport, items: list[Claimed], stats: Stats) -> None:
        caps = outbox.Caps({item.owner_id for item in items}, self.clock(), per_hour=self.per_hour,
                           per_day=self.per_day)
        writes = outbox.Writes(db.engine)
        try:
            for item in items:
                self._send_one(writes, transport, item, caps, stats)
        finally:
            writes.close()

    def _send_one(self, writes: outbox.Writes, transport, item: Claimed, caps: outbox.Caps, stats: Stats) -> None:
        wait_until = caps.wait_until(item.owner_id, self.clock())
        if wait_until is not None:
            writes.settle(item, status="queued", send_after=wait_until, lease_owner="", last_error=outbox.CAPPED_NOTE)
            stats.deferred += 1
            return
        try:  # a message stored by older code (or altered) whose headers are not compose's own
            verify_message(item.mime)
        except UnsafeHeader as exc:
            log.warning("follow-up %s not sent: %s", item.id, exc)
            writes.settle(item, status="failed", lease_owner="", last_error=UNSAFE_NOTE)
            stats.failed += 1
            return

        def before_data() -> bool:
            stamp = self.clock()
            return writes.stamp(item, stamp, stamp + self.lease)

        attempts = item.attempts + 1
        try:
            reply = transport.send(self.sender, item.to, item.mime, before_data)
        except LeaseLost:
            stats.lost += 1
        except TemporaryFailure as exc:
            if attempts >= self.max_attempts:
                writes.settle(item, status="failed", attempts=attempts, lease_owner="",
                              last_error=f"Gave up after {attempts} attempts: {exc}")
                stats.failed += 1
            else:
                writes.settle(item, status="queued", attempts=attempts, lease_owner="",
                              send_after=self.clock() + outbox.backoff(attempts), last_error=str(exc))
                stats.retried += 1
        except PermanentFailure as exc:
            writes.settle(item, status="failed", attempts=attempts, lease_owner="", last_error=str(exc))
            stats.failed += 1
        except UncertainDelivery as exc:
            writes.settle(item, status="unknown", attempts=attempts, lease_owner="",
                          last_error=f"{UNKNOWN_NOTE} ({exc})")
            stats.unknown += 1
        else:
            sent_at = self.clock()
            stats.sent += writes.sent(item, sent_at, reply)
            caps.count(item.owner_id, sent_at)

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
