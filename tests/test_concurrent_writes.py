"""A busy room on the embedded database: 24 clients at once, mixing reads with every write
endpoint of the API against a real server, must never see a 5xx.

On SQLite a transaction that reads and then writes fails with "database is locked" when another
connection commits in between; every write path therefore begins as a writer (`unit_of_work`).
This drives the real thing: a threaded werkzeug server on loopback, keep-alive HTTP clients.
"""
from __future__ import annotations

import http.client
import json
import random
import threading
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

from tests.captures.helpers import form_stamp
from tests.conftest import make_user_with_token
from webapp.extensions import db

pytestmark = pytest.mark.slow

THREADS = 24
ROUNDS = 30  # requests per client


@dataclass
class Account:
    token: str
    slug: str
    stamp: str = ""
    event_ids: list[int] = field(default_factory=list)
    contact_ids: list[int] = field(default_factory=list)
    followup_ids: list[int] = field(default_factory=list)
    promise_ids: list[int] = field(default_factory=list)


class Client:
    """One keep-alive connection, as a phone's browser holds one."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, body=None, *, token: str | None = None, form: dict | None = None):
        headers = {}
        data = None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if form is not None:
            from urllib.parse import urlencode

            data = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                return response.status, payload
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")


@pytest.fixture
def live(app):
    from werkzeug.serving import make_server

    # one address for every client: the per-address limits would only measure themselves; and the
    # share-back form is sent the moment its page was read (a person takes seconds)
    app.config.update(SHARE_BACK_LIMIT_PER_ADDRESS="100000 per minute", SHARE_BACK_MIN_SECONDS=0,
                      SHARE_BACK_LIMIT_PER_CARD="100000 per minute", AUTH_RATE_LIMIT="100000 per minute",
                      AUTH_ACCOUNT_LIMIT="100000 per minute")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def _json(payload: bytes):
    return json.loads(payload)


def _seed(port: int) -> Account:
    user = make_user_with_token()
    db.session.remove()  # the server's threads open their own sessions
    client = Client(port)
    status, body = client.call("PUT", "/api/v1/profile", {"name": "山田 太郎", "keyword": "AIと教育"}, token=user.token)
    assert status == 200, body
    account = Account(user.token, _json(body)["slug"])
    status, page = client.call("GET", f"/c/{account.slug}")
    account.stamp = form_stamp(page.decode()) or ""
    for n in range(2):
        status, body = client.call("POST", "/api/v1/events", {"name": f"Meetup {n}", "is_active": n == 0},
                                   token=user.token)
        assert status == 201, body
        account.event_ids.append(_json(body)["id"])
    for n in range(8):
        status, body = client.call("POST", "/api/v1/captures", {
            "client_id": str(uuid.uuid4()), "name": f"佐藤 {n}", "email": f"p{n}-{uuid.uuid4().hex[:6]}@example.com",
            "event_id": account.event_ids[0], "conversation": "教育AI", "promise": "記事を送る"}, token=user.token)
        assert status == 201, body
        account.contact_ids.append(_json(body)["contact_id"])
    status, body = client.call("POST", f"/api/v1/events/{account.event_ids[0]}/followups", {}, token=user.token)
    assert status in (200, 201), body
    status, body = client.call("GET", "/api/v1/followups?limit=100", token=user.token)
    account.followup_ids = [item["id"] for item in _json(body)["items"]]
    status, body = client.call("GET", "/api/v1/promises?status=open", token=user.token)
    account.promise_ids = [item["id"] for item in _json(body)["items"]]
    assert account.followup_ids and account.promise_ids
    return account


def _operations():
    """(name, request builder) for every write endpoint of the API, and the busiest reads."""
    def capture(a, r):
        return "POST", "/api/v1/captures", {"client_id": str(uuid.uuid4()), "name": f"田中 {r.random():.6f}",
                                            "conversation": "オフライン同期"}

    def batch(a, r):
        return "POST", "/api/v1/captures/batch", [
            {"client_id": str(uuid.uuid4()), "name": "Batch One"},
            {"client_id": str(uuid.uuid4()), "name": "Batch Two", "email": f"b{uuid.uuid4().hex[:8]}@example.org"}]

    contact = lambda a, r: r.choice(a.contact_ids)  # noqa: E731
    return [
        ("capture", capture),
        ("capture batch", batch),
        ("profile", lambda a, r: ("PUT", "/api/v1/profile", {"name": "山田 太郎", "keyword": f"AIと教育 {r.randint(1, 99)}"})),
        ("template", lambda a, r: ("PUT", "/api/v1/templates/ja", {
            "subject": "ありがとうございました（{{ my_name }}）", "body": f"{{{{ contact_name }}}}様\n\n{r.randint(1, 999)}\n"})),
        ("template reset", lambda a, r: ("DELETE", "/api/v1/templates/en", None)),
        ("follow-up edit", lambda a, r: ("PATCH", f"/api/v1/followups/{r.choice(a.followup_ids)}",
                                         {"body": f"Thank you! {r.randint(1, 999)}\n"})),
        ("drafting", lambda a, r: ("POST", f"/api/v1/events/{a.event_ids[0]}/followups", {})),
        ("approve all", lambda a, r: ("POST", "/api/v1/followups/approve-all", None)),
        ("contact edit", lambda a, r: ("PATCH", f"/api/v1/contacts/{contact(a, r)}", {"notes": f"note {r.random()}"})),
        ("touch", lambda a, r: ("POST", f"/api/v1/contacts/{contact(a, r)}/interactions", {"kind": "message"})),
        ("tier", lambda a, r: ("PUT", f"/api/v1/contacts/{contact(a, r)}/tier",
                               {"tier": r.choice(["grow", "maintain", "let_go"])})),
        ("promise new", lambda a, r: ("POST", f"/api/v1/contacts/{contact(a, r)}/promises", {"text": "資料を送る"})),
        ("promise done", lambda a, r: ("PATCH", f"/api/v1/promises/{r.choice(a.promise_ids)}",
                                       {"done": r.random() < 0.5})),
        ("snooze", lambda a, r: ("POST", "/api/v1/reminders/snooze",
                                 {"contact_id": contact(a, r), "kind": "review", "days": 7})),
        ("reminder settings", lambda a, r: ("PATCH", "/api/v1/reminders/settings", {"grow_cap": r.randint(10, 50)})),
        ("cadence", lambda a, r: ("PUT", "/api/v1/cadence/grow",
                                  {"rhythms": [{"channel": "touch", "every_days": r.randint(20, 40)}]})),
        ("cadence reset", lambda a, r: ("DELETE", "/api/v1/cadence/maintain", None)),
        ("event new", lambda a, r: ("POST", "/api/v1/events", {"name": f"Evening {r.randint(1, 999)}"})),
        ("event activate", lambda a, r: ("PATCH", f"/api/v1/events/{r.choice(a.event_ids)}", {"is_active": True})),
        ("check-in", lambda a, r: ("POST", f"/api/v1/contacts/{contact(a, r)}/checkin", None)),
        ("token", lambda a, r: ("POST", "/api/v1/auth/tokens", None)),  # filled in by the runner (needs a password)
        ("calendar feed", lambda a, r: ("POST", "/api/v1/reminders/feed", None)),
        ("share-back", lambda a, r: ("FORM", f"/c/{a.slug}/connect", {
            "name": "Visitor", "email": f"v{uuid.uuid4().hex[:8]}@example.net", "message": "Nice to meet you", "stamp": a.stamp})),
        ("read contacts", lambda a, r: ("GET", "/api/v1/contacts?q=%E3%81%95%E3%81%A8%E3%81%86", None)),
        ("read reminders", lambda a, r: ("GET", "/api/v1/reminders", None)),
        ("read follow-ups", lambda a, r: ("GET", "/api/v1/followups", None)),
        ("read card", lambda a, r: ("GET", f"/c/{a.slug}", None)),
    ]


def test_every_write_endpoint_under_concurrent_use_answers_without_5xx(app, live):
    accounts = [_seed(live) for _ in range(3)]
    operations = _operations()
    statuses: dict[str, Counter] = defaultdict(Counter)
    failures: list[str] = []
    lock = threading.Lock()
    token_user = {"email": f"tokens-{uuid.uuid4().hex[:8]}@example.com"}
    status, body = Client(live).call("POST", "/api/v1/auth/signup", {
        "email": token_user["email"], "password": "correct horse battery", "name": "Token User"})
    assert status == 201, body

    def client_run(n: int) -> None:
        rnd = random.Random(n)
        client = Client(live)
        for step in range(ROUNDS):
            name, build = operations[(n + step * THREADS) % len(operations)]
            account = accounts[rnd.randrange(len(accounts))]
            method, path, body = build(account, rnd)
            if method == "FORM":
                status, payload = client.call("POST", path, form=body)
            elif name == "token":
                status, payload = client.call("POST", "/api/v1/auth/tokens", {
                    "email": token_user["email"], "password": "correct horse battery"})
            else:
                status, payload = client.call(method, path, body, token=account.token)
            with lock:
                statuses[name][status] += 1
                if status >= 500:
                    failures.append(f"{name}: {method} {path} -> {status} {payload[:200]!r}")

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(client_run, range(THREADS)))

    assert not failures, f"{len(failures)} answers were 5xx:\n" + "\n".join(failures[:20])
    never_ok = [name for name, _ in operations if not any(200 <= s < 300 for s in statuses[name])]
    assert not never_ok, f"never succeeded, so not really exercised: {never_ok} {dict(statuses)}"

