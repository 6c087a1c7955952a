"""Drafting for a big event over a real connection: the server reads the request body, and the whole
(small) answer arrives; the drafts themselves page through the list."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import make_token, make_user
from webapp.captures.schemas import CaptureIn
from webapp.captures.services import capture_contact
from webapp.events.services import create_event
from webapp.extensions import db
from webapp.profiles.services import update_profile

PEOPLE = 500
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(app, tmp_path):
    """`gunicorn wsgi:app` with one sync worker (as in production) on the test's database. (Werkzeug's
    development server reads whatever body the app left, so it would hide the problem.)"""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
           "SECRET_KEY": "test-secret", "MAIL_URL": f"maildir:{tmp_path / 'maildir'}",
           "PUBLIC_BASE_URL": "https://ichigo.test"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "sync",
                             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                            cwd=ROOT, env=env, start_new_session=True, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        proc.stderr.close()


def ask(port: int, method: str, path: str, token: str, body: bytes | None = None) -> tuple[int, bytes]:
    """One request as from a phone on a slow network: the body goes out a moment after the headers,
    and the answer is read through a small window. A server that answers without reading the body
    closes on unread data; the kernel then resets the connection and drops what was not delivered."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.connect()
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        conn.putrequest(method, path)
        conn.putheader("Authorization", f"Bearer {token}")
        if body is not None:
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if body is not None:
            time.sleep(0.2)
            conn.send(body)
        response = conn.getresponse()
        time.sleep(0.2)
        return response.status, response.read()
    finally:
        conn.close()


def test_drafting_for_500_people_answers_whole_and_the_drafts_page_through_the_list(app, server):
    owner = make_user()
    update_profile(owner, {"name": "山田 太郎", "keyword": "AIと教育を掛け合わせる仕事をしています"})
    event = create_event(owner, {"name": "PyCon JP"})
    for n in range(PEOPLE):
        raw = {"client_id": str(uuid.uuid4()), "event_id": event.id, "name": f"佐藤 花子 {n}",
               "email": f"hanako{n}@example.com", "conversation": "教室でのAI活用について話しました。" * 20}
        capture_contact(owner, CaptureIn().load(raw), raw=raw)
    token, event_id = make_token(owner), event.id
    db.session.remove()

    status, raw = ask(server, "POST", f"/api/v1/events/{event_id}/followups", token, b"{}")

    assert status == 201
    out = json.loads(raw)
    assert out["created"] == PEOPLE and len(set(out["ids"])) == PEOPLE and out["failed"] == 0
    assert len(raw) < 20_000  # ids and counts, not 500 letters
    seen, path = [], out["drafts_url"]
    while path:
        status, raw = ask(server, "GET", path, token)
        page = json.loads(raw)
        seen += [item["id"] for item in page["items"]]
        assert all(item["body"].startswith(item["contact_name"] + "様") for item in page["items"])
        path = page["next"]
    assert sorted(seen) == sorted(out["ids"])


def test_an_action_that_ignores_its_body_still_answers_whole(app, server):
    """Approving reads no body of its own; a client that sends one (a JSON object padded out, as a
    phone's queue may) still gets the answer, because the server reads what is left first."""
    owner = make_user()
    token = make_token(owner)
    db.session.remove()
    body = b"{" + b" " * 512 * 1024 + b"}"
    for _ in range(3):
        status, raw = ask(server, "POST", "/api/v1/followups/approve-all", token, body)
        assert status == 200 and json.loads(raw) == {"queued": 0}
