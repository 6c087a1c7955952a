"""Latency of the due list (GET /api/v1/reminders) for one user with 50,000 contacts and 200,000
interactions, on SQLite and PostgreSQL, beside a plain indexed SELECT measured in the same run.

    .venv/bin/python bench/reminders.py [--backend sqlite|postgresql|both] [--passes 30]
                                        [--contacts 50000] [--interactions 200000] [--pg-url URL]

For each backend: a throw-away database (a SQLite file in a temporary directory, or a dedicated
schema `bench_reminders` in PostgreSQL, dropped at the end), migrated with `flask --app wsgi db
upgrade`; one user and a Bearer token made through the app's services; then, in bulk Core inserts,
the user's network: --contacts contacts over three years (grow 20 %, maintain 30 %, let go 25 %,
unsorted 25 %; reviews spread over two years), one meeting each with what was said and a need,
--interactions touches of every kind (more on grow and maintain), 3,000 promises (a third done)
and 500 running snoozes; then ANALYZE (PostgreSQL: VACUUM ANALYZE, as autovacuum does after a
bulk load, so index-only scans work as in steady state). The default rhythms apply (grow: touch 30,
email 90, meet 180–365 days; maintain: meet 180–365), so thousands of reminders are due.

`gunicorn wsgi:app` (2 sync workers) serves on a free loopback port; requests go one at a time
over HTTP with the Bearer token, in rounds: the baseline `GET /api/v1/_bench/contacts` (one plain
indexed SELECT of the user's 50 latest contacts, behind the same auth, same server), then the
due list: the first page, a page of each kind, and the next page by the returned cursor. Goal:
due-list p95 <= 200 ms. The ratio to the baseline's p95 is printed beside it: it depends less on
the machine's speed than the absolute figures do.

Prints a table and one JSON line per backend. Exit status: 0 goal met, 1 missed, 2 could not run.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.dont_write_bytecode = True

from bench._common import (LOOPBACK, PG_DEFAULT, Gunicorn, ThrowawayDatabase, format_table,  # noqa: E402
                           free_port, migrate, percentile, unwind_on_signals)

GOAL_P95_MS = 200.0
BASELINE_PATH = "/api/v1/_bench/contacts"
REMINDERS_PATH = "/api/v1/reminders"
TIERS = {"grow": 0.20, "maintain": 0.30, "let_go": 0.25, "unsorted": 0.25}
#: how often each kind of touch is logged, and how much more a tier's people are touched
KINDS = {"email": 30, "message": 20, "like": 15, "comment": 10, "call": 5, "meeting": 15, "article": 5}
TOUCH_WEIGHT = {"grow": 6, "maintain": 3, "let_go": 1, "unsorted": 1}
PROMISES = 3000
SNOOZES = 500
NAMES = ["佐藤 花子", "鈴木 一郎", "高橋 美咲", "田中 健", "伊藤 さくら", "渡辺 翔", "Jane Doe", "John Smith"]
TALK = ["教育AIの評価方法", "採用の悩み", "地方でのコミュニティ運営", "プロダクトの価格設定", "hiring designers",
        "Pythonの型ヒント", "資金調達の時期", ""]
NEEDS = ["エンジニア採用", "AI教材の作り方", "登壇の機会", "", "", "user research help", "資金調達の相談"]


def make_app(env: dict):
    os.environ.update(env)
    from webapp import create_app
    return create_app()


def seed_user(app) -> tuple[int, str]:
    """The user and a Bearer token, through the app's own services."""
    from webapp.auth.services import create_token, create_user
    from webapp.extensions import db

    with app.app_context():
        user = create_user(f"reminders-{secrets.token_hex(4)}@example.org", secrets.token_urlsafe(16), "Bench")
        token, _row = create_token(user, "bench")
        user_id = user.id
        db.session.remove()
    return user_id, token


def get_json(conn: http.client.HTTPConnection, path: str, token: str) -> tuple[int, bytes, float]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    for attempt in range(2):  # a sync worker may close the connection; http.client reopens it
        sent = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            return resp.status, body, time.perf_counter() - sent
        except (OSError, http.client.HTTPException):
            conn.close()
            if attempt:
                raise
    raise AssertionError("unreachable")


def seed(app, user_id: int, n_contacts: int, n_interactions: int, rng: random.Random) -> dict:
    """The user's network in bulk Core inserts (the app's own tables and defaults)."""
    from sqlalchemy import select

    from webapp.contacts.models import Contact, Encounter, Promise
    from webapp.contacts.normalize import fold, search_key
    from webapp.extensions import db
    from webapp.contacts.models import Interaction
    from webapp.relationships.models import ReminderSnooze
    from webapp.contacts.touches import backfill

    now = datetime.now(timezone.utc).replace(microsecond=0)
    started = time.perf_counter()
    span = 3 * 365 * 24 * 3600
    contacts, tiers = [], []
    for i in range(n_contacts):
        created = now - timedelta(seconds=rng.randrange(span))
        met = created + timedelta(seconds=rng.randrange(max(1, int((now - created).total_seconds()))))
        tier = rng.choices(list(TIERS), weights=list(TIERS.values()))[0]
        reviewed = None if tier == "unsorted" else now - timedelta(seconds=rng.randrange(2 * 365 * 24 * 3600))
        name = rng.choice(NAMES) + f" {i}"
        tiers.append(tier)
        contacts.append({"owner_id": user_id, "name": name, "name_reading": "", "email": f"c{i}@example.com",
                         "phone": "", "company": "", "title": "", "card_url": "", "card_url_key": "", "notes": "",
                         "tier": tier, "tier_reviewed_at": reviewed, "search_key": search_key(name),
                         "name_key": fold(name), "reading_key": "", "possible_duplicate_of_id": None,
                         "last_met_at": met, "created_at": created, "updated_at": created})
    chunk = 5000
    with app.app_context():
        with db.engine.begin() as conn:
            for start in range(0, n_contacts, chunk):
                conn.execute(Contact.__table__.insert(), contacts[start:start + chunk])
            ids = list(conn.scalars(select(Contact.id).where(Contact.owner_id == user_id).order_by(Contact.id)))
            encounters = [{"owner_id": user_id, "contact_id": cid, "event_id": None, "met_at": c["last_met_at"],
                           "source": "manual", "conversation": rng.choice(TALK), "needs": rng.choice(NEEDS),
                           "memorable": "", "client_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                           "payload_hash": "", "created_at": c["last_met_at"]} for cid, c in zip(ids, contacts)]
            for start in range(0, len(encounters), chunk):
                conn.execute(Encounter.__table__.insert(), encounters[start:start + chunk])
            weights = [TOUCH_WEIGHT[t] for t in tiers]
            kinds, kind_weights = list(KINDS), list(KINDS.values())
            batch = []
            for index in rng.choices(range(n_contacts), weights=weights, k=n_interactions):
                created = contacts[index]["created_at"]
                at = created + timedelta(seconds=rng.randrange(max(1, int((now - created).total_seconds()))))
                kind = rng.choices(kinds, kind_weights)[0]
                batch.append({"owner_id": user_id, "contact_id": ids[index], "kind": kind,
                              "occurred_at": at, "note": "", "follow_up_id": None, "created_at": at})
                if len(batch) >= chunk:
                    conn.execute(Interaction.__table__.insert(), batch)
                    batch = []
            if batch:
                conn.execute(Interaction.__table__.insert(), batch)
            promises = []
            for _ in range(PROMISES):
                index = rng.randrange(n_contacts)
                made = contacts[index]["last_met_at"]
                due = (made + timedelta(days=rng.randrange(1, 60))).date() if rng.random() < 0.7 else None
                promises.append({"owner_id": user_id, "contact_id": ids[index], "encounter_id": None,
                                 "text": "記事を送る", "due_on": due,
                                 "done_at": made + timedelta(days=3) if rng.random() < 0.33 else None,
                                 "created_at": made, "updated_at": made})
            conn.execute(Promise.__table__.insert(), promises)
            snoozes = [{"owner_id": user_id, "contact_id": ids[rng.randrange(n_contacts)], "kind": "touch",
                        "channel": rng.choice(["touch", "email", "meet"]),
                        "until_at": now + timedelta(days=rng.randrange(1, 30)), "created_at": now}
                       for _ in range(SNOOZES)]
            conn.execute(ReminderSnooze.__table__.insert(), snoozes)
            for statement in backfill(Contact.owner_id == user_id):  # each channel's last touch, as the app keeps it
                conn.execute(statement)
        if db.engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load (PG >= 13)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
        db.session.remove()
    return {"seconds": time.perf_counter() - started, "contacts": n_contacts, "interactions": n_interactions,
            "promises": PROMISES, "snoozes": SNOOZES}


# --------------------------------------------------------------------------------------------
# measuring


def measure(base: str, token: str, passes: int) -> dict:
    """Rounds of: the baseline, then each due-list request; every request timed on its own."""
    host, _, port = base[len("http://"):].partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    status, body, _ = get_json(conn, REMINDERS_PATH, token)
    if status != 200:
        raise RuntimeError(f"GET {REMINDERS_PATH} answered {status}: {body[:300]!r}")
    first = json.loads(body)
    if not first["items"] or not first["next"]:
        raise RuntimeError("the seeded user has less than a page of reminders: the seed is wrong")
    paths = {"first page": REMINDERS_PATH, "kind=touch": REMINDERS_PATH + "?kind=touch",
             "kind=review": REMINDERS_PATH + "?kind=review", "kind=sort": REMINDERS_PATH + "?kind=sort",
             "kind=promise": REMINDERS_PATH + "?kind=promise", "next page": first["next"]}
    for path in [BASELINE_PATH, *paths.values()] * 2:  # warm both workers
        get_json(conn, path, token)
    timings: dict[str, list[float]] = {"baseline": [], **{name: [] for name in paths}}
    failures: list[str] = []
    counts: dict[str, int] = {}
    for _ in range(passes):
        for name, path in [("baseline", BASELINE_PATH), *paths.items()]:
            status, body, seconds = get_json(conn, path, token)
            if status != 200:
                failures.append(f"{path} -> {status}")
                continue
            timings[name].append(seconds)
            counts[name] = len(json.loads(body)["items"])
    conn.close()
    due = sorted(t for name, ts in timings.items() if name != "baseline" for t in ts)
    base_sorted = sorted(timings["baseline"])
    rows = {name: {"n": len(ts), "p50_ms": percentile(sorted(ts), 50) * 1000,
                   "p95_ms": percentile(sorted(ts), 95) * 1000, "max_ms": max(ts) * 1000, "items": counts.get(name)}
            for name, ts in timings.items() if ts}
    p95, base_p95 = percentile(due, 95) * 1000, percentile(base_sorted, 95) * 1000
    return {"rows": rows, "p95_ms": p95, "p50_ms": percentile(due, 50) * 1000, "baseline_p95_ms": base_p95,
            "ratio": p95 / base_p95 if base_p95 else None, "samples": len(due), "failures": failures,
            "pass": p95 <= GOAL_P95_MS and not failures}


def print_result(kind: str, seeded: dict, res: dict) -> None:
    print(f"\n[{kind}] due list for one user: {seeded['contacts']:,} contacts, {seeded['interactions']:,} "
          f"interactions, {seeded['promises']:,} promises (seeded in {seeded['seconds']:.0f} s); "
          f"gunicorn, 2 sync workers, one request at a time over HTTP; load average {os.getloadavg()[0]:.2f}")
    table = [[name, str(r["n"]), str(r["items"]), f"{r['p50_ms']:.1f}", f"{r['p95_ms']:.1f}", f"{r['max_ms']:.1f}"]
             for name, r in res["rows"].items()]
    print(format_table(["request", "n", "items", "p50 ms", "p95 ms", "max ms"], table))
    verdict = "PASS" if res["pass"] else "FAIL"
    print(f"due list (all requests above but the baseline): p50 {res['p50_ms']:.1f} ms, p95 {res['p95_ms']:.1f} ms "
          f"(goal <= {GOAL_P95_MS:.0f}) — baseline p95 {res['baseline_p95_ms']:.1f} ms, "
          f"ratio {res['ratio']:.1f}x — {verdict}")
    for failure in res["failures"][:5]:
        print(f"  failed: {failure}")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL", PG_DEFAULT),
                   help=f"PostgreSQL server for --backend postgresql/both ({PG_DEFAULT})")
    p.add_argument("--pg-schema", default="bench_reminders", help="the throw-away schema's name (bench_reminders)")
    p.add_argument("--contacts", type=int, default=50_000)
    p.add_argument("--interactions", type=int, default=200_000)
    p.add_argument("--passes", type=int, default=30, help="rounds of baseline + six due-list requests (30)")
    p.add_argument("--seed", type=int, default=20250601)
    args = p.parse_args(argv)
    if args.contacts < 1000 or args.interactions < 0 or args.passes < 1:
        p.error("--contacts must be at least 1000, --passes at least 1")
    return args


def run_backend(args, kind: str) -> dict:
    tmp = tempfile.TemporaryDirectory(prefix=f"ichigo-reminders-{kind}-")
    work = Path(tmp.name)
    backend = ThrowawayDatabase(kind, work, pg_url=args.pg_url, pg_schema=args.pg_schema)
    server = app = None
    try:
        port = free_port()
        env = {**os.environ, "DATABASE_URL": backend.url, "SECRET_KEY": secrets.token_hex(32),
               "BENCH_ENDPOINTS": "1", "AUTH_RATE_LIMIT": "100000 per minute",
               "PUBLIC_BASE_URL": f"http://{LOOPBACK}:{port}", "MAIL_URL": f"maildir:{work / 'maildir'}",
               "RATELIMIT_STORAGE_URI": "memory://", "PYTHONDONTWRITEBYTECODE": "1"}
        print(f"[{kind}] creating and migrating the database ...", file=sys.stderr)
        backend.create()
        migrate(env)
        app = make_app(env)
        user_id, token = seed_user(app)
        print(f"[{kind}] seeding {args.contacts:,} contacts and {args.interactions:,} interactions ...",
              file=sys.stderr)
        seeded = seed(app, user_id, args.contacts, args.interactions, random.Random(args.seed))
        server = Gunicorn(env, port, workers=2, worker_class="sync", threads=1, log_path=work / "gunicorn.log")
        server.cmd.insert(-1, "--capture-output")
        server.start()
        res = measure(f"http://{LOOPBACK}:{port}", token, args.passes)
        print_result(kind, seeded, res)
        sys.stdout.flush()
        return {"backend": kind, "pass": res["pass"], "p50_ms": round(res["p50_ms"], 1),
                "p95_ms": round(res["p95_ms"], 1), "baseline_p95_ms": round(res["baseline_p95_ms"], 1),
                "ratio": round(res["ratio"], 2) if res["ratio"] else None, "samples": res["samples"],
                "goal_p95_ms": GOAL_P95_MS, "loadavg_1m": round(os.getloadavg()[0], 2),
                "by_request": {name: {k: (round(v, 1) if isinstance(v, float) else v) for k, v in row.items()}
                               for name, row in res["rows"].items()}}
    finally:
        if server is not None:
            server.stop()
        if app is not None:
            from webapp.extensions import db
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        backend.drop_or_report()
        tmp.cleanup()



def main(argv=None) -> int:
    args = parse_args(argv)
    unwind_on_signals()  # unwind like Ctrl-C: stop gunicorn, drop the schema
    kinds = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    summaries = []
    try:
        for kind in kinds:
            summaries.append(run_backend(args, kind))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2
    for summary in summaries:
        print(json.dumps({"bench": "reminders", "contacts": args.contacts, "interactions": args.interactions,
                          "passes": args.passes, "cpus": os.cpu_count(), **summary}, ensure_ascii=False))
    return 0 if all(s["pass"] for s in summaries) else 1


if __name__ == "__main__":
    sys.exit(main())
