"""Load benchmark of the public card: /c/<slug> and its QR codes against /healthz, on loopback.

    .venv/bin/python bench/card.py [--duration 10] [--connections 32] [--backend sqlite|postgresql]

Creates a throw-away database (a SQLite file in a temporary directory, or a schema `bench_card` of
its own in the PostgreSQL database --pg-url, dropped at the end), migrates it with
`flask --app wsgi db upgrade`, seeds one user with a public card through the app's own services,
starts `gunicorn wsgi:app` on a free loopback port and measures each endpoint
with wrk (or a built-in Python load generator when wrk is not installed). Throughput is compared
with /healthz (one SELECT 1: the cost of the stack itself), measured before and after the others;
goals: QR ≥ 0.70 × /healthz, card page ≥ 0.50 × /healthz. Prints a table, then one JSON line.
Exit status: 0 all goals met, 1 a goal missed, 2 the benchmark could not run.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.dont_write_bytecode = True  # leave no __pycache__ behind in bench/

from bench._common import (  # noqa: E402
    LOOPBACK, PG_DEFAULT, Gunicorn, ThrowawayDatabase, fetch, format_table, free_port, migrate, run_python,
    run_wrk, unwind_on_signals, wrk_path,
)

#: endpoint name -> (path template, expected content type, goal as a share of /healthz)
ENDPOINTS = {
    "healthz": ("/healthz", "application/json", None),
    "card": ("/c/{slug}", "text/html", 0.50),
    "qr.svg": ("/c/{slug}/qr.svg", "image/svg+xml", 0.70),
    "qr.png": ("/c/{slug}/qr.png", "image/png", 0.70),
}

PROFILE = {
    "name": "Bench Tanaka",
    "name_reading": "べんち たなか",
    "keyword": "I build AI tools for teachers",
    "current_work": "Building a grading assistant for primary-school teachers.",
    "why_here": "To meet teachers who want to try it in class.",
    "next_challenge": "A pilot with three schools next spring.",
    "signature_color": "#1f4e9c",
    "signature_text": "always wears a blue scarf",
    "offers": "Hands-on help with classroom AI.",
    "asks": "Teachers willing to try a prototype.",
    "links": ["https://example.org/bench", "https://example.org/bench/blog"],
    "public_email": "bench@example.org",
    "public_phone": "+81 3 0000 0000",
    "company": "Bench Labs",
    "title": "Founder",
}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=10, help="seconds per measured run (10)")
    p.add_argument("--connections", type=int, default=32, help="concurrent connections (32)")
    p.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite",
                   help="a temporary SQLite file (default), or a throw-away schema in --pg-url")
    p.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_DEFAULT),
                   help=f"PostgreSQL database to make the throw-away schema in ({PG_DEFAULT})")
    p.add_argument("--pg-schema", default="bench_card", help="that schema's name (bench_card)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    p.add_argument("--worker-class", default="sync", choices=["sync", "gthread"],
                   help="gunicorn worker class (sync)")
    p.add_argument("--threads", type=int, default=4, help="threads per gthread worker (4)")
    p.add_argument("--rounds", type=int, default=1,
                   help="repeat card, svg, png, healthz this many times after the first healthz (1)")
    p.add_argument("--warmup", type=float, default=2, help="warm-up seconds per endpoint (2)")
    p.add_argument("--endpoints", default=",".join(ENDPOINTS),
                   help=f"comma-separated subset of {', '.join(ENDPOINTS)}; healthz is always run")
    p.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto",
                   help="load generator: wrk if installed (auto), or the built-in Python one")
    p.add_argument("--load-threads", type=int, default=1,
                   help="wrk threads, or Python load processes (1 wrk thread; Python: CPU count)")
    args = p.parse_args(argv)
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.pg_schema):
        p.error("--pg-schema: lower-case letters, digits and _ only")
    args.endpoints = ["healthz"] + [e for e in args.endpoints.split(",") if e and e != "healthz"]
    unknown = set(args.endpoints) - set(ENDPOINTS)
    if unknown:
        p.error(f"unknown endpoint(s): {', '.join(sorted(unknown))}")
    return args


def seed(env: dict) -> tuple[str, int]:
    """One user with a public card, made through the app's services and the API's input schema;
    returns (slug, user id)."""
    os.environ.update(env)
    from webapp import create_app
    from webapp.auth.services import create_user
    from webapp.extensions import db
    from webapp.profiles import services as profiles
    from webapp.profiles.schemas import ProfileIn

    app = create_app()
    with app.app_context():
        user = create_user(f"bench-{secrets.token_hex(6)}@example.org",
                           secrets.token_urlsafe(16), PROFILE["name"])
        profile = profiles.update_profile(user, ProfileIn().load(dict(PROFILE)))
        slug, user_id = profile.slug, user.id
        db.session.remove()
        db.engine.dispose()
    return slug, user_id


def check(base: str, names: list[str], slug: str) -> list[str]:
    """Each endpoint answers 200 with its content type; returns the problems found."""
    problems = []
    for name in names:
        path, ctype, _ = ENDPOINTS[name]
        status, got, _ = fetch(base + path.format(slug=slug))
        if status != 200 or not got.startswith(ctype):
            problems.append(f"{name}: {path.format(slug=slug)} -> {status} {got or '-'}"
                            f" (expected 200 {ctype})")
    return problems


def measure(args, server: Gunicorn, slug: str) -> tuple[dict, str]:
    tool = args.tool
    if tool == "auto":
        tool = "wrk" if wrk_path() else "python"
        if tool == "python":
            print("wrk is not installed; using the built-in Python load generator (less precise,"
                  " and it competes with the server for CPU).\n"
                  "  Install wrk for real numbers:  apt-get install -y wrk", file=sys.stderr)
    if tool == "wrk" and not wrk_path():
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")

    def one(name: str, seconds: float) -> dict:
        url = server.url + ENDPOINTS[name][0].format(slug=slug)
        cpu_before = server.cpu_seconds()
        if tool == "wrk":
            result = run_wrk(url, seconds, args.connections, args.load_threads)
        else:
            result = run_python(url, seconds, args.connections,
                                args.load_threads if args.load_threads > 1 else (os.cpu_count() or 2))
        cpu_after = server.cpu_seconds()
        used = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
        result["cpu_ms"] = used * 1000 / result["requests"] if used and used > 0 else None
        return result

    if args.warmup > 0:
        for name in args.endpoints:
            one(name, args.warmup)
    others = args.endpoints[1:]
    order = ["healthz"] + (others + ["healthz"]) * args.rounds if others else ["healthz"] * 2
    runs: dict[str, list[dict]] = {name: [] for name in args.endpoints}
    for name in order:
        result = one(name, args.duration)
        runs[name].append(result)
        cpu = f"{result['cpu_ms']:6.2f}" if result["cpu_ms"] else "     -"
        print(f"  {name:8} {result['rps']:9.1f} req/s  p50 {result['p50_ms']:7.2f} ms"
              f"  p99 {result['p99_ms']:8.2f} ms  server CPU {cpu} ms/req", file=sys.stderr)
    return runs, tool


def summarise(runs: dict) -> list[dict]:
    """Mean figures per endpoint. Each throughput ratio is taken against the mean of the two
    /healthz runs that bracket it (round i sits between healthz runs i and i+1), so drift cancels
    out; the CPU ratio is healthz's server CPU per request over the endpoint's."""
    mean = lambda values: sum(values) / len(values) if values else None  # noqa: E731
    healthz = [r["rps"] for r in runs["healthz"]]
    healthz_cpu = mean([r["cpu_ms"] for r in runs["healthz"] if r["cpu_ms"]])
    rows = []
    for name, rs in runs.items():
        goal = ENDPOINTS[name][2]
        if name == "healthz":
            ratio = 1.0
        else:
            ratio = mean([r["rps"] / mean(healthz[i:i + 2]) for i, r in enumerate(rs)])
        cpu = mean([r["cpu_ms"] for r in rs if r["cpu_ms"]])
        failures = sum(r["errors"] + r["bad_status"] for r in rs)
        ok = None if goal is None else (ratio >= goal and failures == 0)
        rows.append({"endpoint": ENDPOINTS[name][0], "name": name,
                     "rps": round(mean([r["rps"] for r in rs]), 1),
                     "p50_ms": round(mean([r["p50_ms"] for r in rs]), 2),
                     "p99_ms": round(mean([r["p99_ms"] for r in rs]), 2),
                     "ratio": round(ratio, 3),
                     "cpu_ms": round(cpu, 3) if cpu else None,
                     "cpu_ratio": round(healthz_cpu / cpu, 3) if cpu and healthz_cpu else None,
                     "goal": goal, "pass": ok, "errors": failures, "runs": len(rs)})
    return rows


def report(args, rows: list[dict], tool: str, runs: dict) -> bool:
    fmt = lambda value, spec: "-" if value is None else format(value, spec)  # noqa: E731
    table = [[r["endpoint"], f"{r['rps']:.1f}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}",
              f"{r['ratio']:.2f}", fmt(r["cpu_ms"], ".2f"), fmt(r["cpu_ratio"], ".2f"),
              "baseline" if r["goal"] is None else f">= {r['goal']:.2f}",
              "-" if r["pass"] is None else ("PASS" if r["pass"] else "FAIL")
              + (f" ({r['errors']} errors)" if r["errors"] else "")] for r in rows]
    print()
    print(f"database: {args.backend}; gunicorn: {args.workers} {args.worker_class} workers"
          + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
          + f" on {LOOPBACK}; load: {tool}, {args.connections} connections, {args.duration:g} s"
          f" per run; /healthz = mean of {len(runs['healthz'])} runs; CPUs: {os.cpu_count()}")
    print(format_table(["endpoint", "req/s", "p50 ms", "p99 ms", "vs healthz", "CPU ms/req",
                        "CPU ratio", "goal", "result"], table))
    print("vs healthz: throughput ratio (the goal); CPU ratio: /healthz's server CPU per request"
          " over the endpoint's, a cross-check that noisy neighbours do not move")
    hz = [r["rps"] for r in runs["healthz"]]
    drift = (max(hz) - min(hz)) / max(hz) if max(hz) else 0.0
    if drift > 0.15:
        print(f"warning: /healthz throughput varied by {drift:.0%} between its runs: something else"
              " is using the CPUs; trust the CPU ratio more, or use more --rounds", file=sys.stderr)
    passed = all(r["pass"] is not False for r in rows)
    print(json.dumps({"bench": "card", "backend": args.backend, "pass": passed, "tool": tool,
                      "workers": args.workers,
                      "worker_class": args.worker_class,
                      "threads": args.threads if args.worker_class == "gthread" else 1,
                      "connections": args.connections, "duration_s": args.duration,
                      "rounds": args.rounds, "cpus": os.cpu_count(),
                      "healthz_drift": round(drift, 3), "results": rows}, ensure_ascii=False))
    return passed



def main(argv=None) -> int:
    args = parse_args(argv)
    # SIGTERM (and SIGHUP) unwind like Ctrl-C so the finally blocks stop gunicorn and clean up.
    unwind_on_signals()  # unwind like Ctrl-C: stop gunicorn, drop the schema
    tmp = tempfile.TemporaryDirectory(prefix="ichigo-bench-")
    work = Path(tmp.name)
    database = ThrowawayDatabase(args.backend, work, pg_url=args.pg_url, pg_schema=args.pg_schema)
    server = None
    try:
        port = free_port()
        env = {**os.environ,
               "DATABASE_URL": database.url,
               "SECRET_KEY": secrets.token_hex(32),
               "PUBLIC_BASE_URL": f"http://{LOOPBACK}:{port}",
               "MAIL_URL": f"maildir:{work / 'maildir'}",
               "RATELIMIT_STORAGE_URI": "memory://",
               "PYTHONDONTWRITEBYTECODE": "1"}
        print(f"creating and migrating a throw-away {args.backend} database and seeding a card ...",
              file=sys.stderr)
        database.create()
        migrate(env)
        slug, _user_id = seed(env)
        server = Gunicorn(env, port, workers=args.workers, worker_class=args.worker_class,
                          threads=args.threads, log_path=work / "gunicorn.log")
        server.start()
        problems = check(server.url, args.endpoints, slug)
        if problems:
            print("not ready to benchmark:\n  " + "\n  ".join(problems), file=sys.stderr)
            return 2
        print(f"measuring {', '.join(args.endpoints)} on {server.url} (card /c/{slug})",
              file=sys.stderr)
        runs, tool = measure(args, server, slug)
        return 0 if report(args, summarise(runs), tool, runs) else 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not strand gunicorn
        if server is not None:
            server.stop()
        database.drop_or_report()
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
