"""A busy evening on one server: a mixed load of reads and writes, counted by status, beside /healthz.

    .venv/bin/python bench/mixed.py [--duration 30] [--connections 32] [--backend sqlite|postgresql|both]

For each backend: a throw-away database (SQLite file in a temporary directory; or a schema
`bench_mixed` in PostgreSQL, dropped at the end), migrated with `flask --app wsgi db upgrade`;
`gunicorn wsgi:app` with 2 sync workers (what `make run` starts) on a free loopback port. Three
users are seeded through the API (a card, two events, 20 contacts each, their follow-up drafts and
promises). Then wrk, `--connections` connections for `--duration` seconds, sends a weighted mix:

  reads  (55 %)  contact search, due reminders, follow-up list, the public card page, a contact
  writes (45 %)  captures, profile edits, template saves, follow-up edits, tier changes, logged
                 touches, promises, reminder settings, drafting for an event, share-backs

each request for a random one of the three users. Baseline in the same run: `/healthz` (one
`SELECT 1`, the cost of the stack itself) with the same connections, before and after.

Prints requests/s, p50/p99 and the count of answers by class (2xx, 4xx, 5xx, errors), with the
mix's throughput over the baseline's, and one JSON line per backend. Goal: zero 5xx and zero
connection errors. (4xx answers are expected and fine: e.g. editing a follow-up another request
just approved is a 409.) No timing goal. Exit status: 0 goal met, 1 missed, 2 could not run.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import sys
import tempfile
import time
import urllib.request
import uuid
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.dont_write_bytecode = True

from bench._common import (  # noqa: E402
    LOOPBACK, PG_DEFAULT, Gunicorn, ThrowawayDatabase, format_table, free_port, migrate, run_wrk,
    unwind_on_signals, wrk_json, wrk_path,
)

USERS = 3
CONTACTS_PER_USER = 20

#: the mix: (weight, lua expression building one request for account `a`); see WRK_LUA
MIX = [
    (10, 'get(a, "/api/v1/contacts?q=" .. pick({"%E3%81%95%E3%81%A8%E3%81%86", "sato", "tanaka", ""}))'),
    (10, 'get(a, "/api/v1/reminders")'),
    (8, 'get(a, "/api/v1/followups")'),
    (12, 'plain("GET", "/c/" .. a.slug, nil, nil)'),
    (8, 'get(a, "/api/v1/contacts/" .. pick(a.contacts))'),
    (7, 'json(a, "POST", "/api/v1/captures", \'{"client_id":"\' .. uuid4() .. \'","name":"佐藤 \' .. math.random(1, 9999) .. \'","conversation":"教育AIの話"}\')'),
    (5, 'json(a, "PUT", "/api/v1/profile", \'{"name":"山田 太郎","keyword":"AIと教育を掛け合わせる \' .. math.random(1, 99) .. \'"}\')'),
    (4, 'json(a, "PUT", "/api/v1/templates/ja", \'{"subject":"ありがとうございました（{{ my_name }}）","body":"{{ contact_name }}様\\\\n\\\\n\' .. math.random(1, 999) .. \'\\\\n"}\')'),
    (6, 'json(a, "PATCH", "/api/v1/followups/" .. pick(a.followups), \'{"body":"Thank you! \' .. math.random(1, 999) .. \'\\\\n"}\')'),
    (5, 'json(a, "PUT", "/api/v1/contacts/" .. pick(a.contacts) .. "/tier", \'{"tier":"\' .. pick({"grow", "maintain", "let_go"}) .. \'"}\')'),
    (5, 'json(a, "POST", "/api/v1/contacts/" .. pick(a.contacts) .. "/interactions", \'{"kind":"message"}\')'),
    (3, 'json(a, "PATCH", "/api/v1/promises/" .. pick(a.promises), math.random() < 0.5 and \'{"done":true}\' or \'{"done":false}\')'),
    (2, 'json(a, "PATCH", "/api/v1/reminders/settings", \'{"grow_cap":\' .. math.random(10, 50) .. \'}\')'),
    (2, 'json(a, "POST", "/api/v1/events/" .. a.event .. "/followups", "{}")'),
    (3, 'form("/c/" .. a.slug .. "/connect", a.share .. "&name=Visitor&email=v" .. uuid4():sub(1, 8) .. "%40example.net&message=Hello")'),
]

WRK_LUA = r"""
local accounts = __ACCOUNTS__
local threads, count = {}, 0
local seed = __SEED__

function setup(thread)
  count = count + 1
  thread:set("tid", count)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(seed + tid * 1000003)
  ok, client, server, other = 0, 0, 0, 0
  first_bad = ""
end

local hex = "0123456789abcdef"
function uuid4()
  local t = {}
  for i = 1, 32 do
    local r = math.random(0, 15)
    if i == 13 then r = 4 elseif i == 17 then r = 8 + (r % 4) end
    t[i] = hex:sub(r + 1, r + 1)
  end
  local s = table.concat(t)
  return s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16) .. "-" .. s:sub(17, 20) .. "-" .. s:sub(21, 32)
end
function pick(list) return list[math.random(#list)] end
function plain(method, path, headers, body) return wrk.format(method, path, headers or {}, body) end
function get(a, path) return plain("GET", path, {["Authorization"] = "Bearer " .. a.token}) end
function json(a, method, path, body)
  return plain(method, path, {["Authorization"] = "Bearer " .. a.token, ["Content-Type"] = "application/json"}, body)
end
function form(path, body)
  return plain("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

local builders = {__BUILDERS__}
local weights = {__WEIGHTS__}
local total = 0
for _, w in ipairs(weights) do total = total + w end

function request()
  local a = accounts[math.random(#accounts)]
  local r = math.random(total)
  for i, w in ipairs(weights) do
    if r <= w then return builders[i](a) end
    r = r - w
  end
  return builders[1](a)
end

function response(status, headers, body)
  if status < 400 then ok = ok + 1
  elseif status < 500 then client = client + 1
  else
    server = server + 1
    if first_bad == "" then first_bad = (status .. " " .. string.sub(body or "", 1, 300)):gsub("[\r\n]", " ") end
  end
end

function done(summary, latency, requests)
  local c = {ok = 0, client = 0, server = 0}
  local bad = ""
  for _, t in ipairs(threads) do
    for k, _ in pairs(c) do c[k] = c[k] + (t:get(k) or 0) end
    local b = t:get("first_bad")
    if bad == "" and b and b ~= "" then bad = b end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%.0f,"duration_us":%.0f,"p50_us":%.1f,"p99_us":%.1f,"max_us":%.1f,' ..
    '"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f,"ok":%d,"client":%d,"server":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, c.ok, c.client, c.server))
  if bad ~= "" then io.write("WRKBAD " .. bad .. "\n") end
end
"""


def call(base: str, method: str, path: str, body=None, token: str | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def must(result: tuple[int, bytes], *ok: int):
    status, body = result
    if status not in ok:
        raise RuntimeError(f"seeding failed: {status} {body[:300]!r}")
    return json.loads(body) if body else None


def seed_account(base: str, n: int) -> dict:
    """One user with a public card, two events, contacts met at the first, drafts and promises."""
    email, password = f"mixed{n}-{secrets.token_hex(3)}@example.com", "correct horse battery"
    must(call(base, "POST", "/api/v1/auth/signup", {"email": email, "password": password, "name": f"User {n}"}), 201)
    token = must(call(base, "POST", "/api/v1/auth/tokens", {"email": email, "password": password}), 201)["token"]
    slug = must(call(base, "PUT", "/api/v1/profile", {"name": f"山田 {n}", "keyword": "AIと教育"}, token), 200)["slug"]
    event = must(call(base, "POST", "/api/v1/events", {"name": "Meetup", "is_active": True}, token), 201)["id"]
    contacts = []
    for i in range(CONTACTS_PER_USER):
        contacts.append(must(call(base, "POST", "/api/v1/captures", {
            "client_id": str(uuid.uuid4()), "name": f"佐藤 {i}", "email": f"p{i}-{n}-{secrets.token_hex(3)}@example.com",
            "conversation": "教育AIの話", "promise": "記事を送る"}, token), 201)["contact_id"])
    must(call(base, "POST", f"/api/v1/events/{event}/followups", {}, token), 200, 201)
    followups = [f["id"] for f in must(call(base, "GET", "/api/v1/followups?limit=100", token=token), 200)["items"]]
    promises = [p["id"] for p in must(call(base, "GET", "/api/v1/promises?status=open", token=token), 200)["items"]]
    return {"token": token, "slug": slug, "event": event, "contacts": contacts, "followups": followups,
            "promises": promises, "share": share_back_fields(base, slug)}


def share_back_fields(base: str, slug: str) -> str:
    """The hidden fields of the card's share-back form (whatever the page puts there), URL-encoded."""
    from urllib.parse import urlencode

    status, page = call(base, "GET", f"/c/{slug}")
    if status != 200:
        raise RuntimeError(f"card page answered {status}")
    form = re.search(rb'<form[^>]+/connect[^>]*>(.*?)</form>', page, re.S)
    fields = {}
    for tag in re.findall(rb'<input[^>]*type="hidden"[^>]*>', form.group(1) if form else b""):
        name = re.search(rb'name="([^"]+)"', tag)
        value = re.search(rb'value="([^"]*)"', tag)
        if name:
            fields[unescape(name.group(1).decode())] = unescape(value.group(1).decode()) if value else ""
    return urlencode(fields)


def lua_accounts(accounts: list[dict]) -> str:
    def lua_list(values):
        return "{" + ", ".join(str(v) for v in values) + "}"
    rows = []
    for a in accounts:
        rows.append("{token = %s, slug = %s, event = %d, contacts = %s, followups = %s, promises = %s, share = %s}" % (
            json.dumps(a["token"]), json.dumps(a["slug"]), a["event"], lua_list(a["contacts"]),
            lua_list(a["followups"] or [0]), lua_list(a["promises"] or [0]), json.dumps(a["share"])))
    return "{" + ",\n".join(rows) + "}"


def run_mix(url: str, accounts: list[dict], duration: float, connections: int, threads: int) -> dict:
    script = (WRK_LUA.replace("__ACCOUNTS__", lua_accounts(accounts)).replace("__SEED__", str(secrets.randbits(40)))
              .replace("__BUILDERS__", ",\n".join(f"function(a) return {expr} end" for _, expr in MIX))
              .replace("__WEIGHTS__", ", ".join(str(w) for w, _ in MIX)))
    raw, output = wrk_json(url, script, duration, connections, threads)
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": int(raw["requests"]), "rps": raw["requests"] / seconds if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000, "p99_ms": raw["p99_us"] / 1000, "max_ms": raw["max_us"] / 1000,
        "2xx_3xx": int(raw["ok"]), "4xx": int(raw["client"]), "5xx": int(raw["server"]),
        "errors": int(raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]),
        "first_5xx": next((ln[len("WRKBAD "):] for ln in output.splitlines() if ln.startswith("WRKBAD ")), ""),
    }


def run_backend(args, kind: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="ichigo-bench-mixed-") as tmp:
        work = Path(tmp)
        database = ThrowawayDatabase(kind, work, pg_url=args.pg_url, pg_schema=args.pg_schema)
        database.create()
        server = None
        try:
            env = {**os.environ, "DATABASE_URL": database.url, "SECRET_KEY": secrets.token_hex(32),
                   "MAIL_URL": f"maildir:{work / 'maildir'}", "RATELIMIT_STORAGE_URI": "memory://",
                   # a benchmark from one address: the per-address limits would measure themselves
                   "AUTH_RATE_LIMIT": "100000 per minute", "AUTH_ACCOUNT_LIMIT": "100000 per minute",
                   "SHARE_BACK_LIMIT_PER_ADDRESS": "100000 per minute",
                   "SHARE_BACK_LIMIT_PER_CARD": "100000 per minute"}
            env.pop("PUBLIC_BASE_URL", None)
            migrate(env)
            port = free_port()
            server = Gunicorn(env, port, workers=args.workers, worker_class="sync", threads=1,
                              log_path=work / "gunicorn.log")
            server.start()
            base = f"http://{LOOPBACK}:{port}"
            accounts = [seed_account(base, n) for n in range(USERS)]
            time.sleep(3)  # the share-back form refuses a submission made seconds after the page
            threads = max(1, min(4, args.connections))
            before = run_wrk(f"{base}/healthz", args.duration / 3, args.connections, threads)
            mix = run_mix(base, accounts, args.duration, args.connections, threads)
            after = run_wrk(f"{base}/healthz", args.duration / 3, args.connections, threads)
            baseline = (before["rps"] + after["rps"]) / 2
            log_5xx = server.log_tail(20) if mix["5xx"] else ""
        finally:
            if server is not None:
                server.stop()
            database.drop_or_report()
    return {"backend": kind, "mix": mix, "healthz_rps": baseline, "ratio": mix["rps"] / baseline if baseline else 0.0,
            "pass": mix["5xx"] == 0 and mix["errors"] == 0, "server_log": log_5xx}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of mixed load (default 30)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2, as make run)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_DEFAULT))
    parser.add_argument("--pg-schema", default="bench_mixed")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not wrk_path():
        print("wrk is not installed (apt-get install -y wrk); the mixed load needs its Lua scripting",
              file=sys.stderr)
        return 2
    unwind_on_signals()
    kinds = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = []
    try:
        for kind in kinds:
            results.append(run_backend(args, kind))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2
    finally:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
    rows = [[r["backend"], f'{r["mix"]["rps"]:.0f}', f'{r["mix"]["p50_ms"]:.1f}', f'{r["mix"]["p99_ms"]:.1f}',
             str(r["mix"]["2xx_3xx"]), str(r["mix"]["4xx"]), str(r["mix"]["5xx"]), str(r["mix"]["errors"]),
             f'{r["healthz_rps"]:.0f}', f'{r["ratio"]:.2f}', "yes" if r["pass"] else "NO"] for r in results]
    print(f"\nmixed load: {args.duration:.0f} s, {args.connections} connections, gunicorn {args.workers} sync workers\n")
    print(format_table(["backend", "req/s", "p50 ms", "p99 ms", "2xx/3xx", "4xx", "5xx", "errors", "healthz req/s",
                        "vs healthz", "goal: 0 5xx"], rows))
    for r in results:
        if r["mix"]["first_5xx"]:
            print(f"\n{r['backend']}: first 5xx: {r['mix']['first_5xx']}\n{r['server_log']}")
        print(json.dumps({"bench": "mixed", "duration_s": args.duration, "connections": args.connections,
                          "workers": args.workers, "cpus": os.cpu_count(), **{k: v for k, v in r.items() if k != "server_log"}},
                         ensure_ascii=False))
    return 0 if all(r["pass"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
