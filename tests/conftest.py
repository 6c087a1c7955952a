"""Fixtures: an app on a fresh database (SQLite always, PostgreSQL when TEST_DATABASE_URL is set),
clients, a login helper and plain factory functions."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from webapp import create_app
from webapp.extensions import db, limiter

PG_URL = os.environ.get("TEST_DATABASE_URL")
# Each run works in a schema of its own (named after the process, dropped when the run ends), so
# tables left in the shared database by another checkout, an older run or a run going on at the
# same time can never get in its way.
PG_SCHEMA = f"ichigo_test_{os.getpid()}"
_pg_schema_ready = False


def pg_url(schema: str = PG_SCHEMA) -> str | None:
    """TEST_DATABASE_URL with its search_path set to `schema` (None without PostgreSQL)."""
    if not PG_URL:
        return None
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def reset_pg_schema(schema: str = PG_SCHEMA, *, create: bool = True, lock_timeout: str = "0") -> None:
    from sqlalchemy import create_engine

    from webapp.config import normalise_database_url

    engine = create_engine(normalise_database_url(PG_URL))
    with engine.begin() as conn:
        conn.execute(text(f"SET LOCAL lock_timeout = '{lock_timeout}'"))
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        if create:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()


def pytest_sessionfinish(session, exitstatus):
    """Drop this run's schema; a connection some test left open must not hang the run's end."""
    if PG_URL and _pg_schema_ready:
        from sqlalchemy.exc import OperationalError

        try:
            reset_pg_schema(create=False, lock_timeout="10s")
        except OperationalError as exc:
            print(f"\nleft schema {PG_SCHEMA} in place: {exc.orig}")

BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(
        not PG_URL, reason="TEST_DATABASE_URL is not set: PostgreSQL tests skipped")),
]


def _fresh_request_globals():
    from flask import g

    g.__dict__.clear()


#: apps built during the current test; their engines are closed after it (close_built_apps)
_built_apps: list = []


@pytest.fixture(autouse=True)
def close_built_apps():
    """Close the connection pools of every app a test built: a pool left to the garbage collector
    closes its PostgreSQL connections in some later test, as a ResourceWarning (an error here)."""
    yield
    while _built_apps:
        built = _built_apps.pop()
        with built.app_context():
            db.session.remove()
            db.engine.dispose()


def build_app(backend: str, tmp_path, **overrides):
    global _pg_schema_ready
    url = f"sqlite:///{tmp_path / 'test.db'}" if backend == "sqlite" else pg_url()
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "PUBLIC_BASE_URL": "https://ichigo.test",
        "MAIL_URL": f"maildir:{tmp_path / 'maildir'}",
        "SERVER_NAME": None,
        "PASSWORD_HASH_FAST": True,
        # a write after a read in a transaction begun as a reader is an error (webapp/db_setup.py)
        "SQLITE_WRITER_CHECK": True,
    }
    config.update(overrides)
    app = create_app(config)
    _built_apps.append(app)
    # Tests hold an app context open, and Flask lets the test client's requests share it (and its
    # `g`). In production every request has a fresh `g`; give each test request one too, so a
    # user or locale cached by one request can never leak into the next.
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_globals)
    with app.app_context():
        if backend == "sqlite":
            db.create_all()
        else:
            if not _pg_schema_ready:
                reset_pg_schema()
                db.create_all()
                _pg_schema_ready = True
            else:
                names = ", ".join(t.name for t in db.metadata.sorted_tables)
                db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                db.session.commit()
    limiter.reset()
    return app


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def app(backend, tmp_path):
    app = build_app(backend, tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


class FreshContextClient(FlaskClient):
    """Each request in its own app context, as in production: no `g` and no database session
    shared with the test or the previous request (read results back with a rollback first)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def fresh_client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token_of(client, path="/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_META.search(html)
    assert match, f"no CSRF meta tag on {path}"
    return match.group(1)


_counter = {"n": 0}


def make_user(email=None, password="correct horse battery", name="山田 太郎", **kw):
    """A user committed to the current app's database (plain factory, overrides as keywords)."""
    from webapp.auth.services import create_user

    _counter["n"] += 1
    email = email or f"user{_counter['n']}@example.com"
    user = create_user(email, password, name, **kw)
    user.plain_password = password
    return user


def make_token(user) -> str:
    from webapp.auth.services import create_token

    token, _row = create_token(user, "test")
    return token


def make_user_with_token(**kw):
    """A user with a Bearer token for the API at `user.token`."""
    user = make_user(**kw)
    user.token = make_token(user)
    return user


@dataclass
class AuthActions:
    client: object

    def login(self, email, password="correct horse battery"):
        token = csrf_token_of(self.client, "/login")
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token})

    def logout(self):
        token = csrf_token_of(self.client, "/logout")
        return self.client.post("/logout", data={"csrf_token": token})

    def csrf(self, path="/"):
        return csrf_token_of(self.client, path)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def user(app):
    return make_user()


@pytest.fixture
def logged_in(client, auth, user):
    """A client logged in through the real form; returns the user."""
    response = auth.login(user.email)
    assert response.status_code == 302
    return user


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def pytest_sessionstart(session):
    """Compile the message catalogues so the suite always sees the current translations."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in Path(__file__).resolve().parent.parent.glob("translations/*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        with po_path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
