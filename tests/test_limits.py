"""Who a request comes from (TRUSTED_PROXIES), the limit settings, and where the counts live."""
import os
import socket

import pytest

from tests.conftest import build_app, csrf_token_of, make_user
from webapp import create_app
from webapp.extensions import db, limiter


def test_behind_a_trusted_proxy_the_client_address_and_scheme_come_from_the_proxy(backend, tmp_path):
    app = build_app(backend, tmp_path, TRUSTED_PROXIES=1, PUBLIC_BASE_URL=None)
    seen = {}

    @app.get("/_who")
    def who():
        from flask import request

        seen.update(addr=request.remote_addr, scheme=request.scheme, host=request.host)
        return ""

    app.test_client().get("/_who", headers={"X-Forwarded-For": "10.9.9.9, 198.51.100.4",
                                            "X-Forwarded-Proto": "https",
                                            "X-Forwarded-Host": "evil.example", "Host": "ichigo.example"})
    # the proxy's own view of the client wins over what the client claimed in front of it
    assert seen == {"addr": "198.51.100.4", "scheme": "https", "host": "ichigo.example"}


def test_without_trusted_proxies_forwarded_headers_are_ignored(backend, tmp_path):
    app = build_app(backend, tmp_path)
    seen = {}

    @app.get("/_who")
    def who():
        from flask import request

        seen.update(addr=request.remote_addr, scheme=request.scheme)
        return ""

    app.test_client().get("/_who", headers={"X-Forwarded-For": "198.51.100.4", "X-Forwarded-Proto": "https"})
    assert seen == {"addr": "127.0.0.1", "scheme": "http"}


@pytest.mark.parametrize("value", ["-1", "one", "1.5", ""])
def test_a_bad_trusted_proxies_value_stops_the_start_with_a_clear_message(monkeypatch, tmp_path, value):
    monkeypatch.setenv("TRUSTED_PROXIES", value)
    if value == "":
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "x"})
        assert app.config["TRUSTED_PROXIES"] == 0  # unset means no proxy
        return
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "x"})


@pytest.mark.parametrize("name", ["AUTH_RATE_LIMIT", "AUTH_ACCOUNT_LIMIT", "SHARE_BACK_LIMIT_PER_ADDRESS",
                                  "SHARE_BACK_LIMIT_PER_CARD"])
def test_a_bad_limit_stops_the_start_with_a_clear_message(monkeypatch, tmp_path, name):
    monkeypatch.setenv(name, "ten per minute")
    with pytest.raises(ValueError, match=name):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "x"})


def test_ipv6_clients_are_counted_per_64_network(backend, tmp_path):
    """One host is given a whole /64: counting each of its addresses apart would be no limit at all."""
    app = build_app(backend, tmp_path)
    with app.app_context():
        user = make_user()
        email, password = user.email, user.plain_password
    statuses = []
    for i in range(11):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"2001:db8:1:2::{i + 1:x}"
        token = csrf_token_of(client, "/login")
        statuses.append(client.post("/login", data={"email": f"x{i}@example.com", "password": "wrong",
                                                    "csrf_token": token}).status_code)
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "2001:db8:1:3::1"
    token = csrf_token_of(client, "/login")
    assert client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token}).status_code == 302


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def _failed_logins(app, n, email="nobody@example.com"):
    client = app.test_client()
    statuses = []
    for i in range(n):
        token = csrf_token_of(client, "/login")
        statuses.append(client.post("/login", data={"email": email, "password": f"wrong-{i}",
                                                    "csrf_token": token}).status_code)
    return statuses


def _second_process(tmp_path, **config):
    """Another web process: the same settings, its own connection to the limit storage."""
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.db'}", "SECRET_KEY": "test-secret",
                       "TESTING": True, "PASSWORD_HASH_FAST": True, **config})


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis at 127.0.0.1:6379: shared-count test skipped")
def test_with_redis_every_process_sees_the_same_counts(tmp_path):
    config = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
              "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"ichigo-test-{os.getpid()}-{tmp_path.name}"}}
    first = build_app("sqlite", tmp_path, **config)
    try:
        assert _failed_logins(first, 6) == [401] * 6
        second = _second_process(tmp_path, **config)
        with second.app_context():
            assert _failed_logins(second, 5) == [401] * 4 + [429]
    finally:
        limiter.reset()  # only this test's keys (its own prefix)
        with first.app_context():
            db.engine.dispose()


def test_memory_storage_counts_per_process(tmp_path):
    first = build_app("sqlite", tmp_path)
    assert _failed_logins(first, 6) == [401] * 6
    second = _second_process(tmp_path)
    with second.app_context():
        assert _failed_logins(second, 5) == [401] * 5  # README: memory:// counts per process
    with first.app_context():
        db.engine.dispose()


def test_a_redis_outage_does_not_break_log_in(tmp_path):
    """The counts fall back to this process's memory rather than failing every log-in."""
    app = _second_process(tmp_path, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1",
                          RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 0.2})
    with app.app_context():
        db.create_all()
        user = make_user()
        email, password = user.email, user.plain_password
    client = app.test_client()
    token = csrf_token_of(client, "/login")
    r = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert r.status_code == 302
    with app.app_context():
        db.engine.dispose()
