"""Helpers for the follow-up sender tests: a real SMTP server (aiosmtpd, on 127.0.0.1, in a thread)
whose replies follow a script, a throwaway TLS certificate, a settable clock, and `make_queued`,
which inserts queued follow-ups quickly.

Import what a test module needs, e.g. ``from tests.followups.smtp_server import smtp_sink``; the
names here are plain helpers and fixtures, so the other follow-up test modules are unaffected.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from webapp.extensions import db

DROP = "drop"  # a scripted step: close the connection instead of replying


@dataclass(frozen=True)
class Slow:
    """A scripted step: wait this long, then reply (the client may have given up by then)."""
    seconds: float
    reply: str = "250 2.0.0 OK: queued"


@dataclass
class Received:
    """One message whose data reached the server, and the reply it was given."""
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    reply: str
    peer: str = ""  # the client's address and port: which connection (worker) sent it

    @property
    def message(self):
        return email.message_from_bytes(self.data, policy=email.policy.default)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def accepted(self) -> bool:
        return self.reply.startswith("250")


class ScriptedHandler:
    """aiosmtpd handler: 250 to everything, unless the script for a stage ("mail", "rcpt",
    "data") holds a step: a reply line such as "451 4.3.0 Try again later", DROP, or Slow(...).
    Steps are used up one per command, in order, across connections."""

    def __init__(self):
        self.lock = threading.Lock()
        self.script: dict[str, deque] = {"mail": deque(), "rcpt": deque(), "data": deque()}
        self.received: list[Received] = []
        self.commands: list[str] = []  # "MAIL a@b", "RCPT c@d", "DATA" in order of arrival
        self.logins: list[str] = []
        self.require_login = False  # refuse MAIL on a connection that has not logged in …
        self.require_tls = False  # … or is not encrypted (STARTTLS or TLS from the start)
        self.tls_seen: list[bool] = []  # per MAIL: was the connection encrypted
        self.hold_at: int | None = None  # hold the reply to the n-th accepted message …
        self.release = threading.Event()  # … until this is set
        self.held = threading.Event()
        #: a test's own look at the world when a command arrives: "rcpt" (address) or "data"
        #: (envelope, once the content is in); run in the server's thread before the reply
        self.on: dict[str, object] = {}

    def hold_reply(self, nth: int) -> None:
        """Take in the n-th accepted message, then keep its 250 back until `release` is set."""
        with self.lock:
            self.hold_at = nth

    def add(self, stage: str, *steps) -> None:
        with self.lock:
            self.script[stage].extend(steps)

    async def _step(self, stage: str, server):
        with self.lock:
            step = self.script[stage].popleft() if self.script[stage] else None
        if step == DROP:
            server.transport.close()
            return DROP
        if isinstance(step, Slow):
            await asyncio.sleep(step.seconds)
            return step.reply
        return step

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        with self.lock:
            self.commands.append(f"MAIL {address}")
            self.tls_seen.append(encrypted)
        if self.require_tls and not encrypted:
            return "530 5.7.0 Must issue a STARTTLS command first"
        if self.require_login and not session.authenticated:
            return "530 5.7.0 Authentication required"
        step = await self._step("mail", server)
        if step is None or step.startswith("250"):
            envelope.mail_from = address
            envelope.mail_options.extend(mail_options)
        return step or "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.commands.append(f"RCPT {address}")
        if "rcpt" in self.on:
            self.on["rcpt"](address)
        step = await self._step("rcpt", server)
        if step is None or step.startswith("250"):
            envelope.rcpt_tos.append(address)
        return step or "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if "data" in self.on:
            self.on["data"](envelope)
        with self.lock:
            self.commands.append("DATA")
            step = self.script["data"].popleft() if self.script["data"] else None
        if step == DROP:
            server.transport.close()
            return DROP
        reply = step.reply if isinstance(step, Slow) else step or "250 2.0.0 OK: queued"
        with self.lock:  # the data is in: recorded before any delay (a client giving up cancels us)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          bytes(envelope.original_content or envelope.content), reply,
                                          str(session.peer)))
            hold = self.hold_at is not None and reply.startswith("250") and (
                len(self.delivered_unlocked()) == self.hold_at)
        if isinstance(step, Slow):
            await asyncio.sleep(step.seconds)
        if hold:  # the client never hears back until released
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        return reply

    def delivered_unlocked(self) -> list[Received]:
        return [r for r in self.received if r.accepted]

    @property
    def delivered(self) -> list[Received]:
        with self.lock:
            return self.delivered_unlocked()

    @property
    def attempts(self) -> list[Received]:
        with self.lock:
            return list(self.received)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """aiosmtpd on 127.0.0.1 at a free port, in its own thread.

    tls: None (plain), "starttls" (STARTTLS required) or "smtps" (TLS from the first byte);
    login: (user, password) to require AUTH (only ever over TLS)."""

    def __init__(self, *, tls: str | None = None, cert: tuple[Path, Path] | None = None,
                 login: tuple[str, str] | None = None):
        self.handler = ScriptedHandler()
        self.host = "127.0.0.1"
        self.port = free_port()
        self.tls = tls
        self.login = login
        kwargs = {}
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(cert[0]), str(cert[1]))
            if tls == "starttls":
                kwargs.update(tls_context=context, require_starttls=True)
            else:
                kwargs.update(ssl_context=context)
        if login:
            # aiosmtpd only knows of STARTTLS, so it would hide AUTH on a TLS-from-the-start
            # connection; the handler requires login and encryption at MAIL instead
            kwargs.update(auth_require_tls=tls == "starttls", authenticator=self._authenticate)
            self.handler.require_login = True
        self.handler.require_tls = tls is not None
        self.controller = Controller(self.handler, hostname=self.host, port=self.port, **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(), auth_data.password.decode()) == self.login
        with self.handler.lock:
            self.handler.logins.append(f"{mechanism} {auth_data.login.decode()} {'ok' if ok else 'refused'}")
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd replies 535 itself

    @property
    def url(self) -> str:
        scheme = {None: "smtp", "starttls": "smtp+starttls", "smtps": "smtps"}[self.tls]
        auth = f"{self.login[0]}:{self.login[1]}@" if self.login else ""
        return f"{scheme}://{auth}{self.host}:{self.port}"

    def __getattr__(self, name):  # sink.add(...), sink.delivered, sink.received … (read-only)
        return getattr(self.handler, name)

    def start(self) -> "SmtpSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.handler.release.set()  # never leave a held reply waiting on a stopped loop
        self.controller.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def wait_for(self, predicate, timeout: float = 20.0, what: str = "the mail server") -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            time.sleep(0.02)


@pytest.fixture
def smtp_sink():
    """A plain SMTP server on loopback that accepts everything unless scripted."""
    sink = SmtpSink().start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, made with `cryptography` if installed, else the
    openssl command; (cert, key) paths. Skips when neither is available."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        _cert_with_cryptography(cert, key)
    except ImportError:
        openssl = shutil.which("openssl")
        if openssl is None:
            pytest.skip("no TLS certificate: neither the cryptography package nor the openssl "
                        "command is available to make a self-signed one")
        subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                        "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True, timeout=30)
    return cert, key


def _cert_with_cryptography(cert_path: Path, key_path: Path) -> None:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))


class Clock:
    """A settable clock for Worker(clock=…): starts at the real time, moves only when told."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


_seq = {"n": 0}


def make_queued(owner, n: int = 1, *, send_after: datetime | None = None, contact=None,
                subject: str = "昨日はありがとうございました", body: str | None = None,
                mail_from: str | None = None, to_domain: str = "example.net") -> list:
    """n queued follow-ups for `owner`, composed as the services compose them (MIME fixed at
    queueing, with its Message-ID), due at `send_after` (default: a minute ago). Each goes to a
    contact of its own unless `contact` is given. Inserted in one flush; returns the rows."""
    from flask import current_app

    from webapp.contacts.models import Contact
    from webapp.followups.compose import compose, make_message_id
    from webapp.followups.models import FollowUp
    from webapp.profiles.services import get_profile_for

    now = datetime.now(timezone.utc)
    send_after = send_after or now - timedelta(minutes=1)
    mail_from = mail_from or current_app.config["MAIL_FROM"]
    from_name = get_profile_for(owner).name or owner.name
    contacts = [contact] * n if contact is not None else []
    if contact is None:
        for _ in range(n):
            _seq["n"] += 1
            contacts.append(Contact(owner_id=owner.id, name=f"佐藤 花子 {_seq['n']}",
                                    email=f"hanako{_seq['n']}@{to_domain}"))
        db.session.add_all(contacts)
        db.session.flush()
    rows = []
    for person in contacts:
        message_id = make_message_id(mail_from.rpartition("@")[2] or "ichigo.local")
        text = body if body is not None else f"{person.name}様\n\n昨日はありがとうございました。\n"
        mime = compose(from_name=from_name, from_addr=mail_from, reply_to="", to_name=person.name,
                       to_addr=person.email, subject=subject, body=text, message_id=message_id, date=now)
        rows.append(FollowUp(owner_id=owner.id, contact_id=person.id, to=person.email, subject=subject,
                             body=text, status="queued", send_after=send_after, message_id=message_id,
                             mime=mime))
    db.session.add_all(rows)
    db.session.commit()
    return rows
