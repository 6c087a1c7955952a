"""The follow-up worker's SQLite log: copied back into the database by a thread of its own while
the worker writes (its commits no longer stall on checkpoints), and SQLite's default after."""
import time

from sqlalchemy import create_engine

from tests.conftest import build_app
from webapp.db_setup import WalCheckpoints
from webapp.extensions import db


def _autocheckpoint(engine) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()


def test_a_busy_writers_log_is_copied_back_in_the_background(tmp_path):
    app = build_app("sqlite", tmp_path)
    with app.app_context():
        engine = db.engine
        assert _autocheckpoint(engine) == 1000  # SQLite's default: a commit past 1,000 pages checkpoints
        with WalCheckpoints(engine, every=0.05) as checkpoints:
            assert _autocheckpoint(engine) == checkpoints.safety_net  # the writer leaves it to the thread
            with engine.connect() as conn:
                conn.exec_driver_sql("CREATE TABLE filler (data BLOB)")
                conn.commit()
                for _ in range(1500):  # at least a page each, well past the default's 1,000
                    conn.exec_driver_sql("INSERT INTO filler VALUES (randomblob(4000))")
                    conn.commit()
            deadline = time.monotonic() + 10
            while checkpoints.copied < 1500 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert checkpoints.copied >= 1500
        assert _autocheckpoint(engine) == 1000  # stopped: the default again
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM filler").scalar() == 1500
        db.session.remove()
        engine.dispose()


def test_nothing_runs_for_postgresql_or_an_in_memory_sqlite():
    for url in ("postgresql+psycopg://nobody@127.0.0.1:1/none", "sqlite://"):
        engine = create_engine(url)
        with WalCheckpoints(engine) as checkpoints:  # never connects
            assert checkpoints.thread is None
