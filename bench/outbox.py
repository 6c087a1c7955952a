"""Throughput benchmark of the follow-up sender: messages per second from queued to accepted.

    .venv/bin/python bench/outbox.py [--messages 2000] [--workers 1] [--users 1] [--database-url URL]
                                     [--scaling] [--rounds 1]

Creates a throw-away database (SQLite in a temporary directory unless --database-url is given),
migrates it with `flask --app wsgi db upgrade`, and queues --messages follow-ups through the app's
own services (captures at one event, `draft_for_event`, `approve_all`: the Message-ID and the MIME
are built as in production). An aiosmtpd sink in a subprocess on loopback counts what it accepts.

Each round: a raw smtplib loop sends the same pre-serialised messages over one reused connection
(one `sendmail` per message) to the sink; then the real worker(s), `flask --app wsgi followups
worker --poll 0.05` subprocesses already running, are timed from the moment the messages become due
(one UPDATE of send_after) until the sink has accepted all of them; every Message-ID must arrive
exactly once and every row end `sent`. A last raw run closes the bracket. Goal: one worker sends at
least 0.60 x the raw loop's rate (the mean of the raw runs around it). --scaling runs 1 and 4
workers (meant for PostgreSQL) and reports the scaling. The workers run with
FOLLOWUP_MAX_PER_HOUR/DAY raised to 10**9: by default one user sends all the messages, and the
per-user caps (30/hour by default) are not what is measured; --users shares them out.
Prints a table, then one JSON line. Exit status: 0 goal met, 1 goal missed (or a message lost or
sent twice), 2 the benchmark could not run.
"""
from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import re
import secrets
import signal
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.dont_write_bytecode = True  # leave no __pycache__ behind in bench/

from bench._common import LOOPBACK, format_table, free_port, unwind_on_signals  # noqa: E402

GOAL = 0.60
MAIL_FROM = "followups@bench.ichigo.test"
HIGH_CAP = str(10 ** 9)
#: the Message-ID header of a composed follow-up (never folded: `<24 hex digits@domain>`)
MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--messages", type=int, default=2000, help="follow-ups to queue and send (2000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes for the measured run (1)")
    p.add_argument("--scaling", action="store_true",
                   help="run 1 worker, then --scale-to workers, and report the scaling (use PostgreSQL)")
    p.add_argument("--scale-to", type=int, default=4, help="workers in the second --scaling run (4)")
    p.add_argument("--rounds", type=int, default=1,
                   help="repeat the worker run(s) this many times, each followed by a raw run (1)")
    p.add_argument("--database-url", help="use this database instead of a temporary SQLite file "
                   "(it is migrated; the seeded user and everything it owns is deleted afterwards)")
    p.add_argument("--users", type=int, default=1,
                   help="share the messages among this many users (1: one user sends them all)")
    p.add_argument("--poll", type=float, default=0.05, help="the workers' --poll seconds (0.05)")
    p.add_argument("--timeout", type=float, default=300, help="give up a run after this many seconds (300)")
    args = p.parse_args(argv)
    if min(args.messages, args.workers, args.scale_to, args.rounds, args.users) < 1:
        p.error("--messages, --workers, --scale-to, --rounds and --users must be at least 1")
    if args.users > args.messages:
        p.error("--users cannot exceed --messages")
    args.plan = [1, args.scale_to] if args.scaling else [args.workers]
    return args


# -- the SMTP sink (a subprocess, so it never shares a GIL with the sender it measures) -------------
class CountingHandler:
    """aiosmtpd handler: accepts every message and notes its Message-ID and the moment of the 250."""

    def __init__(self):
        self.cond = threading.Condition()
        self.ids: list[str] = []
        self.times: list[float] = []
        #: the count a "wait" is waiting for: only reaching it wakes the waiter. Waking it on every
        #: message cost the sink a thread switch per message, but only while a run was being
        #: waited for (the worker runs, not the raw loop, which is waited for once it is done).
        self.target = 0

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        found = MESSAGE_ID.search(data, 0, data.find(b"\r\n\r\n"))
        with self.cond:
            self.ids.append(found.group(1).decode("ascii", "replace") if found else "")
            self.times.append(time.monotonic())  # CLOCK_MONOTONIC is system-wide on Linux
            if len(self.ids) >= self.target:
                self.cond.notify_all()
        return "250 2.0.0 OK: queued"


def _sink_main(conn, port: int) -> None:
    """The sink process: aiosmtpd in a thread, commands from the bench over a pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the bench decides when we stop
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    from aiosmtpd.controller import Controller

    handler = CountingHandler()
    controller = Controller(handler, hostname=LOOPBACK, port=port)
    controller.start()
    try:
        conn.send(("ready", os.getpid()))
        while True:
            cmd, *rest = conn.recv()  # EOFError when the bench is gone: stop too
            if cmd == "reset":
                with handler.cond:
                    handler.ids.clear()
                    handler.times.clear()
                conn.send(True)
            elif cmd == "wait":  # until n accepted or timeout: (accepted so far, time of the n-th)
                n, timeout = rest
                with handler.cond:
                    handler.target = n
                    handler.cond.wait_for(lambda: len(handler.ids) >= n, timeout)
                    conn.send((len(handler.ids), handler.times[n - 1] if len(handler.ids) >= n else None))
            elif cmd == "ids":
                with handler.cond:
                    conn.send(list(handler.ids))
            elif cmd == "stop":
                return
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        controller.stop()


class Sink:
    def __init__(self):
        self.port = free_port()
        self.url = f"smtp://{LOOPBACK}:{self.port}"
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_sink_main, args=(child, self.port), daemon=True)

    def start(self) -> None:
        self.proc.start()
        try:
            if not self.conn.poll(30):
                raise RuntimeError("the SMTP sink did not start in 30 s")
            _, self.pid = self.conn.recv()
        except EOFError as exc:
            raise RuntimeError(f"the SMTP sink exited at start ({self.proc.exitcode})") from exc

    def call(self, *cmd):
        self.conn.send(cmd)
        return self.conn.recv()

    def cpu_seconds(self) -> float | None:
        return cpu_seconds(self.pid)

    def stop(self) -> None:
        if self.proc.is_alive():
            try:
                self.call("stop")
            except (OSError, EOFError):
                pass
            self.proc.join(10)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of one process so far (Linux /proc; else None)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the database -------------------------------------------------------------------------------
def migrate(env: dict) -> None:
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"db upgrade failed:\n{out.stderr or out.stdout}")


def create_owner() -> int:
    """The user who sends everything (Japanese locale, so the built-in ja template); its id."""
    from webapp.auth.services import create_user

    user = create_user(f"bench-outbox-{secrets.token_hex(6)}@example.org", secrets.token_urlsafe(16),
                       "Bench Tanaka", locale="ja")
    return user.id


def seed(owner_id: int, n: int) -> None:
    """A card, an event, n contacts met there, and n follow-ups drafted and approved through the
    app's services, so the MIME and the Message-ID are made as in production."""
    from webapp.auth.models import User
    from webapp.captures.schemas import CaptureIn
    from webapp.captures.services import capture_contact
    from webapp.db import utcnow
    from webapp.events.schemas import EventIn
    from webapp.events.services import create_event
    from webapp.extensions import db
    from webapp.followups import services as followups
    from webapp.profiles.schemas import ProfileIn
    from webapp.profiles.services import update_profile

    now = utcnow()
    user = db.session.get(User, owner_id)
    profile = update_profile(user, ProfileIn().load({"name": "田中 ベンチ",
                                                     "keyword": "AIと教育を掛け合わせる仕事をしています"}))
    event = create_event(user, EventIn().load({
        "name": "Bench meetup", "starts_at": (now - timedelta(hours=3)).isoformat(),
        "ends_at": (now - timedelta(hours=1)).isoformat()}))
    for i in range(n):
        raw = {"client_id": str(uuid.uuid4()), "event_id": event.id, "name": f"佐藤 花子 {i}",
               "email": f"hanako{i}@example.net", "company": "Example K.K.",
               "conversation": "教室でのAI活用について、採点の負担をどう減らすか話しました。",
               "needs": "小学校での試験導入の相談相手", "memorable": "青いスカーフ"}
        capture_contact(user, CaptureIn().load(raw), raw=raw, now=now)
        if (i + 1) % 500 == 0:
            print(f"  captured {i + 1}/{n}", file=sys.stderr)
    card_url = f"https://bench.ichigo.test/c/{profile.slug}"
    drafted = followups.draft_for_event(user, event.id, card_url=card_url, now=now)
    queued = followups.approve_all(user, now=now)
    if len(drafted.created) != n or queued != n:
        raise RuntimeError(f"seeding made {len(drafted.created)} drafts and queued {queued}, not {n}")


def hold(owner_ids: list[int]) -> None:
    """Every one of our follow-ups queued, due tomorrow, as if never sent (the start of a run)."""
    from sqlalchemy import delete, update

    from webapp.db import utcnow
    from webapp.extensions import db
    from webapp.contacts.models import Interaction
    from webapp.followups.models import FollowUp

    db.session.execute(delete(Interaction).where(Interaction.owner_id.in_(owner_ids)))
    db.session.execute(update(FollowUp).where(FollowUp.owner_id.in_(owner_ids)).values(
        status="queued", send_after=utcnow() + timedelta(days=1), attempts=0, sent_at=None,
        data_started_at=None, lease_owner="", lease_expires_at=None, last_error=""))
    db.session.commit()


def release(owner_ids: list[int]) -> None:
    """Make every one of our follow-ups due now: the moment the clock starts."""
    from sqlalchemy import update

    from webapp.db import utcnow
    from webapp.extensions import db
    from webapp.followups.models import FollowUp

    db.session.execute(update(FollowUp).where(FollowUp.owner_id.in_(owner_ids))
                       .values(send_after=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def ours(owner_ids: list[int]) -> tuple[list[bytes], list[str], list[str]]:
    """Our follow-ups' MIME bytes, Message-IDs and recipients, in id order."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.followups.models import FollowUp

    rows = db.session.execute(select(FollowUp.mime, FollowUp.message_id, FollowUp.to)
                              .where(FollowUp.owner_id.in_(owner_ids)).order_by(FollowUp.id)).all()
    db.session.commit()
    return [bytes(r.mime) for r in rows], [r.message_id for r in rows], [r.to for r in rows]


def others_due(owner_ids: list[int]) -> int:
    """Follow-ups of other users a worker could pick up during the run (a shared database)."""
    from sqlalchemy import func, or_, select

    from webapp.db import utcnow
    from webapp.extensions import db
    from webapp.followups.models import FollowUp

    count = db.session.scalar(select(func.count()).select_from(FollowUp).where(
        FollowUp.owner_id.not_in(owner_ids), FollowUp.status.in_(("queued", "sending")),
        or_(FollowUp.send_after.is_(None), FollowUp.send_after < utcnow() + timedelta(hours=1))))
    db.session.commit()
    return count


def final_states(owner_ids: list[int]) -> tuple[Counter, int]:
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.contacts.models import Interaction
    from webapp.followups.models import FollowUp

    states = Counter(dict(db.session.execute(select(FollowUp.status, func.count())
                                             .where(FollowUp.owner_id.in_(owner_ids))
                                             .group_by(FollowUp.status)).all()))
    logged = db.session.scalar(select(func.count()).select_from(Interaction)
                               .where(Interaction.owner_id.in_(owner_ids)))
    db.session.commit()
    return states, logged


def unseed(owner_id: int) -> None:
    """Remove a seeded user from a database we were given; everything it owns cascades."""
    from sqlalchemy import text

    from webapp.extensions import db

    db.session.execute(text("DELETE FROM users WHERE id = :id"), {"id": owner_id})
    db.session.commit()


# -- the runs -----------------------------------------------------------------------------------
def raw_run(sink: Sink, mimes: list[bytes], recipients: list[str]) -> dict:
    """The yardstick: pre-serialised messages, one connection, one sendmail each."""
    sink.call("reset")
    cpu0, sink0 = time.process_time(), sink.cpu_seconds()
    start = time.monotonic()
    smtp = smtplib.SMTP(LOOPBACK, sink.port, timeout=30)
    try:
        for mime, to in zip(mimes, recipients):
            smtp.sendmail(MAIL_FROM, [to], mime)
    finally:
        smtp.quit()
    count, last = sink.call("wait", len(mimes), 10.0)
    if last is None:
        raise RuntimeError(f"the sink accepted {count} of {len(mimes)} raw messages")
    cpu, sink_cpu = time.process_time() - cpu0, _delta(sink0, sink.cpu_seconds())
    seconds = last - start
    return {"kind": "raw", "workers": 0, "messages": len(mimes), "seconds": round(seconds, 3),
            "rate": round(len(mimes) / seconds, 1), "sender_cpu_ms": round(cpu * 1000 / len(mimes), 3),
            "sink_cpu_ms": _per(sink_cpu, len(mimes)), "problems": []}


class Workers:
    """`flask --app wsgi followups worker` subprocesses in their own sessions; stop() leaves none."""

    def __init__(self, env: dict, work: Path, n: int, poll: float, tag: str):
        self.env, self.procs, self.logs = env, [], []
        for i in range(n):
            log = work / f"worker-{tag}-{i}.log"
            self.logs.append(log)
            with log.open("wb") as out:
                self.procs.append(subprocess.Popen(
                    [sys.executable, "-m", "flask", "--app", "wsgi", "followups", "worker", "--poll", str(poll)],
                    cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    start_new_session=True))

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for proc, log in zip(self.procs, self.logs):
            while b"Follow-up worker" not in log.read_bytes():
                if proc.poll() is not None:
                    raise RuntimeError(f"a worker exited ({proc.returncode}):\n{self.tail()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the workers did not start in {timeout:.0f} s:\n{self.tail()}")
                time.sleep(0.05)

    def alive(self) -> bool:
        return all(proc.poll() is None for proc in self.procs)

    def cpu_seconds(self) -> float | None:
        values = [cpu_seconds(proc.pid) for proc in self.procs]
        return None if None in values else sum(values)

    def sent_per_worker(self) -> list[int]:
        """From each worker's log (it logs its Stats after every pass that claimed something)."""
        return [sum(int(n) for n in re.findall(rb"Stats\(claimed=\d+, sent=(\d+)", log.read_bytes()))
                for log in self.logs]

    def tail(self, lines: int = 20) -> str:
        return "\n".join(f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
                         for log in self.logs)

    def stop(self) -> None:
        """SIGTERM (each finishes its batch and logs its pass), then SIGKILL to any group that lingers."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait()


def worker_run(args, env: dict, work: Path, sink: Sink, owner_ids: list[int], message_ids: list[str],
               n_workers: int, tag: str) -> dict:
    """Workers idle in their polling loop; the messages become due at once; the clock runs until
    the sink has accepted them all. Then every Message-ID must have arrived exactly once."""
    n = len(message_ids)
    hold(owner_ids)
    sink.call("reset")
    workers = Workers(env, work, n_workers, args.poll, tag)
    try:
        workers.wait_ready()
        time.sleep(0.5)  # every worker in its polling loop
        cpu0, sink0 = workers.cpu_seconds(), sink.cpu_seconds()
        release(owner_ids)
        start = time.monotonic()
        deadline = start + args.timeout
        while True:
            count, last = sink.call("wait", n, 0.5)
            if last is not None:
                break
            if not workers.alive():
                raise RuntimeError(f"a worker died after {count} of {n} messages:\n{workers.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {count} of {n} messages arrived in {args.timeout:.0f} s:\n"
                                   f"{workers.tail()}")
        cpu, sink_cpu = _delta(cpu0, workers.cpu_seconds()), _delta(sink0, sink.cpu_seconds())
        seconds = last - start
        # the last 250 is in; give the workers a moment to write it, then check what happened
        settle = time.monotonic() + 10
        while True:
            states, logged = final_states(owner_ids)
            if states.get("sent") == n or time.monotonic() > settle:
                break
            time.sleep(0.05)
        time.sleep(0.3)  # anything sent twice would show up now
        received = Counter(sink.call("ids"))
    finally:
        workers.stop()
    sent_by = workers.sent_per_worker()
    problems = []
    twice = sum(1 for mid, k in received.items() if k > 1)
    missing = sum(1 for mid in message_ids if mid not in received)
    strangers = sum(1 for mid in received if mid not in set(message_ids))
    if twice:
        problems.append(f"{twice} Message-IDs arrived more than once")
    if missing:
        problems.append(f"{missing} Message-IDs never arrived")
    if strangers:
        problems.append(f"{strangers} messages that are not ours arrived")
    if states.get("sent") != n or logged != n:
        problems.append(f"rows: {dict(states)}, {logged} interactions logged (expected {n} sent)")
    return {"kind": "worker", "workers": n_workers, "messages": n, "seconds": round(seconds, 3),
            "rate": round(n / seconds, 1), "sender_cpu_ms": _per(cpu, n), "sink_cpu_ms": _per(sink_cpu, n),
            "sent_per_worker": sent_by, "problems": problems}


def _delta(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def _per(seconds: float | None, n: int) -> float | None:
    return None if seconds is None else round(seconds * 1000 / n, 3)


# -- the report ---------------------------------------------------------------------------------
def summarise(sequence: list[dict]) -> tuple[list[dict], list[float]]:
    """Each worker run's ratio against the mean of the raw runs just before and after it."""
    raws = [i for i, r in enumerate(sequence) if r["kind"] == "raw"]
    for i, run in enumerate(sequence):
        if run["kind"] != "worker":
            continue
        before = max(j for j in raws if j < i)
        after = min(j for j in raws if j > i)
        yardstick = (sequence[before]["rate"] + sequence[after]["rate"]) / 2
        run["vs_raw"] = round(run["rate"] / yardstick, 3)
        run["goal"] = GOAL if run["workers"] == 1 else None
        run["pass"] = (run["vs_raw"] >= GOAL if run["goal"] else None) if not run["problems"] else False
    return sequence, [sequence[i]["rate"] for i in raws]


def report(args, database: str, sequence: list[dict], raw_rates: list[float]) -> bool:
    fmt = lambda value, spec: "-" if value is None else format(value, spec)  # noqa: E731
    rows = []
    for run in sequence:
        if run["kind"] == "raw":
            rows.append(["raw smtplib loop", "-", str(run["messages"]), f"{run['seconds']:.2f}",
                         f"{run['rate']:.1f}", "1.00", fmt(run["sender_cpu_ms"], ".3f"),
                         fmt(run["sink_cpu_ms"], ".3f"), "baseline"])
        else:
            result = "-" if run["pass"] is None else ("PASS" if run["pass"] else "FAIL")
            if run["problems"]:
                result = "FAIL: " + "; ".join(run["problems"])
            rows.append([f"worker ({database})", str(run["workers"]), str(run["messages"]),
                         f"{run['seconds']:.2f}", f"{run['rate']:.1f}", f"{run['vs_raw']:.2f}",
                         fmt(run["sender_cpu_ms"], ".3f"), fmt(run["sink_cpu_ms"], ".3f"),
                         (f">= {run['goal']:.2f} " if run["goal"] else "") + result])
    print()
    print(f"sink: aiosmtpd on {LOOPBACK} (own process); workers: `flask --app wsgi followups worker "
          f"--poll {args.poll:g}`, caps raised; CPUs: {os.cpu_count()}")
    print(format_table(["run", "workers", "msgs", "seconds", "msgs/s", "vs raw", "sender CPU ms/msg",
                        "sink CPU ms/msg", "goal / result"], rows))
    print("vs raw: msgs/s over the mean of the raw runs before and after it (the goal, for one "
          "worker); sender CPU: the raw loop's own process, or the worker processes (not the database)")
    workers = [r for r in sequence if r["kind"] == "worker"]
    scaling = None
    if args.scaling:
        mean = lambda values: sum(values) / len(values) if values else None  # noqa: E731
        one = mean([r["rate"] for r in workers if r["workers"] == 1])
        many = mean([r["rate"] for r in workers if r["workers"] == args.scale_to])
        scaling = round(many / one, 3) if one and many else None
        shares = [r["sent_per_worker"] for r in workers if r["workers"] == args.scale_to]
        print(f"scaling: {args.scale_to} workers send {fmt(scaling, '.2f')} x what 1 worker sends"
              f" ({fmt(many, '.1f')} vs {fmt(one, '.1f')} msgs/s; sent per worker: {shares})")
    drift = (max(raw_rates) - min(raw_rates)) / max(raw_rates) if raw_rates else 0.0
    if drift > 0.15:
        print(f"warning: the raw loop's rate varied by {drift:.0%} between its runs: something else is"
              " using the CPUs; use --rounds 3, or run it on a quieter machine", file=sys.stderr)
    passed = all(r["pass"] is not False for r in workers)
    print(json.dumps({"bench": "outbox", "pass": passed, "database": database, "messages": args.messages,
                      "goal": GOAL, "poll_s": args.poll, "cpus": os.cpu_count(), "raw_drift": round(drift, 3),
                      "scaling": scaling, "runs": sequence}, ensure_ascii=False))
    return passed



def main(argv=None) -> int:
    args = parse_args(argv)
    unwind_on_signals()  # unwind like Ctrl-C: stop gunicorn, drop the schema
    tmp = tempfile.TemporaryDirectory(prefix="ichigo-bench-outbox-")
    sink = app = None
    owner_ids: list[int] = []
    try:
        work = Path(tmp.name)
        sink = Sink()
        url = args.database_url or f"sqlite:///{work / 'bench.db'}"
        database = "postgresql" if url.startswith("postgres") else url.split(":", 1)[0]
        env = {**os.environ,
               "DATABASE_URL": url,
               "SECRET_KEY": secrets.token_hex(32),
               "PUBLIC_BASE_URL": "https://bench.ichigo.test",
               "MAIL_URL": sink.url,
               "MAIL_FROM": MAIL_FROM,
               "FOLLOWUP_MAX_PER_HOUR": HIGH_CAP,
               "FOLLOWUP_MAX_PER_DAY": HIGH_CAP,
               "RATELIMIT_STORAGE_URI": "memory://",
               "PYTHONDONTWRITEBYTECODE": "1"}
        if args.scaling and database != "postgresql":
            print("note: --scaling on SQLite: its workers take turns at one write lock; the question"
                  " is meant for PostgreSQL (--database-url)", file=sys.stderr)
        sink.start()
        print(f"migrating {'the given database' if args.database_url else 'a temporary SQLite'} and "
              f"queueing {args.messages} follow-ups through the services ...", file=sys.stderr)
        migrate(env)
        os.environ.update(env)
        from webapp import create_app

        app = create_app()
        app.app_context().push()
        for i in range(args.users):  # the messages shared out as evenly as they go
            owner_ids.append(create_owner())
            seed(owner_ids[-1], args.messages // args.users + (i < args.messages % args.users))
        hold(owner_ids)
        if others_due(owner_ids):
            print("the database holds other users' follow-ups that a worker would send during the run;"
                  " use an empty database", file=sys.stderr)
            return 2
        mimes, message_ids, recipients = ours(owner_ids)
        if len(set(message_ids)) != len(message_ids) or not all(mimes):
            print("the seeded follow-ups lack MIME bytes or unique Message-IDs", file=sys.stderr)
            return 2
        raw_run(sink, mimes[:100], recipients[:100])  # warm-up: the sink's first connection
        sequence = [raw_run(sink, mimes, recipients)]
        _progress(sequence[-1])
        for round_no in range(args.rounds):
            for n_workers in args.plan:
                sequence.append(worker_run(args, env, work, sink, owner_ids, message_ids, n_workers,
                                           f"{round_no}-{n_workers}"))
                _progress(sequence[-1])
            sequence.append(raw_run(sink, mimes, recipients))
            _progress(sequence[-1])
        sequence, raw_rates = summarise(sequence)
        return 0 if report(args, database, sequence, raw_rates) else 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (RuntimeError, OSError, smtplib.SMTPException) as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2
    except Exception:  # noqa: BLE001 - an unexpected error means "could not run", not "goal missed"
        traceback.print_exc()
        print("benchmark failed (see above)", file=sys.stderr)
        return 2
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not strand a worker or the sink
        if sink is not None:
            sink.stop()
        if app is not None:
            from webapp.extensions import db

            for owner_id in owner_ids if args.database_url else []:
                try:
                    unseed(owner_id)
                except Exception as exc:  # noqa: BLE001 - cleanup must not hide the result
                    print(f"could not delete the seeded user {owner_id}: {exc}", file=sys.stderr)
            db.session.remove()
            db.engine.dispose()
        tmp.cleanup()


def _progress(run: dict) -> None:
    who = "raw loop" if run["kind"] == "raw" else f"{run['workers']} worker(s)"
    print(f"  {who:12} {run['messages']} msgs in {run['seconds']:.2f} s = {run['rate']:.1f} msgs/s"
          + (f"  PROBLEMS: {'; '.join(run['problems'])}" if run["problems"] else ""), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
