"""Benchmark helpers: a throw-away database and gunicorn on loopback, a load generator (wrk, else Python)."""
from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
PG_DEFAULT = "postgresql://postgres@127.0.0.1/test"

#: wrk's own summary as one JSON line (latencies in microseconds), read back by run_wrk
WRK_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%.0f,"duration_us":%.0f,"p50_us":%.1f,"p99_us":%.1f,"max_us":%.1f,' ..
    '"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def fetch(url: str, timeout: float = 5.0) -> tuple[int, str, bytes]:
    """GET a loopback URL: (status, content type, body); HTTP errors are returned, not raised."""
    assert url.startswith(f"http://{LOOPBACK}:"), "benchmarks only target loopback"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


class Gunicorn:
    """`gunicorn wsgi:app` in its own process group; stop() always leaves nothing running."""

    def __init__(self, env: dict, port: int, *, workers: int, worker_class: str, threads: int,
                 log_path: Path):
        self.port = port
        self.log_path = log_path
        self.cmd = [sys.executable, "-m", "gunicorn", "--workers", str(workers),
                    "--worker-class", worker_class, "--bind", f"{LOOPBACK}:{port}",
                    "--error-logfile", str(log_path), "--log-level", "warning"]
        if worker_class == "gthread":
            self.cmd += ["--threads", str(threads)]
        self.cmd.append("wsgi:app")
        self.env = env
        self.url = f"http://{LOOPBACK}:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> None:
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, start_new_session=True,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                if fetch(f"http://{LOOPBACK}:{self.port}/healthz", timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz in {timeout:.0f} s:\n{self.log_tail()}")

    def cpu_seconds(self) -> float | None:
        """User + system CPU time used so far by the master and its workers (Linux /proc; else None).

        Throughput on a busy machine swings with whatever else runs; CPU time per request does not,
        so it tells a slow endpoint from a noisy neighbour."""
        if self.proc is None or not Path("/proc/self/stat").exists():
            return None
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended meanwhile
            pid, ppid = int(entry.name), int(fields[1])
            if pid == self.proc.pid or ppid == self.proc.pid:
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Graceful TERM to the master, then KILL to the whole group if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group is gunicorn's own session
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()


class ThrowawayDatabase:
    """The benchmark's own database: a SQLite file in `work`, or a dedicated schema in an existing
    PostgreSQL database (created here, refused if it already exists, dropped by drop()), so the
    database's other schemas are never touched."""

    def __init__(self, kind: str, work: Path, *, pg_url: str = PG_DEFAULT, pg_schema: str = "bench"):
        if kind not in ("sqlite", "postgresql"):
            raise ValueError(f"unknown backend {kind!r}")
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", pg_schema):
            raise ValueError("schema names are lower-case letters, digits and _ only")
        self.kind = kind
        self.schema = pg_schema if kind == "postgresql" else None
        self.pg_url = pg_url
        self._created = False
        if kind == "sqlite":
            self.url = f"sqlite:///{work / 'bench.db'}"
        else:
            sep = "&" if "?" in pg_url else "?"
            self.url = f"{pg_url}{sep}options=-csearch_path%3D{pg_schema}"

    def _admin(self):
        sys.path.insert(0, str(ROOT))
        from sqlalchemy import create_engine

        from webapp.config import normalise_database_url
        return create_engine(normalise_database_url(self.pg_url), isolation_level="AUTOCOMMIT")

    def create(self) -> None:
        if self.kind != "postgresql":
            return
        from sqlalchemy import text

        engine = self._admin()
        try:
            with engine.connect() as conn:
                if conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": self.schema}).first():
                    raise RuntimeError(
                        f"schema {self.schema} already exists (another run, or one that was killed); "
                        f"drop it with  psql {self.pg_url} -c 'DROP SCHEMA {self.schema} CASCADE'  "
                        "or pass --pg-schema")
                conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
                self._created = True
        finally:
            engine.dispose()

    def drop_or_report(self) -> None:
        """drop(), saying so on stderr if it fails: cleanup must not hide the benchmark's result."""
        try:
            self.drop()
        except Exception as exc:  # noqa: BLE001
            print(f"could not drop schema {self.schema}: {exc}", file=sys.stderr)

    def drop(self) -> None:
        """Drop the schema this object created (a SQLite file goes with its temporary directory)."""
        if self.kind != "postgresql" or not self._created:
            return
        from sqlalchemy import text

        engine = self._admin()
        try:
            with engine.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            self._created = False
        finally:
            engine.dispose()


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def unwind_on_signals() -> None:
    """SIGTERM and SIGHUP unwind like Ctrl-C, so the scripts' `finally` stops gunicorn, the workers
    and the sink, and drops the schema."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)


def migrate(env: dict) -> None:
    """`flask --app wsgi db upgrade` against env's DATABASE_URL: the schema exactly as users get it."""
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"db upgrade failed:\n{out.stderr or out.stdout}")


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_json(url: str, script: str, duration: float, connections: int, threads: int) -> tuple[dict, str]:
    """One bounded wrk run (with --latency) against a loopback URL, driven by a Lua script that
    prints its summary as a `WRKJSON {...}` line: (that summary, wrk's whole output). The script
    is written readable by us alone (it may hold a token) and removed afterwards."""
    assert url.startswith(f"http://{LOOPBACK}:"), "benchmarks only target loopback"
    fd, path = tempfile.mkstemp(suffix=".lua", prefix="ichigo-wrk-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(script)
    try:
        cmd = [wrk_path() or "wrk", "-t", str(threads), "-c", str(connections),
               "-d", f"{max(1, round(duration))}s", "--timeout", "10s", "--latency", "-s", path, url]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    finally:
        os.unlink(path)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr or out.stdout}")
    return json.loads(line[len("WRKJSON "):]), out.stdout


def run_wrk(url: str, duration: float, connections: int, threads: int) -> dict:
    """One bounded wrk run of plain GETs: throughput, p50/p99 and errors."""
    raw, _ = wrk_json(url, WRK_LUA, duration, connections, threads)
    seconds = raw["duration_us"] / 1e6
    if not raw["requests"]:
        raise RuntimeError(f"no request to {url} succeeded")
    return {
        "requests": int(raw["requests"]),
        "rps": raw["requests"] / seconds if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": int(raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]),
        "bad_status": int(raw["status"]),
    }


def _python_worker(args: tuple) -> tuple[list[float], int, int]:
    """One load process: `threads` keep-alive connections hammering `path` from `start` to `deadline`."""
    host, port, path, threads, start, deadline = args
    latencies: list[float] = []
    counts = {"errors": 0, "bad": 0}
    lock = threading.Lock()

    def loop() -> None:
        mine: list[float] = []
        errors = bad = 0
        conn = http.client.HTTPConnection(host, port, timeout=10)
        time.sleep(max(0.0, start - time.time()))
        while time.time() < deadline:
            sent = time.perf_counter()
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()  # http.client reopens the socket itself after "Connection: close"
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                continue
            mine.append(time.perf_counter() - sent)
            if resp.status >= 400:
                bad += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            counts["errors"] += errors
            counts["bad"] += bad

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return latencies, counts["errors"], counts["bad"]


def run_python(url: str, duration: float, connections: int, processes: int) -> dict:
    """The fallback load generator: processes × threads, one keep-alive connection per thread."""
    assert url.startswith(f"http://{LOOPBACK}:"), "benchmarks only target loopback"
    hostport, _, path = url[len("http://"):].partition("/")
    host, _, port = hostport.partition(":")
    processes = max(1, min(processes, connections))
    shares = [connections // processes + (i < connections % processes) for i in range(processes)]
    start = time.time() + 1.0  # let every process spin up before the clock starts
    jobs = [(host, int(port), "/" + path, n, start, start + duration) for n in shares]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        parts = pool.map(_python_worker, jobs)
    latencies = sorted(lat for part in parts for lat in part[0])
    if not latencies:
        raise RuntimeError(f"no request to {url} succeeded")
    return {
        "requests": len(latencies),
        "rps": len(latencies) / duration,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "errors": sum(part[1] for part in parts),
        "bad_status": sum(part[2] for part in parts),
    }


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, -(-len(sorted_values) * pct // 100))  # ceil without floats drifting
    return sorted_values[int(rank) - 1]


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *map(line, rows)])
