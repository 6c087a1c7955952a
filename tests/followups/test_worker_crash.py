"""The sender as it runs in production — `flask --app wsgi followups worker` subprocesses — against
a real SMTP server on loopback: killed with SIGKILL mid-run it loses nothing and sends nothing
twice (except what it marks `unknown`), and concurrent workers send each message exactly once."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from tests.conftest import build_app, make_user
from tests.followups.smtp_server import SmtpSink, make_queued, smtp_sink  # noqa: F401  (a fixture)
from webapp.contacts.models import Interaction
from webapp.db import utcnow
from webapp.extensions import db
from webapp.followups.models import FollowUp

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
MAIL_FROM = "followups@ichigo.test"
FINAL = ("sent", "failed", "cancelled", "unknown")


@pytest.fixture
def app(backend, tmp_path):
    app = build_app(backend, tmp_path, MAIL_FROM=MAIL_FROM)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def sink(smtp_sink):
    return smtp_sink


class Workers:
    """Worker subprocesses, each logging to a file; all of them killed and reaped on exit."""

    def __init__(self, app, sink: SmtpSink, tmp_path: Path, *, command=("-m", "flask", "--app", "wsgi",
                                                                        "followups", "worker"), **env):
        self.command = [sys.executable, *command, "--poll", "0.2"]
        self.env = {
            **os.environ,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "MAIL_URL": sink.url,
            "MAIL_FROM": MAIL_FROM,
            "MAIL_TIMEOUT": "10",
            "SECRET_KEY": "worker-test",
            "FOLLOWUP_MAX_PER_HOUR": "100000",  # these tests are about delivery, not the caps
            "FOLLOWUP_MAX_PER_DAY": "100000",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.tmp_path = tmp_path
        self.procs: list[tuple[subprocess.Popen, object, Path]] = []

    def start(self) -> subprocess.Popen:
        log_path = self.tmp_path / f"worker-{len(self.procs)}.log"
        log = log_path.open("wb")
        proc = subprocess.Popen(
            self.command,
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.procs.append((proc, log, log_path))
        return proc

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Until every worker has started its loop (it prints its banner first)."""
        deadline = time.monotonic() + timeout
        for proc, _log, path in self.procs:
            while b"Follow-up worker" not in path.read_bytes():
                assert proc.poll() is None, f"worker exited early:\n{self.logs()}"
                assert time.monotonic() < deadline, f"workers did not start:\n{self.logs()}"
                time.sleep(0.05)

    def sent_per_worker(self) -> list[int]:
        """From each worker's log: how many follow-ups it marked sent (it logs Stats per pass)."""
        return [sum(int(n) for n in re.findall(rb"Stats\(claimed=\d+, sent=(\d+)", path.read_bytes()))
                for _proc, _log, path in self.procs]

    def logs(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
                         for _proc, _log, path in self.procs)

    def stop_all(self) -> None:
        for proc, _log, _path in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc, log, _path in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop_all()


def statuses() -> Counter:
    db.session.expire_all()
    counts = Counter(dict(db.session.execute(select(FollowUp.status, func.count()).group_by(FollowUp.status)).all()))
    db.session.commit()
    return counts


def wait_until_drained(workers: Workers, total: int, timeout: float) -> Counter:
    deadline = time.monotonic() + timeout
    while True:
        counts = statuses()
        if sum(counts[s] for s in FINAL) == total:
            return counts
        if time.monotonic() > deadline:
            raise AssertionError(f"queue not drained after {timeout}s: {dict(counts)}\n{workers.logs()}")
        time.sleep(0.1)


def rows_by_message_id() -> dict[str, FollowUp]:
    db.session.expire_all()
    rows = {row.message_id: row for row in db.session.scalars(select(FollowUp))}
    db.session.commit()
    return rows


def test_sigkill_mid_run_loses_nothing_and_sends_nothing_twice(app, sink, tmp_path):
    owner = make_user()
    make_queued(owner, 200)
    sink.hold_reply(55)  # the 55th message is in, but its 250 is held: the worker dies waiting for it
    with Workers(app, sink, tmp_path, FOLLOWUP_LEASE_SECONDS="2") as workers:
        first = workers.start()
        if not sink.held.wait(timeout=45):
            raise AssertionError(f"the worker never got to 55 messages\n{workers.logs()}")
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
        killed_at = utcnow()
        sink.release.set()
        at_kill = statuses()
        assert at_kill["sent"] == 54, dict(at_kill)
        in_flight = sink.delivered[54].message_id  # its data is in, its 250 never arrived
        stranded = {row.message_id: row.lease_expires_at for row in db.session.scalars(  # claimed, not begun
            select(FollowUp).where(FollowUp.status == "sending", FollowUp.data_started_at.is_(None)))}
        db.session.commit()
        assert stranded, "the dead worker held no claimed rows: nothing to prove about its lease"

        workers.start()  # at once: it must leave the dead worker's rows alone until their lease expires
        counts = wait_until_drained(workers, 200, timeout=60)

    rows = rows_by_message_id()
    delivered = Counter(r.message_id for r in sink.delivered)
    unknown = {mid for mid, row in rows.items() if row.status == "unknown"}
    assert set(counts) <= {"sent", "unknown"}, dict(counts)  # every message reached a final state
    assert set(delivered) | unknown == set(rows)  # none lost
    assert set(delivered) <= set(rows)
    twice = {mid for mid, n in delivered.items() if n > 1}
    assert twice <= unknown, twice  # a Message-ID twice only where the row says "may have been sent"
    assert not twice, twice  # (and in fact not even that one was resent)
    assert unknown == {in_flight}  # only what was in flight at the kill is uncertain
    assert rows[in_flight].data_started_at <= killed_at
    sent = {mid for mid, row in rows.items() if row.status == "sent"}
    assert all(delivered[mid] == 1 for mid in sent) and len(sent) == 199
    assert db.session.scalar(select(func.count()).select_from(Interaction)) == 199
    for mid, lease_expires_at in stranded.items():  # taken over, but only once the lease had run out
        assert rows[mid].status == "sent" and delivered[mid] == 1
        assert rows[mid].sent_at >= lease_expires_at
    assert all(at <= killed_at + timedelta(seconds=2) for at in stranded.values())  # the 2 s lease


def _race(app, sink, tmp_path, n_workers: int, **options) -> tuple[Counter, Counter, list[int]]:
    """500 messages become due at one instant in front of n idle workers; returns the statuses,
    how often each Message-ID reached the server, and how many each worker marked sent."""
    with Workers(app, sink, tmp_path, **options) as workers:
        for _ in range(n_workers):
            workers.start()
        make_queued(make_user(), 500, send_after=utcnow() + timedelta(hours=1))  # while they boot
        workers.wait_ready()
        time.sleep(0.5)  # all of them in their polling loop
        db.session.execute(update(FollowUp).values(send_after=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        counts = wait_until_drained(workers, 500, timeout=60)
    # stopped (SIGTERM: each finishes its batch and logs its pass), so the logs are complete
    return counts, Counter(r.message_id for r in sink.attempts), workers.sent_per_worker()


def n_workers_for(app) -> int:
    return 4 if db.engine.dialect.name == "postgresql" else 2


def test_concurrent_workers_send_each_message_exactly_once(app, sink, tmp_path):
    counts, delivered, sent_by = _race(app, sink, tmp_path, n_workers_for(app))
    assert counts == Counter(sent=500), dict(counts)
    assert len(delivered) == 500 and set(delivered.values()) == {1}
    assert set(delivered) == set(rows_by_message_id())
    assert sum(sent_by) == 500 and sum(1 for n in sent_by if n) >= 2, sent_by  # the work really was shared
    assert db.session.scalar(select(func.count()).select_from(Interaction)) == 500


def test_the_concurrency_test_catches_a_claim_without_locks(app, sink, tmp_path):
    """The test above can fail: with the claim's locking taken out, messages go out twice."""
    counts, delivered, sent_by = _race(app, sink, tmp_path, n_workers_for(app),
                                       command=("-m", "tests.followups.unsafe_worker"))  # its claim takes no locks
    twice = [mid for mid, n in delivered.items() if n > 1]
    assert twice, f"no duplicates without locks: {dict(counts)}, sent per worker {sent_by}"
    assert sum(sent_by) > 500  # the workers' own counts say so too
