"""Per-backend engine settings: SQLite gets WAL, a busy timeout and enforced foreign keys."""
from __future__ import annotations

from sqlalchemy import event


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
            immediate = conn.get_execution_options().get("sqlite_immediate")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write() -> None:
    """Start the session's transaction as a writer: on SQLite `BEGIN IMMEDIATE`, so a
    read-then-write unit of work waits for the lock instead of failing half-way; elsewhere a no-op."""
    from webapp.extensions import db

    if db.session.get_bind().dialect.name != "sqlite":
        return
    if db.session().in_transaction():
        db.session.commit()  # end the read-only transaction the request began (auth look-up)
    db.session.connection(execution_options={"sqlite_immediate": True})
