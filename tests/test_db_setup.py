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


# -- unit_of_work ----------------------------------------------------------------------------
import threading  # noqa: E402

import pytest  # noqa: E402
from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.exc import IntegrityError, OperationalError  # noqa: E402

from webapp.auth.models import User  # noqa: E402
from webapp.db_setup import WriteOutsideUnitOfWork, unit_of_work  # noqa: E402
from webapp.errors import Conflict  # noqa: E402


def _read_then_rename(user_id: int, name: str, pause: threading.Event | None = None) -> None:
    """A request's shape: read a row, (let another request commit), then write."""
    db.session.scalar(select(User.name).where(User.id == user_id))
    if pause is not None:
        pause.wait(5)
    db.session.execute(text("UPDATE users SET name = :name WHERE id = :id"), {"name": name, "id": user_id})


def test_a_read_then_write_on_sqlite_fails_when_another_commits_between_unless_begun_as_writer(tmp_path):
    """The failure unit_of_work exists for, shown on the real database: without it the first
    request's stale snapshot is refused at once ("database is locked") when a second one commits
    between its read and its write; begun as a writer, it holds the lock from the start, so the
    second waits its turn and both succeed, one after the other."""
    from tests.conftest import make_user

    app = build_app("sqlite", tmp_path)
    with app.app_context():
        user_id = make_user().id
        db.session.remove()

    def attempt(work) -> tuple[Exception | None, str]:
        between, outcome = threading.Event(), {}

        def first():
            with app.app_context():
                try:
                    work(user_id, "first", between)
                    db.session.commit()
                except Exception as exc:  # noqa: BLE001 — the outcome is what the test looks at
                    db.session.rollback()
                    outcome["error"] = exc
                finally:
                    db.session.remove()

        thread = threading.Thread(target=first)
        thread.start()
        time.sleep(0.2)  # the first has read (and, begun as a writer, holds the lock)
        threading.Timer(0.3, between.set).start()  # it writes a moment later
        with app.app_context():  # the second request writes meanwhile
            db.session.execute(text("UPDATE users SET name = 'second' WHERE id = :id"), {"id": user_id})
            db.session.commit()
            db.session.remove()
        thread.join()
        with app.app_context():
            name = db.session.scalar(select(User.name).where(User.id == user_id))
            db.session.remove()
        return outcome.get("error"), name

    error, name = attempt(_read_then_rename)
    assert isinstance(error, OperationalError) and "locked" in str(error)
    assert name == "second"  # the first request's change was lost, with a 500
    assert attempt(unit_of_work(_read_then_rename)) == (None, "second")  # the first wrote, then the second


def test_a_read_then_write_outside_a_unit_of_work_is_refused_in_requests(app):
    """SQLITE_WRITER_CHECK (on in the suite) finds a write path that forgot unit_of_work."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL has no such failure")
    from tests.conftest import make_user

    user_id = make_user().id
    db.session.commit()
    with app.test_request_context("/"):
        with pytest.raises(WriteOutsideUnitOfWork):
            _read_then_rename(user_id, "unguarded")
        db.session.rollback()
        unit_of_work(_read_then_rename)(user_id, "guarded")
    db.session.remove()
    assert db.session.scalar(select(User.name).where(User.id == user_id)) == "guarded"


def test_a_unit_of_work_commits_once_rolls_back_on_error_and_nests(app):
    from tests.conftest import make_user

    user_id = make_user(name="before").id
    calls = []

    @unit_of_work
    def inner(name):
        calls.append("inner")
        db.session.get(User, user_id).name = name

    @unit_of_work
    def outer(name, fail=False):
        inner(name)  # part of this unit: no commit of its own
        if fail:
            raise ValueError("nothing of this stays")

    with pytest.raises(ValueError):
        outer("failed", fail=True)
    db.session.remove()
    assert db.session.get(User, user_id).name == "before"
    outer("after")
    db.session.remove()
    assert db.session.get(User, user_id).name == "after" and calls == ["inner", "inner"]


def test_a_unique_key_race_is_run_again_and_then_reported_as_a_conflict(app):
    from tests.conftest import make_user

    taken = make_user(email="taken@example.com").email
    runs = []

    @unit_of_work(retries=2, conflict=lambda: Conflict("That address is taken."))
    def rename_email():
        runs.append(1)
        db.session.add(User(email=taken, password_hash="x", name="dup"))
        db.session.flush()

    with pytest.raises(Conflict):
        rename_email()
    assert len(runs) == 3  # the first try and two retries, each on fresh data

    @unit_of_work
    def without_conflict():
        db.session.add(User(email=taken, password_hash="x", name="dup"))

    with pytest.raises(IntegrityError):
        without_conflict()
