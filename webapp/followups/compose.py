"""Compose a follow-up as MIME bytes with the standard library's `email` package (pure)."""
from __future__ import annotations

import email.policy
import secrets
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

#: CRLF line ends, RFC 2047 encoded words for non-ASCII names and subjects, lines ≤ 78
POLICY = email.policy.SMTP.clone(max_line_length=78)


def make_message_id(domain: str) -> str:
    """A Message-ID fixed when the follow-up is queued and reused on every retry."""
    return f"<{secrets.token_hex(12)}@{domain}>"


def _address(name: str, addr: str) -> Address:
    local, _, domain = addr.rpartition("@")
    return Address(display_name=name or "", username=local, domain=domain)


def compose(*, from_name: str, from_addr: str, reply_to: str, to_name: str, to_addr: str,
            subject: str, body: str, message_id: str, date: datetime) -> bytes:
    """The message as it goes on the wire: From the instance's sender with the user's name,
    Reply-To the user's own address, plain UTF-8 text."""
    msg = EmailMessage(policy=POLICY)
    msg["From"] = _address(from_name, from_addr)
    msg["To"] = _address(to_name, to_addr)
    if reply_to:
        msg["Reply-To"] = _address(from_name, reply_to)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "no"  # a person wrote and approved it
    msg.set_content(body, charset="utf-8", cte="quoted-printable" if body.isascii() else "base64")
    return msg.as_bytes(policy=POLICY)
