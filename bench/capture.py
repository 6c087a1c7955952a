"""Capture throughput and contact search latency, on SQLite and PostgreSQL, on loopback.

    .venv/bin/python bench/capture.py [--duration 10] [--connections 16]
                                      [--backend sqlite|postgresql|both] [--skip-search]

For each backend: a throw-away database (a SQLite file in a temporary directory, WAL mode as the
app sets it; or a dedicated schema `bench_capture` in PostgreSQL, dropped at the end so the
database's public schema is untouched), migrated with `flask --app wsgi db upgrade`; one user
and a Bearer token made through the app's services; `gunicorn wsgi:app` with 2 sync workers on a
free loopback port.

Part 1, capture throughput: `POST /api/v1/captures` (a new client_id per request) against the
baseline `POST /api/v1/_bench/insert` (one plain SQLAlchemy INSERT of a contact row behind the
same Bearer auth, same server), alternated baseline, capture, baseline, capture. Load: wrk with a
Lua script (a fresh UUID v4 per request), else a Python load generator. Goal: capture req/s
>= 0.60 x baseline, with no non-2xx answer; afterwards the rows in the database are counted
against the 201 answers (nothing lost, nothing doubled), and a burst of new captures, replays and
simultaneous duplicate pairs checks the idempotency exactly. gunicorn's CPU per answer is printed
beside the throughput, as a cross-check when other work shares the machine.

Part 2, contact search: 50,000 contacts and 150,000 encounters over 20 events for a second user
(bulk Core inserts, keys folded exactly as the app does), then ~200 searches
`GET /api/v1/contacts?q=&event_id=&tier=` through the same gunicorn, one at a time over HTTP.
PostgreSQL gets VACUUM ANALYZE after the load (what autovacuum does within a minute); SQLite is
not analysed (the app never runs ANALYZE, so users' databases have no statistics either). Goal: p95 <= 50 ms.

Prints tables and one JSON line per backend; no timing assertions. Exit status: 0 all goals met,
1 a goal missed, 2 the benchmark could not run.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import secrets
import signal
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.dont_write_bytecode = True  # leave no __pycache__ behind in bench/

from bench._common import (  # noqa: E402
    LOOPBACK, PG_DEFAULT, Gunicorn, ThrowawayDatabase, format_table, free_port, migrate, percentile,
    unwind_on_signals, wrk_json, wrk_path,
)

CAPTURE_PATH = "/api/v1/captures"
BASELINE_PATH = "/api/v1/_bench/insert"
CONTACTS_PATH = "/api/v1/contacts"
CAPTURE_GOAL = 0.60
SEARCH_GOAL_P95_MS = 50.0
CAPTURE_NAME = "佐藤 花子"  # everyone's name with --same-name (the worst case of the duplicate check)
BASELINE_NAME = "bench"  # what /_bench/insert writes (webapp/api/bench.py)
SEARCH_CONTACTS = 50_000
SEARCH_ENCOUNTERS = 150_000
SEARCH_EVENTS = 20


def capture_names() -> list[str]:
    """The names captured people have: common Japanese surnames and given names combined (about
    800), so some captures resemble an earlier contact as at a real event; with --same-name all
    the same, which flags every capture as a possible duplicate of the first."""
    if os.environ.get("ICHIGO_BENCH_SAME_NAME"):
        return [CAPTURE_NAME]
    return [f"{sur} {given}" for sur, _ in SURNAMES for given, _ in GIVEN]


def capture_body(client_id: str) -> dict:
    """One capture as the phone sends it; the email is unique so every capture is a new contact."""
    return {"client_id": client_id, "name": random.choice(capture_names()),
            "email": f"u{client_id.replace('-', '')}@example.com",
            "company": "いちご", "conversation": "教育AIの話",
            "needs": "先生向けのAIツールを試せる学校を探している"}


# --------------------------------------------------------------------------------------------
# load generators: wrk with a Lua script, else threads with keep-alive http.client connections

#: __TOKEN__ and __SEED__ are filled in; the same body goes to both endpoints (the baseline
#: ignores it) so request size and parsing cost are the same. One JSON line comes back.
WRK_LUA = r"""
local threads = {}
local count = 0
local seed = __SEED__

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer __TOKEN__"

function setup(thread)
  count = count + 1
  thread:set("tid", count)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(seed + tid * 1000003)
  created, replayed, other, sent, received = 0, 0, 0, 0, 0
  first_bad = ""
end

local names = {__NAMES__}
local hex = "0123456789abcdef"
local function uuid4()
  local t = {}
  for i = 1, 32 do
    local r = math.random(0, 15)
    if i == 13 then r = 4 elseif i == 17 then r = 8 + (r % 4) end
    t[i] = hex:sub(r + 1, r + 1)
  end
  local s = table.concat(t)
  return s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16) .. "-" .. s:sub(17, 20) .. "-" .. s:sub(21, 32), s
end

function request()
  local id, plain = uuid4()
  sent = sent + 1
  local body = '{"client_id":"' .. id .. '","name":"' .. names[math.random(#names)] .. '","email":"u' .. plain ..
    '@example.com","company":"いちご","conversation":"教育AIの話",' ..
    '"needs":"先生向けのAIツールを試せる学校を探している"}'
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  received = received + 1
  if status == 201 then
    created = created + 1
  elseif status == 200 then
    replayed = replayed + 1
  else
    other = other + 1
    if first_bad == "" then
      first_bad = (status .. " " .. string.sub(body or "", 1, 300)):gsub("[\r\n]", " ")
    end
  end
end

function done(summary, latency, requests)
  local c = {created = 0, replayed = 0, other = 0, sent = 0, received = 0}
  local bad = ""
  for _, t in ipairs(threads) do
    for k, _ in pairs(c) do c[k] = c[k] + (t:get(k) or 0) end
    local b = t:get("first_bad")
    if bad == "" and b and b ~= "" then bad = b end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%.0f,"duration_us":%.0f,"p50_us":%.1f,"p99_us":%.1f,"max_us":%.1f,' ..
    '"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f,' ..
    '"created":%d,"replayed":%d,"other":%d,"sent":%d,"received":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout,
    c.created, c.replayed, c.other, c.sent, c.received))
  if bad ~= "" then io.write("WRKBAD " .. bad .. "\n") end
end
"""


def run_wrk(url: str, token: str, duration: float, connections: int, threads: int) -> dict:
    script = (WRK_LUA.replace("__TOKEN__", token).replace("__SEED__", str(secrets.randbits(40)))
              .replace("__NAMES__", ", ".join(json.dumps(n, ensure_ascii=False) for n in capture_names())))
    raw, output = wrk_json(url, script, duration, connections, max(1, min(threads, connections)))
    bad = next((ln[len("WRKBAD "):] for ln in output.splitlines() if ln.startswith("WRKBAD ")), "")
    seconds = raw["duration_us"] / 1e6
    errors = int(raw["connect"] + raw["read"] + raw["write"] + raw["timeout"])
    return {
        "requests": int(raw["received"]),
        # throughput counts successful answers only: a fast 500 is not a stored capture
        "rps": (raw["created"] + raw["replayed"]) / seconds if seconds else 0.0,
        "all_rps": raw["received"] / seconds if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "created": int(raw["created"]),
        "replayed": int(raw["replayed"]),
        "non_2xx": int(raw["other"]),
        "errors": errors,
        # sent but no answer read when wrk stopped: the server may still have stored them
        "in_flight": max(0, min(connections, int(raw["sent"] - raw["received"]))),
        "first_bad": bad,
    }


def _python_worker(job: tuple) -> dict:
    """One load process: `threads` keep-alive connections posting captures until `deadline`."""
    host, port, path, token, threads, start, deadline = job
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    total = {"lat": [], "created": 0, "replayed": 0, "non_2xx": 0, "errors": 0, "first_bad": ""}
    lock = threading.Lock()

    def loop() -> None:
        lat: list[float] = []
        created = replayed = non_2xx = errors = 0
        first_bad = ""
        conn = http.client.HTTPConnection(host, port, timeout=10)
        time.sleep(max(0.0, start - time.time()))
        while time.time() < deadline:
            body = json.dumps(capture_body(str(uuid.uuid4())), ensure_ascii=False).encode()
            sent = time.perf_counter()
            try:
                conn.request("POST", path, body, headers)
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                continue
            lat.append(time.perf_counter() - sent)
            if resp.status == 201:
                created += 1
            elif resp.status == 200:
                replayed += 1
            else:
                non_2xx += 1
                first_bad = first_bad or f"{resp.status} {data[:300].decode(errors='replace')}"
        conn.close()
        with lock:
            total["lat"].extend(lat)
            for key, value in (("created", created), ("replayed", replayed), ("non_2xx", non_2xx),
                               ("errors", errors)):
                total[key] += value
            total["first_bad"] = total["first_bad"] or first_bad

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return total


def run_python(url: str, token: str, duration: float, connections: int, processes: int) -> dict:
    assert url.startswith(f"http://{LOOPBACK}:"), "benchmarks only target loopback"
    hostport, _, path = url[len("http://"):].partition("/")
    host, _, port = hostport.partition(":")
    processes = max(1, min(processes, connections))
    shares = [connections // processes + (i < connections % processes) for i in range(processes)]
    start = time.time() + 1.0  # every process is up before the clock starts
    jobs = [(host, int(port), "/" + path, token, n, start, start + duration) for n in shares]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        parts = pool.map(_python_worker, jobs)
    lat = sorted(x for part in parts for x in part["lat"])
    return {
        "requests": len(lat),
        "rps": sum(p["created"] + p["replayed"] for p in parts) / duration,
        "all_rps": len(lat) / duration,
        "p50_ms": percentile(lat, 50) * 1000,
        "p99_ms": percentile(lat, 99) * 1000,
        "max_ms": (lat[-1] if lat else 0.0) * 1000,
        "created": sum(p["created"] for p in parts),
        "replayed": sum(p["replayed"] for p in parts),
        "non_2xx": sum(p["non_2xx"] for p in parts),
        "errors": sum(p["errors"] for p in parts),
        "in_flight": 0,  # every thread reads its last answer before it stops
        "first_bad": next((p["first_bad"] for p in parts if p["first_bad"]), ""),
    }


# --------------------------------------------------------------------------------------------
# databases, migration, the app's own services


def make_app(env: dict):
    os.environ.update(env)
    from webapp import create_app
    return create_app()


def seed_user(app, label: str) -> tuple[int, str]:
    """A user and a Bearer token through the app's services; returns (user id, token)."""
    from webapp.auth.services import create_token, create_user
    from webapp.extensions import db

    with app.app_context():
        user = create_user(f"{label}-{secrets.token_hex(4)}@example.org", secrets.token_urlsafe(16),
                           f"Bench {label}")
        token, _row = create_token(user, "bench")
        user_id = user.id
        db.session.remove()
    return user_id, token


# --------------------------------------------------------------------------------------------
# part 1: capture throughput


def analyse_after_warmup(app) -> None:
    """PostgreSQL: give the planner statistics of the tables the warm-up filled, as autovacuum does
    within a minute of that many inserts in any normal setup. This server may run with autovacuum
    off, and with a never-analysed table the planner takes whichever index of the owner comes first
    for the capture's look-ups (measured: half the throughput). SQLite plans without statistics."""
    from webapp.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in ("users", "api_tokens", "events", "contacts", "encounters", "promises"):
                    conn.exec_driver_sql(f"ANALYZE {table}")
        db.session.remove()


def part1(args, app, server: Gunicorn, user_id: int, token: str, tool: str) -> dict:
    base = server.url

    def one(path: str, seconds: float) -> dict:
        cpu_before = server.cpu_seconds()
        if tool == "wrk":
            result = run_wrk(base + path, token, seconds, args.connections, args.load_threads)
        else:
            result = run_python(base + path, token, seconds, args.connections,
                                args.load_threads if args.load_threads > 1 else (os.cpu_count() or 2))
        cpu_after = server.cpu_seconds()
        used = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
        answered = result["created"] + result["replayed"] + result["non_2xx"]
        result["cpu_ms"] = used * 1000 / answered if used and answered else None
        return result

    runs: dict[str, list[dict]] = {"baseline": [], "capture": []}
    every: dict[str, list[dict]] = {"baseline": [], "capture": []}  # warm-ups included, for the row count
    if args.warmup > 0:
        for name, path in (("baseline", BASELINE_PATH), ("capture", CAPTURE_PATH)):
            every[name].append(one(path, args.warmup))
    analyse_after_warmup(app)
    for _ in range(args.rounds):
        for name, path in (("baseline", BASELINE_PATH), ("capture", CAPTURE_PATH)):
            result = one(path, args.duration)
            runs[name].append(result)
            every[name].append(result)
            cpu = f"{result['cpu_ms']:6.2f}" if result["cpu_ms"] else "     -"
            print(f"  {name:8} {result['rps']:8.1f} 2xx/s  p50 {result['p50_ms']:7.2f} ms  "
                  f"p99 {result['p99_ms']:8.2f} ms  non-2xx {result['non_2xx']}  errors {result['errors']}"
                  f"  gunicorn CPU {cpu} ms/req", file=sys.stderr)
    mean = lambda values: sum(values) / len(values)  # noqa: E731
    rows = {}
    for name, rs in runs.items():
        rows[name] = {
            "endpoint": CAPTURE_PATH if name == "capture" else BASELINE_PATH,
            "rps": mean([r["rps"] for r in rs]),
            "p50_ms": mean([r["p50_ms"] for r in rs]),
            "p99_ms": mean([r["p99_ms"] for r in rs]),
            "cpu_ms": mean(cpus) if (cpus := [r["cpu_ms"] for r in rs if r["cpu_ms"]]) else None,
            "requests": sum(r["requests"] for r in rs),
            "non_2xx": sum(r["non_2xx"] for r in every[name]),
            "replayed": sum(r["replayed"] for r in every[name]),
            "errors": sum(r["errors"] for r in every[name]),
            "first_bad": next((r["first_bad"] for r in every[name] if r["first_bad"]), ""),
        }
    ratio = rows["capture"]["rps"] / rows["baseline"]["rps"] if rows["baseline"]["rps"] else 0.0
    cpu_ratio = (rows["baseline"]["cpu_ms"] / rows["capture"]["cpu_ms"]
                 if rows["baseline"]["cpu_ms"] and rows["capture"]["cpu_ms"] else None)
    check = count_rows(app, user_id, every)
    exact = integrity_burst(app, base, user_id, token, args.connections, args.integrity_requests)
    capture_bad = rows["capture"]["non_2xx"] + rows["capture"]["errors"]
    baseline_valid = rows["baseline"]["non_2xx"] + rows["baseline"]["errors"] == 0
    passed = ratio >= CAPTURE_GOAL and capture_bad == 0 and check["ok"] and exact["ok"]
    return {"rows": rows, "ratio": ratio, "cpu_ratio": cpu_ratio, "pass": passed,
            "baseline_valid": baseline_valid, "check": check, "exact": exact}


def integrity_burst(app, base: str, user_id: int, token: str, connections: int, per: int) -> dict:
    """An exact count, with nothing left in flight: `connections` threads post `per` new captures
    each, replay every fifth one at once (must be 200 with the same ids), then pairs of threads
    post the same new capture at the same instant (one 201, one 200, the same ids)."""
    host, _, port = base[len("http://"):].partition(":")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    lock = threading.Lock()
    answers: list[tuple[str, int, dict]] = []  # (kind, status, json)
    race_bodies = [capture_body(str(uuid.uuid4())) for _ in range(max(1, connections // 2))]
    barrier = threading.Barrier(connections)
    before = count_rows(app, user_id, None)["capture_contacts"]

    def post(conn, body) -> tuple[int, dict]:
        for attempt in range(2):  # a sync worker closes the socket after each answer
            try:
                conn.request("POST", CAPTURE_PATH, json.dumps(body, ensure_ascii=False).encode(), headers)
                resp = conn.getresponse()
                data = resp.read()
                try:
                    return resp.status, json.loads(data)
                except ValueError:
                    return resp.status, {"raw": data[:200].decode(errors="replace")}
            except (OSError, http.client.HTTPException):
                conn.close()
                if attempt:
                    return -1, {}
        raise AssertionError("unreachable")

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        mine = []
        for i in range(per):
            body = capture_body(str(uuid.uuid4()))
            status, data = post(conn, body)
            mine.append(("new", status, data))
            if i % 5 == 4:
                status2, data2 = post(conn, body)
                same = (data2.get("contact_id"), data2.get("encounter_id")) == \
                    (data.get("contact_id"), data.get("encounter_id"))
                mine.append(("replay" if same else "replay (other ids)", status2, data2))
        barrier.wait()
        body = race_bodies[(index // 2) % len(race_bodies)]
        status, data = post(conn, body)
        mine.append((f"race:{body['client_id']}", status, data))
        conn.close()
        with lock:
            answers.extend(mine)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    after = count_rows(app, user_id, None)["capture_contacts"]
    created = sum(1 for _, status, _ in answers if status == 201)
    new_ok = sum(1 for kind, status, _ in answers if kind == "new" and status == 201)
    replays = [status for kind, status, _ in answers if kind.startswith("replay")]
    races: dict[str, list[tuple[int, tuple]]] = {}
    for kind, status, data in answers:
        if kind.startswith("race:"):
            races.setdefault(kind, []).append((status, (data.get("contact_id"), data.get("encounter_id"))))
    races_ok = all(sorted(s for s, _ in r).count(201) == 1 and all(s in (200, 201) for s, _ in r)
                   and len({ids for _, ids in r}) == 1 for r in races.values())
    bad = [f"{kind} {status} {data}" for kind, status, data in answers
           if status not in (200, 201) or kind == "replay (other ids)"]
    return {
        "requests": len(answers), "answered_201": created, "rows_added": after - before,
        "new_201": new_ok, "new_sent": connections * per,
        "replays": len(replays), "replays_200_same_ids": sum(1 for s in replays if s == 200)
        - sum(1 for kind, _, _ in answers if kind == "replay (other ids)"),
        "races": len(races), "races_ok": races_ok, "bad": bad[:3],
        "ok": (after - before == created and new_ok == connections * per and races_ok and not bad
               and all(s == 200 for s in replays)),
    }


def count_rows(app, user_id: int, every: dict) -> dict:
    """Rows in the database against the 201 answers, once the server has finished the last ones."""
    from sqlalchemy import func, select

    from webapp.contacts.models import Contact, Encounter
    from webapp.extensions import db

    def snapshot() -> dict:
        with app.app_context():
            s = db.session
            own = Contact.owner_id == user_id
            captured = select(Contact.id).where(own, Contact.name != BASELINE_NAME)
            result = {
                "capture_contacts": s.scalar(select(func.count()).select_from(captured.subquery())),
                "distinct_emails": s.scalar(select(func.count(func.distinct(Contact.email)))
                                            .where(own, Contact.name != BASELINE_NAME)),
                "encounters": s.scalar(select(func.count()).select_from(Encounter)
                                       .where(Encounter.owner_id == user_id)),
                "distinct_client_ids": s.scalar(select(func.count(func.distinct(Encounter.client_id)))
                                                .where(Encounter.owner_id == user_id)),
                "capture_contacts_without_one_encounter": s.scalar(
                    select(func.count()).select_from(
                        select(Contact.id).join(Encounter, Encounter.contact_id == Contact.id, isouter=True)
                        .where(own, Contact.name != BASELINE_NAME)
                        .group_by(Contact.id).having(func.count(Encounter.id) != 1).subquery())),
                "baseline_contacts": s.scalar(select(func.count()).select_from(Contact)
                                              .where(own, Contact.name == BASELINE_NAME)),
            }
            db.session.remove()
        return result

    if every is None:
        return snapshot()
    previous, deadline = snapshot(), time.monotonic() + 15
    while time.monotonic() < deadline:  # requests wrk left in flight may still be committing
        time.sleep(0.5)
        current = snapshot()
        if current == previous:
            break
        previous = current
    got = previous
    out = {**got}
    for name, key in (("capture", "capture_contacts"), ("baseline", "baseline_contacts")):
        created = sum(r["created"] for r in every[name])
        in_flight = sum(r["in_flight"] + r["errors"] for r in every[name])
        out[f"{name}_201"] = created
        out[f"{name}_in_flight"] = in_flight
        # every 201 is a row; a request wrk abandoned at the end of a run may be one more
        out[f"{name}_rows_ok"] = created <= got[key] <= created + in_flight
    out["no_duplicates"] = (got["distinct_emails"] == got["capture_contacts"] == got["encounters"]
                            == got["distinct_client_ids"]
                            and got["capture_contacts_without_one_encounter"] == 0)
    out["ok"] = out["capture_rows_ok"] and out["baseline_rows_ok"] and out["no_duplicates"]
    return out


def print_part1(kind: str, res: dict, args, tool: str) -> None:
    rows, ratio = res["rows"], res["ratio"]
    fmt = lambda value, spec: "-" if value is None else format(value, spec)  # noqa: E731
    table = []
    for name in ("baseline", "capture"):
        r = rows[name]
        table.append([kind, r["endpoint"], f"{r['rps']:.1f}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}",
                      str(r["non_2xx"]) + (f" (+{r['errors']} socket errors)" if r["errors"] else ""),
                      fmt(r["cpu_ms"], ".2f"),
                      "1.00" if name == "baseline" else fmt(res["cpu_ratio"], ".2f"),
                      "1.00" if name == "baseline" else f"{ratio:.2f}",
                      "baseline" if name == "baseline" else f">= {CAPTURE_GOAL:.2f}",
                      ("-" if res["baseline_valid"] else "INVALID") if name == "baseline"
                      else ("PASS" if res["pass"] else "FAIL")])
    print(f"\n[{kind}] part 1 — capture throughput (gunicorn {args.workers} sync workers; {tool}, "
          f"{args.connections} connections, {args.duration:g} s x {args.rounds} runs each, alternated; "
          f"CPUs: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f})")
    print(format_table(["backend", "endpoint", "2xx/s", "p50 ms", "p99 ms", "non-2xx", "CPU ms/req",
                        "CPU ratio", "ratio", "goal", "result"], table))
    print("  ratio: capture 2xx/s over the bare insert's (the goal). CPU ms/req: gunicorn's own CPU per"
          " answer (the database server's is not in it); CPU ratio: baseline's over capture's, a"
          " cross-check that a busy machine does not move")
    if not res["baseline_valid"]:
        print(f"  the baseline answered {rows['baseline']['non_2xx']} non-2xx: its 2xx/s is not a fair "
              "reference, so the ratio cannot be judged (see the gunicorn log below)")
    for name in ("baseline", "capture"):
        if rows[name]["first_bad"]:
            print(f"  first non-2xx from {rows[name]['endpoint']}: {rows[name]['first_bad']}")
        if rows[name]["replayed"]:
            print(f"  {rows[name]['replayed']} answers were 200 (a replayed client_id: a UUID collision?)")
    c = res["check"]
    print(f"  rows: captures answered 201: {c['capture_201']}, capture contacts in the database: "
          f"{c['capture_contacts']} (encounters {c['encounters']}, distinct emails {c['distinct_emails']}, "
          f"distinct client ids {c['distinct_client_ids']}, contacts without exactly one encounter "
          f"{c['capture_contacts_without_one_encounter']}); requests unanswered when the load stopped: "
          f"{c['capture_in_flight']}")
    print(f"  rows: baseline answered 201: {c['baseline_201']}, baseline rows: {c['baseline_contacts']} "
          f"(unanswered at stop: {c['baseline_in_flight']})")
    print(f"  rows check (timed runs): {'OK — nothing lost, nothing doubled' if c['ok'] else 'MISMATCH'}")
    e = res["exact"]
    print(f"  exact check ({e['requests']} requests from {args.connections} threads, nothing left in flight): "
          f"201 answers {e['answered_201']} = rows added {e['rows_added']}: "
          f"{'yes' if e['answered_201'] == e['rows_added'] else 'NO'}; new captures {e['new_201']}/"
          f"{e['new_sent']} answered 201; replays answered 200 with the same ids {e['replays_200_same_ids']}/"
          f"{e['replays']}; simultaneous pairs with one 201 + one 200, same ids: "
          f"{'all ' + str(e['races']) if e['races_ok'] else 'NO'} -> {'OK' if e['ok'] else 'FAIL'}")
    for line in e["bad"]:
        print(f"    unexpected: {line[:300]}")


# --------------------------------------------------------------------------------------------
# part 2: contact search

SURNAMES = [  # (kanji, reading), most common first
    ("佐藤", "さとう"), ("鈴木", "すずき"), ("高橋", "たかはし"), ("田中", "たなか"), ("伊藤", "いとう"),
    ("渡辺", "わたなべ"), ("山本", "やまもと"), ("中村", "なかむら"), ("小林", "こばやし"), ("加藤", "かとう"),
    ("吉田", "よしだ"), ("山田", "やまだ"), ("佐々木", "ささき"), ("山口", "やまぐち"), ("松本", "まつもと"),
    ("井上", "いのうえ"), ("木村", "きむら"), ("林", "はやし"), ("斎藤", "さいとう"), ("清水", "しみず"),
    ("山崎", "やまざき"), ("森", "もり"), ("池田", "いけだ"), ("橋本", "はしもと"), ("阿部", "あべ"),
    ("石川", "いしかわ"), ("山下", "やました"), ("中島", "なかじま"), ("石井", "いしい"), ("小川", "おがわ"),
    ("前田", "まえだ"), ("岡田", "おかだ"), ("長谷川", "はせがわ"), ("藤田", "ふじた"), ("後藤", "ごとう"),
    ("近藤", "こんどう"), ("村上", "むらかみ"), ("遠藤", "えんどう"), ("青木", "あおき"), ("坂本", "さかもと"),
]
RARE_SURNAMES = [("勅使河原", "てしがわら"), ("小鳥遊", "たかなし"), ("四月一日", "わたぬき")]
GIVEN = [
    ("花子", "はなこ"), ("太郎", "たろう"), ("翔太", "しょうた"), ("陽菜", "ひな"), ("結衣", "ゆい"),
    ("大輔", "だいすけ"), ("美咲", "みさき"), ("健太", "けんた"), ("彩", "あや"), ("直樹", "なおき"),
    ("由美", "ゆみ"), ("拓也", "たくや"), ("愛", "あい"), ("誠", "まこと"), ("真由美", "まゆみ"),
    ("浩", "ひろし"), ("恵", "めぐみ"), ("蓮", "れん"), ("葵", "あおい"), ("悠人", "ゆうと"),
]
EN_FIRST = ["Jane", "John", "Emily", "Michael", "Sarah", "David", "Olivia", "James", "Sophie", "Daniel",
            "Laura", "Chris"]
EN_LAST = ["Smith", "Johnson", "Brown", "Taylor", "Miller", "Wilson", "Moore", "Anderson", "Thomas",
           "Garcia", "Martin", "Lee"]
COMPANIES = ["いちご教育", "ソニー", "トヨタ自動車", "サイボウズ", "メルカリ", "楽天グループ", "株式会社ミライ",
             "東京大学", "京都大学", "慶應義塾大学", "株式会社リクルート", "LINEヤフー", "NTTデータ", "富士通",
             "日立製作所", "パナソニック", "ベネッセ", "学研", "Z会", "フリーランス", "Acme Corp", "Globex",
             "Initech", "Umbrella Labs", "OpenEdu", "Google Japan", "Microsoft Japan", "Stark Industries"]
TITLES = ["エンジニア", "教師", "校長", "CEO", "CTO", "プロダクトマネージャー", "デザイナー", "研究者", "営業",
          "Teacher", "Engineer", ""]
TALK = ["教育AIの話", "生成AIで宿題の採点を手伝う話", "地方の学校のICT事情", "次のハッカソンの相談",
        "Talked about grading assistants", "オンライン授業の工夫", "", "", "採用の悩み", "英語教育とAI"]
TIER_WEIGHTS = {"unsorted": 40, "grow": 15, "maintain": 30, "let_go": 15}


def _to_katakana(hira: str) -> str:
    return "".join(chr(ord(ch) + 0x60) if "\u3041" <= ch <= "\u3096" else ch for ch in hira)


_HALF = {unicodedata.normalize("NFKC", chr(c)): chr(c) for c in range(0xFF66, 0xFF9E)}


def _to_halfwidth(kata: str) -> str:
    """Full-width katakana as half-width (ﾀﾅｶ); voiced marks become separate characters."""
    out = []
    for ch in unicodedata.normalize("NFD", kata):
        out.append({"\u3099": "\uff9e", "\u309a": "\uff9f"}.get(ch, _HALF.get(ch, ch)))
    return "".join(out)


def seed_search(app, user_id: int, rng: random.Random) -> dict:
    """50,000 contacts and 150,000 encounters over 20 events, in bulk, keys as the app folds them."""
    from sqlalchemy import select

    from webapp.contacts.models import Contact, Encounter
    from webapp.contacts.normalize import fold, search_key
    from webapp.events.models import Event, new_event_code
    from webapp.extensions import db

    now = datetime.now(timezone.utc).replace(microsecond=0)
    started = time.perf_counter()
    events = []
    for i in range(SEARCH_EVENTS):
        starts = now - timedelta(days=730 - i * 36)
        events.append({"owner_id": user_id, "name": f"EdTech Meetup #{i + 1}", "starts_at": starts,
                       "ends_at": starts + timedelta(hours=3), "place": "渋谷", "community": "EdTech Tokyo",
                       "why_here": "", "goal": "三人と本当の会話をする", "code": new_event_code(),
                       "is_active": False, "created_at": now, "updated_at": now})
    surname_weights = [1 / (rank + 1) for rank in range(len(SURNAMES))]
    tiers, tier_weights = list(TIER_WEIGHTS), list(TIER_WEIGHTS.values())
    company_weights = [1 / (rank + 1) ** 0.7 for rank in range(len(COMPANIES))]
    # how many meetings each contact had: one each, the rest spread unevenly
    meetings = [1] * SEARCH_CONTACTS
    for i in rng.choices(range(SEARCH_CONTACTS), weights=[1 + (i % 7) for i in range(SEARCH_CONTACTS)],
                         k=SEARCH_ENCOUNTERS - SEARCH_CONTACTS):
        meetings[i] += 1
    event_weights = [1 + (i % 5) for i in range(SEARCH_EVENTS)]
    contacts, plans = [], []
    for i in range(SEARCH_CONTACTS):
        if rng.random() < 0.8:
            if rng.random() < 0.0005:
                sur, sur_r = rng.choice(RARE_SURNAMES)
            else:
                sur, sur_r = rng.choices(SURNAMES, weights=surname_weights)[0]
            given, given_r = rng.choice(GIVEN)
            style = rng.random()
            if style < 0.1:  # written in katakana, as on some business cards
                name = f"{_to_katakana(sur_r)} {_to_katakana(given_r)}"
            else:
                name = sur + rng.choice([" ", "", "\u3000"]) + given
            reading = f"{sur_r} {given_r}" if rng.random() < 0.9 else ""
        else:
            name, reading = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}", ""
        company = rng.choices(COMPANIES, weights=company_weights)[0] if rng.random() < 0.85 else ""
        plan = []  # (event index or None, met_at)
        for _ in range(meetings[i]):
            ev = rng.choices(range(SEARCH_EVENTS), weights=event_weights)[0] if rng.random() < 0.9 else None
            at = (events[ev]["starts_at"] + timedelta(minutes=rng.randrange(180)) if ev is not None
                  else now - timedelta(minutes=rng.randrange(730 * 24 * 60)))
            plan.append((ev, at))
        plans.append(plan)
        contacts.append({
            "owner_id": user_id, "name": name, "name_reading": reading,
            "email": f"c{i}@example.com" if rng.random() < 0.7 else "",
            "phone": f"090-{rng.randrange(10000):04d}-{rng.randrange(10000):04d}" if rng.random() < 0.3 else "",
            "company": company, "title": rng.choice(TITLES), "card_url": "", "card_url_key": "", "notes": "",
            "tier": rng.choices(tiers, weights=tier_weights)[0], "tier_reviewed_at": None,
            "search_key": search_key(name, reading, company), "name_key": fold(name),
            "reading_key": fold(reading), "possible_duplicate_of_id": None,
            "last_met_at": max(at for _, at in plan), "created_at": now, "updated_at": now,
        })
    chunk = 5000
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(Event.__table__.insert(), events)
            event_ids = list(conn.scalars(select(Event.id).where(Event.owner_id == user_id).order_by(Event.id)))
            for start in range(0, len(contacts), chunk):
                conn.execute(Contact.__table__.insert(), contacts[start:start + chunk])
            contact_ids = list(conn.scalars(
                select(Contact.id).where(Contact.owner_id == user_id).order_by(Contact.id)))
            batch = []
            for contact_id, plan in zip(contact_ids, plans):
                for ev, at in plan:
                    batch.append({"owner_id": user_id, "contact_id": contact_id,
                                  "event_id": event_ids[ev] if ev is not None else None, "met_at": at,
                                  "source": "scan" if rng.random() < 0.5 else "manual",
                                  "conversation": rng.choice(TALK), "needs": "", "memorable": "",
                                  "client_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                                  "payload_hash": "", "created_at": at})
                    if len(batch) >= chunk:
                        conn.execute(Encounter.__table__.insert(), batch)
                        batch = []
            if batch:
                conn.execute(Encounter.__table__.insert(), batch)
        if db.engine.dialect.name == "postgresql":
            # what autovacuum does within a minute of a bulk load (statistics, visibility map), done
            # here because it may be off on a test server; SQLite has no such thing and the app
            # never runs ANALYZE, so there the searches run without statistics, as users get them
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE contacts")
                conn.exec_driver_sql("VACUUM ANALYZE encounters")
                conn.exec_driver_sql("VACUUM ANALYZE events")
        db.session.remove()
    return {"event_ids": event_ids, "seconds": time.perf_counter() - started,
            "contacts": len(contacts), "encounters": sum(len(p) for p in plans)}


def search_queries(rng: random.Random, event_ids: list[int]) -> list[tuple[str, dict]]:
    """About 200 (category, params) searches: kana, katakana and half-width, kanji, companies,
    English, rare and common terms, and the event and tier filters alone and with a term."""
    queries: list[tuple[str, dict]] = []
    add = lambda cat, **params: queries.append((cat, params))  # noqa: E731
    readings = [r for _, r in SURNAMES] + [r for _, r in GIVEN]
    for reading in rng.sample(readings, 34):
        add("kana", q=reading)
    for reading in rng.sample(readings, 10):  # fragments: the middle of a reading
        add("kana fragment", q=reading[1:3] if len(reading) > 3 else reading[:2])
    for reading in rng.sample(readings, 15):
        add("katakana", q=_to_katakana(reading))
    for reading in rng.sample(readings, 15):
        add("half-width", q=_to_halfwidth(_to_katakana(reading)))
    for (sur, _), (given, _) in zip(rng.sample(SURNAMES, 12), rng.sample(GIVEN, 12)):
        add("kanji", q=rng.choice([sur, given, f"{sur} {given}", f"{sur}{given}", f"{sur}\u3000{given}"]))
    for company in rng.sample(COMPANIES, 16):
        add("company", q=company)
    for q in ["ｿﾆｰ", "ＳＯＮＹ", "acme", "ACME CORP", "いちご", "大学", "株式会社", "ﾒﾙｶﾘ", "google"]:
        add("company", q=q)
    for q in [*rng.sample(EN_FIRST, 6), *(x.lower() for x in rng.sample(EN_LAST, 6)), "JANE SMITH", "ｊａｎｅ"]:
        add("english", q=q)
    for q in ["勅使河原", "てしがわら", "テシガワラ", "小鳥遊", "たかなし", "わたぬき", "zzqx", "存在しない人",
              "xylophone", "ぬぬぬ", "Q", "100%_off", "ヴ", "𠮷野", "o'brien"]:
        add("rare / no match", q=q)
    for q in ["さ", "た", "a", "e", "田", "子", "ん", "い", "株", "j"]:
        add("common (1 char)", q=q)
    for ev in rng.sample(event_ids, 10):
        add("event", event_id=ev)
    for ev, reading in zip(rng.sample(event_ids, 10), rng.sample(readings, 10)):
        add("event + q", event_id=ev, q=reading)
    for tier in TIER_WEIGHTS:
        add("tier", tier=tier)
    for tier, reading in zip(rng.choices(list(TIER_WEIGHTS), k=10), rng.sample(readings, 10)):
        add("tier + q", tier=tier, q=reading)
    for ev, q in zip(rng.sample(event_ids, 5), ["zzqx", "てしがわら", "存在しない人", "Globex", "わたぬき"]):
        add("event + rare q", event_id=ev, q=q)
    for tier, q in zip(list(TIER_WEIGHTS), ["zzqx", "小鳥遊", "xylophone", "ぬぬぬ"]):
        add("tier + rare q", tier=tier, q=q)
    for ev, tier in zip(rng.sample(event_ids, 5), rng.choices(list(TIER_WEIGHTS), k=5)):
        add("event + tier", event_id=ev, tier=tier)
    add("no filter")
    add("no filter")
    return queries


def get_json(conn: http.client.HTTPConnection, path: str, token: str) -> tuple[int, bytes, float]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    for attempt in range(2):  # a sync worker closes the connection; http.client reopens it
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


def part2(args, app, base: str, user_id: int, token: str) -> dict:
    host, _, port = base[len("http://"):].partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    status, body, _ = get_json(conn, CONTACTS_PATH + "?q=x", token)
    if status != 200:
        return {"skipped": f"GET {CONTACTS_PATH}?q=x answered {status}: {body[:200]!r}"}
    rng = random.Random(20240611)
    print(f"  seeding {SEARCH_CONTACTS:,} contacts and {SEARCH_ENCOUNTERS:,} encounters ...", file=sys.stderr)
    seeded = seed_search(app, user_id, rng)
    print(f"  seeded in {seeded['seconds']:.1f} s", file=sys.stderr)
    queries = search_queries(rng, seeded["event_ids"])
    paths = [CONTACTS_PATH + ("?" + urllib.parse.urlencode(p) if p else "") for _, p in queries]
    warm, seen = [], set()
    for (cat, _params), path in zip(queries, paths):  # one of each kind, twice: both workers
        if cat not in seen:
            seen.add(cat)
            warm += [path, path]
    for path in warm:
        get_json(conn, path, token)
    timings: dict[str, list[float]] = {}
    every: list[float] = []
    failures: list[str] = []
    found: dict[str, int] = {}
    for _ in range(args.search_passes):
        for (cat, params), path in zip(queries, paths):
            status, body, seconds = get_json(conn, path, token)
            if status != 200:
                failures.append(f"{path} -> {status} {body[:200].decode(errors='replace')}")
                continue
            timings.setdefault(cat, []).append(seconds)
            every.append(seconds)
            found[path] = len(json.loads(body).get("items", []))
    conn.close()
    every.sort()
    p95 = percentile(every, 95) * 1000
    # the same reading in hiragana, katakana and half-width must find the same people
    variants = []
    for reading in ["たなか", "さとう", "はせがわ", "しょうた"]:
        counts = []
        for q in (reading, _to_katakana(reading), _to_halfwidth(_to_katakana(reading))):
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            try:
                _status, body, _ = get_json(conn, CONTACTS_PATH + "?" + urllib.parse.urlencode(
                    {"q": q, "limit": 100}), token)
            finally:
                conn.close()
            counts.append(len(json.loads(body).get("items", [])) if _status == 200 else -1)
        variants.append((reading, counts))
    slowest = sorted(((t, cat) for cat, ts in timings.items() for t in ts), reverse=True)[:1]
    return {
        "seeded": seeded, "queries": len(queries), "samples": len(every),
        "p50_ms": percentile(every, 50) * 1000, "p95_ms": p95, "max_ms": (every[-1] if every else 0) * 1000,
        "by_category": {cat: {"n": len(ts), "p50_ms": percentile(sorted(ts), 50) * 1000,
                              "max_ms": max(ts) * 1000} for cat, ts in timings.items()},
        "failures": failures, "variants": variants, "slowest": slowest,
        "empty_results": sum(1 for n in found.values() if n == 0),
        "pass": p95 <= SEARCH_GOAL_P95_MS and not failures,
    }


def print_part2(kind: str, res: dict, args) -> None:
    print(f"\n[{kind}] part 2 — contact search (GET {CONTACTS_PATH} through gunicorn over HTTP, one request "
          f"at a time, default page size; {res['queries']} queries x {args.search_passes} pass(es) after "
          f"a warm-up of one query per category on each worker; {res['seeded']['contacts']:,} contacts / {res['seeded']['encounters']:,} "
          f"encounters / {SEARCH_EVENTS} events seeded in {res['seeded']['seconds']:.1f} s)")
    table = [[cat, str(v["n"]), f"{v['p50_ms']:.2f}", f"{v['max_ms']:.2f}"]
             for cat, v in res["by_category"].items()]
    print(format_table(["category", "n", "p50 ms", "max ms"], table))
    print(format_table(["backend", "samples", "p50 ms", "p95 ms", "max ms", "goal", "result"],
                       [[kind, str(res["samples"]), f"{res['p50_ms']:.2f}", f"{res['p95_ms']:.2f}",
                         f"{res['max_ms']:.2f}", f"p95 <= {SEARCH_GOAL_P95_MS:.0f}",
                         "PASS" if res["pass"] else "FAIL"]]))
    print(f"  queries with an empty first page: {res['empty_results']}")
    for reading, counts in res["variants"]:
        same = len(set(counts)) == 1
        print(f"  {reading} / {_to_katakana(reading)} / {_to_halfwidth(_to_katakana(reading))}: "
              f"{counts[0]} / {counts[1]} / {counts[2]} hits on the first page of 100 "
              f"{'(same)' if same else '(DIFFERENT)'}")
    for line in res["failures"][:5]:
        print(f"  failed: {line}")


# --------------------------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=10, help="seconds per measured run (10)")
    p.add_argument("--connections", type=int, default=16, help="concurrent connections (16)")
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both",
                   help="which database to measure (both)")
    p.add_argument("--skip-search", action="store_true", help="part 1 only")
    p.add_argument("--same-name", action="store_true",
                   help="give every capture the same name (each one then a possible duplicate of the first)")
    p.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_DEFAULT),
                   help=f"PostgreSQL database to use a throw-away schema of ({PG_DEFAULT})")
    p.add_argument("--pg-schema", default="bench_capture", help="that schema's name (bench_capture)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    p.add_argument("--rounds", type=int, default=2,
                   help="baseline/capture pairs, alternated (2: baseline, capture, baseline, capture)")
    p.add_argument("--warmup", type=float, default=2, help="warm-up seconds per endpoint (2)")
    p.add_argument("--integrity-requests", type=int, default=10,
                   help="new captures per connection in the exact row-count check (10)")
    p.add_argument("--search-passes", type=int, default=1, help="timed passes over the searches (1)")
    p.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto",
                   help="load generator: wrk if installed (auto), or the built-in Python one")
    p.add_argument("--log-lines", type=int, default=20,
                   help="print this many last lines of gunicorn's log at the end (20)")
    p.add_argument("--load-threads", type=int, default=1,
                   help="wrk threads, or Python load processes (1 wrk thread; Python: CPU count)")
    args = p.parse_args(argv)
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.pg_schema):
        p.error("--pg-schema: lower-case letters, digits and _ only")
    return args


def run_backend(args, kind: str, tool: str) -> dict:
    summary: dict = {"backend": kind}
    tmp = tempfile.TemporaryDirectory(prefix=f"ichigo-capture-{kind}-")
    work = Path(tmp.name)
    backend = ThrowawayDatabase(kind, work, pg_url=args.pg_url, pg_schema=args.pg_schema)
    server = app = None
    try:
        port = free_port()
        env = {**os.environ,
               "DATABASE_URL": backend.url,
               "SECRET_KEY": secrets.token_hex(32),
               "BENCH_ENDPOINTS": "1",
               "AUTH_RATE_LIMIT": "100000 per minute",
               "PUBLIC_BASE_URL": f"http://{LOOPBACK}:{port}",
               "MAIL_URL": f"maildir:{work / 'maildir'}",
               "RATELIMIT_STORAGE_URI": "memory://",
               "PYTHONDONTWRITEBYTECODE": "1"}
        print(f"[{kind}] creating and migrating the database ...", file=sys.stderr)
        backend.create()
        migrate(env)
        app = make_app(env)
        capture_user, capture_token = seed_user(app, "capture")
        search_user, search_token = seed_user(app, "search")
        server = Gunicorn(env, port, workers=args.workers, worker_class="sync", threads=1,
                          log_path=work / "gunicorn.log")
        server.cmd.insert(-1, "--capture-output")  # the app's tracebacks go to the log too
        server.start()
        base = f"http://{LOOPBACK}:{port}"
        print(f"[{kind}] part 1: {base}, {tool}", file=sys.stderr)
        res1 = part1(args, app, server, capture_user, capture_token, tool)
        print_part1(kind, res1, args, tool)
        summary["capture"] = {
            "ratio": round(res1["ratio"], 3),
            "cpu_ratio": round(res1["cpu_ratio"], 3) if res1["cpu_ratio"] else None,
            "goal": CAPTURE_GOAL, "pass": res1["pass"],
            "baseline_valid": res1["baseline_valid"], "loadavg_1m": round(os.getloadavg()[0], 2),
            **{name: {k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()}
               for name, row in res1["rows"].items()},
            "rows_check": res1["check"], "exact_check": res1["exact"]}
        if not args.skip_search:
            print(f"[{kind}] part 2", file=sys.stderr)
            res2 = part2(args, app, base, search_user, search_token)
            if "skipped" in res2:
                print(f"\n[{kind}] part 2 — contact search skipped: {res2['skipped']}")
                summary["search"] = {"skipped": res2["skipped"]}
            else:
                print_part2(kind, res2, args)
                summary["search"] = {k: (round(v, 2) if isinstance(v, float) else v)
                                     for k, v in res2.items() if k in ("p50_ms", "p95_ms", "max_ms", "samples",
                                                                       "queries", "pass")}
                summary["search"]["goal_p95_ms"] = SEARCH_GOAL_P95_MS
        sys.stdout.flush()
        return summary
    finally:
        if server is not None:
            server.stop()
            log = server.log_tail(args.log_lines)
            if args.log_lines and log.strip() and log != "(no log)":
                print(f"[{kind}] gunicorn log, last lines:\n{log}", file=sys.stderr)
        if app is not None:
            from webapp.extensions import db
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        backend.drop_or_report()
        tmp.cleanup()



def main(argv=None) -> int:
    args = parse_args(argv)
    if args.same_name:  # read by capture_names(), in this process and in the load processes
        os.environ["ICHIGO_BENCH_SAME_NAME"] = "1"
    unwind_on_signals()  # unwind like Ctrl-C: stop gunicorn, drop the schema
    tool = args.tool
    if tool == "auto":
        tool = "wrk" if wrk_path() else "python"
        if tool == "python":
            print("wrk is not installed; using the built-in Python load generator (it competes with the "
                  "server for CPU). Install wrk for sharper numbers: apt-get install -y wrk", file=sys.stderr)
    elif tool == "wrk" and not wrk_path():
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    kinds = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    summaries = []
    try:
        for kind in kinds:
            summaries.append(run_backend(args, kind, tool))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2
    finally:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
    for s in summaries:
        print(json.dumps({"bench": "capture", "tool": tool, "connections": args.connections, "same_name": args.same_name,
                          "duration_s": args.duration, "workers": args.workers, "cpus": os.cpu_count(), **s},
                         ensure_ascii=False, default=str))
    passed = all(s["capture"]["pass"] and s["capture"]["baseline_valid"] and s.get("search", {}).get("pass", True) is not False for s in summaries)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
