"""Per-backend engine settings: SQLite gets WAL, a busy timeout and enforced foreign keys; a
long-running writer can move its WAL checkpoints to a thread of their own."""
from __future__ import annotations

import contextvars
import functools
import logging
import re
import sqlite3
import threading
from typing import Callable, ParamSpec, TypeVar

from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

log = logging.getLogger(__name__)


def configure_engine(app) -> None:
    from webapp.extensions import db

    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # pysqlite's own transaction handling is turned off so BEGIN (IMMEDIATE) is ours to send.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            immediate = bool(conn.get_execution_options().get("sqlite_immediate"))
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
            conn.info["began_as_writer"] = immediate
            conn.info["has_read"] = False

        if app.config.get("SQLITE_WRITER_CHECK"):
            event.listen(engine, "before_cursor_execute", _refuse_write_in_reader)


#: statements that write rows; DDL (tests' create_all, migrations) is not a unit of work
_WRITE = re.compile(r"^\s*(WITH\b.*?\b)?(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE | re.DOTALL)


class WriteOutsideUnitOfWork(RuntimeError):
    """A row was written in a transaction begun as a reader (SQLITE_WRITER_CHECK, on in tests)."""


def _refuse_write_in_reader(conn, cursor, statement, parameters, context, executemany):
    """On SQLite a transaction begun as a reader that has read and then writes fails with "database
    is locked" as soon as another connection committed in between (its snapshot is stale; the busy
    timeout does not help). The suite turns every such write into an error, so a write path that
    skips `unit_of_work` is found by any test that takes it. (A transaction whose first statement
    writes is safe: SQLite takes the write lock first, waiting for it.)"""
    info = conn.info
    if not conn.in_transaction() or info.get("began_as_writer") or not has_request_context():
        return  # (outside requests: the tests' own set-up writes, the CLI and the worker's own claims)
    if not _WRITE.match(statement):
        info["has_read"] = True
    elif info.get("has_read"):
        raise WriteOutsideUnitOfWork(f"a read, then a write outside unit_of_work: {statement[:80]!r}")
    else:
        info["began_as_writer"] = True  # it holds the write lock from here on


def begin_write() -> None:
    """Start the session's transaction as a writer: on SQLite `BEGIN IMMEDIATE`, so a
    read-then-write unit of work waits for the lock instead of failing half-way; elsewhere a no-op."""
    from webapp.extensions import db

    if db.session.get_bind().dialect.name != "sqlite":
        return
    if db.session().in_transaction():
        db.session.commit()  # end the read-only transaction the request began (auth look-up)
    db.session.connection(execution_options={"sqlite_immediate": True})


def end_read() -> None:
    """End a read-only transaction (nothing to write in it) so its snapshot is not held while the
    caller goes on: a long job between units of work, or a read-only request."""
    from webapp.extensions import db

    db.session.rollback()


P = ParamSpec("P")
T = TypeVar("T")
_in_unit = contextvars.ContextVar("in_unit_of_work", default=False)


def unit_of_work(fn: Callable[P, T] | None = None, *, retries: int = 0,
                 conflict: Callable[[], Exception] | None = None):
    """Make a service function one unit of work: begin as a writer (`begin_write`), run it, commit
    once; roll back on any error (a busy database refusing the begin too). With ``retries``, an IntegrityError (a unique-key race with
    another request) rolls back and runs the function again on fresh data, up to that many times;
    then ``conflict()`` is raised in its place when given (a 409 that says what clashed).

    A unit of work called from inside another is part of it (no commit of its own), so services
    compose. Use as ``@unit_of_work`` or ``@unit_of_work(retries=2)``."""
    def decorate(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            from webapp.extensions import db

            if _in_unit.get():
                return fn(*args, **kwargs)
            for attempt in range(retries + 1):
                token = _in_unit.set(True)
                try:
                    begin_write()
                    result = fn(*args, **kwargs)
                    db.session.commit()
                    return result
                except IntegrityError as exc:
                    db.session.rollback()
                    if attempt == retries:
                        if conflict is not None:
                            raise conflict() from exc
                        raise
                except BaseException:
                    db.session.rollback()
                    raise
                finally:
                    _in_unit.reset(token)
            raise AssertionError("unreachable")

        return run

    return decorate(fn) if fn is not None else decorate


class WalCheckpoints:
    """SQLite in WAL mode: copy the log back into the database file from a thread of its own.

    Left to itself, SQLite does that copy (with its fsyncs) inside whichever commit takes the log
    past 1,000 pages: every few dozen messages one stalled the sender. SQLite's WAL notes suggest
    the cure for a busy writer, checkpoints run by a separate thread. While this runs, the
    process's own connections leave checkpoints to it (theirs start only at `safety_net` pages,
    should the thread fall behind), and the thread runs a passive checkpoint every `every`
    seconds: one with nothing to copy costs next to nothing, and fewer, larger checkpoints write
    each hot page (the same index and table pages, message after message) once instead of many
    times. A passive checkpoint waits for no reader or writer, and the sqlite3 module lets go of
    the GIL while it runs. Other processes (the web app) keep SQLite's default. A no-op for other
    databases and for an in-memory SQLite."""

    def __init__(self, engine, *, every: float = 0.5, safety_net: int = 20_000):
        self.engine = engine
        self.path = engine.url.database if engine.dialect.name == "sqlite" else None
        if self.path in (None, "", ":memory:") or self.path.startswith("file:"):
            self.path = None
        self.every, self.safety_net = every, safety_net
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self.copied = 0  # pages copied back so far

    def _leave_it_to_us(self, dbapi_connection, _record) -> None:
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={int(self.safety_net)}")

    def __enter__(self) -> "WalCheckpoints":
        if self.path is not None:
            event.listen(self.engine, "connect", self._leave_it_to_us)
            self.engine.dispose()  # connections made before this get the setting too
            self.thread = threading.Thread(target=self._run, name="wal-checkpoints", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.thread is not None:
            self.stopping.set()
            self.thread.join()
            event.remove(self.engine, "connect", self._leave_it_to_us)
            self.engine.dispose()

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout=10000")
            while not self.stopping.wait(self.every):
                try:
                    busy, logged, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.copied += max(copied, 0)
                except sqlite3.Error as exc:  # the connections' own checkpoints still bound the log
                    log.warning("background WAL checkpoint failed: %s", exc)
        finally:
            conn.close()
