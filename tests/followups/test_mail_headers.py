"""A visitor's text never writes mail headers: share-back → draft → approve → `followups worker --once`
against a real SMTP server (aiosmtpd on loopback), judged on the raw bytes the server received."""
from __future__ import annotations

import base64
import email
import email.policy
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.captures.helpers import share_back
from tests.conftest import bearer, build_app, csrf_token_of, make_token, make_user
from tests.followups.smtp_server import smtp_sink  # noqa: F401
from webapp.captures.services import capture_contact
from webapp.contacts.models import Contact
from webapp.db import utcnow
from webapp.events.models import Event
from webapp.extensions import db
from webapp.followups import services
from webapp.followups.models import FollowUp
from webapp.profiles.services import get_profile_for, update_profile

MAIL_FROM = "followups@ichigo.test"
EVIL = "e@evil.example"
#: headers and a body, hidden in an encoded word; 96 characters, so the old 100-character limit let it in
INJECTION = f"Eve\r\nReply-To: {EVIL}\r\nContent-Type: text/html\r\n\r\n<b>hi"
HOSTILE = "=?utf-8?b?" + base64.b64encode(INJECTION.encode()).decode() + "?="
#: no line break, no control: a valid name, which must stay one quoted display name in To
TRICKY = f'Bob "Reply-To: {EVIL}", Jr.;'


@pytest.fixture
def app(backend, tmp_path):
    app = build_app(backend, tmp_path, MAIL_FROM=MAIL_FROM)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def owner(app):
    user = make_user(name="田中 一郎")
    update_profile(user, {"name": "田中 一郎", "keyword": "地方の中小企業にAIを届ける"})
    return user


@pytest.fixture
def event(owner):
    row = Event(owner_id=owner.id, name="AI Meetup", code="meetup01")
    db.session.add(row)
    db.session.commit()
    return row


def header_fields(raw: bytes) -> list[bytes]:
    """The header block as received, each field with its continuation lines joined on."""
    fields: list[bytes] = []
    for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line
        else:
            fields.append(line)
    return fields


def field_names(raw: bytes) -> list[bytes]:
    return [field.split(b":", 1)[0].strip().lower() for field in header_fields(raw)]


def login(client, user):
    token = csrf_token_of(client, "/login")
    assert client.post("/login", data={"email": user.email, "password": user.plain_password,
                                       "csrf_token": token}).status_code == 302


def make_due_now():
    db.session.execute(update(FollowUp).where(FollowUp.status == "queued")
                       .values(send_after=utcnow() - timedelta(minutes=1)))
    db.session.commit()


def run_worker_once(app, sink):
    app.config["MAIL_URL"] = sink.url
    result = app.test_cli_runner().invoke(args=["followups", "worker", "--once"])
    assert result.exit_code == 0, result.output
    return result


def test_a_hostile_share_back_name_never_becomes_a_header(app, client, owner, event, smtp_sink):
    slug = get_profile_for(owner).slug
    hostile = share_back(client, slug, {"name": HOSTILE, "email": "eve@example.net"}, query="?e=meetup01")
    tricky = share_back(client, slug, {"name": TRICKY, "email": "bob@example.net"}, query="?e=meetup01")
    assert tricky.status_code == 200

    login(client, owner)  # the owner drafts for the event and approves everything, in the browser
    assert client.post(f"/events/{event.id}/followups",
                       data={"csrf_token": csrf_token_of(client, "/followups")}).status_code == 200
    assert client.post("/followups/approve-all",
                       data={"csrf_token": csrf_token_of(client, "/followups")}).status_code == 302
    make_due_now()
    run_worker_once(app, smtp_sink)

    received = smtp_sink.received
    assert received, "the valid visitor's follow-up should have gone out"
    for got in received:
        raw, names = got.data, field_names(got.data)
        head = raw.split(b"\r\n\r\n", 1)[0]
        assert names.count(b"to") == 1, head
        assert b"reply-to" not in names, head  # neither injected nor the owner's login email
        assert names.count(b"content-type") == 1, head
        assert b"text/html" not in raw and b"<b>hi" not in raw
        for field in header_fields(raw):
            if not field.lower().startswith(b"to:"):
                assert EVIL.encode() not in field, field  # nowhere but inside the quoted name
    [bob] = [got for got in received if got.rcpt_tos == ["bob@example.net"]]
    to = email.message_from_bytes(bob.data, policy=email.policy.default)["To"]
    assert (to.addresses[0].display_name, to.addresses[0].addr_spec) == (TRICKY, "bob@example.net")
    assert b'To: "Bob \\"Reply-To: e@evil.example\\", Jr.;" <bob@example.net>\r\n' in bob.data  # quoted

    assert hostile.status_code == 422  # the visitor is told, and nothing was stored
    assert "=?…?=" in hostile.get_data(as_text=True)
    assert db.session.scalar(select(Contact).where(Contact.email == "eve@example.net")) is None


def stored_before_the_fix(owner, event, name=HOSTILE, email_addr="eve@example.net") -> FollowUp:
    """A contact whose name was stored before names were checked, and its draft."""
    capture_contact(owner, {"client_id": "7f1c7c1e-0000-4000-8000-000000000001", "event_id": event.id,
                            "name": name, "email": email_addr, "source": "manual"}, raw={})
    [draft] = services.draft_for_event(owner, event.id, card_url="https://ichigo.test/c/x").created
    return draft


def test_a_hostile_name_stored_before_the_fix_cannot_be_approved_or_sent(app, client, owner, event, smtp_sink):
    draft = stored_before_the_fix(owner, event)
    headers = bearer(make_token(owner))

    response = client.patch(f"/api/v1/followups/{draft.id}", json={"status": "queued"}, headers=headers)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "unsafe_header" and "contact's name" in error["message"]
    assert client.post("/api/v1/followups/approve-all", headers=headers).get_json() == {"queued": 0}
    db.session.expire_all()
    row = db.session.get(FollowUp, draft.id)
    assert (row.status, row.mime) == ("draft", None) and "contact's name" in row.last_error
    login(client, owner)
    page = client.post(f"/followups/{draft.id}", data={"csrf_token": csrf_token_of(client, "/followups"),
                                                       "action": "approve", "subject": row.subject,
                                                       "body": row.body})
    assert page.status_code == 422 and "Edit the contact" in page.get_data(as_text=True)
    run_worker_once(app, smtp_sink)
    assert smtp_sink.received == []


def test_a_message_queued_with_injected_headers_before_the_fix_is_not_sent(app, owner, smtp_sink):
    contact = Contact(owner_id=owner.id, name="Eve", email="eve@example.net")
    db.session.add(contact)
    db.session.flush()
    old_mime = (b"From: Taro <followups@ichigo.test>\r\nTo:\r\n Eve\r\nReply-To: evil@attacker.example\r\n"
                b"Content-Type: text/html\r\n\r\n<b>phish</b>\r\n <eve@example.net>\r\nSubject: hi\r\n"
                b"Date: Sat, 02 May 2026 00:00:00 +0000\r\nMessage-ID: <x@ichigo.test>\r\nAuto-Submitted: no\r\n"
                b"Content-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n"
                b"MIME-Version: 1.0\r\n\r\nhello\r\n")
    row = FollowUp(owner_id=owner.id, contact_id=contact.id, to=contact.email, subject="hi", body="hello",
                   status="queued", send_after=utcnow() - timedelta(minutes=1), message_id="<x@ichigo.test>",
                   mime=old_mime)
    db.session.add(row)
    db.session.commit()

    run_worker_once(app, smtp_sink)

    assert smtp_sink.received == []
    db.session.expire_all()
    row = db.session.get(FollowUp, row.id)
    assert row.status == "failed" and "headers" in row.last_error
