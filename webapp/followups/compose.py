"""Compose a follow-up as MIME bytes with the standard library's `email` package (pure).

No header can carry a line break of its own. Names and subjects are checked first (no RFC 2047
encoded words, which Python before 3.11.10 decodes and folds CR LF and all into the output,
CVE-2024-6923; no control or format characters); addresses are written in ASCII, an
international domain in IDNA; every folded header is verified on the way out, as CPython's
`verify_generated_headers` does from 3.11.10 on, here on every Python; and the whole header block
is checked once more, also just before the worker sends a message stored earlier.
"""
from __future__ import annotations

import email.errors
import email.policy
import logging
import re
import sys
import secrets
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime

import idna

from webapp.validation import MAX_LOCAL_PART_OCTETS, header_text_problem

#: the stdlib's own error for an unsafe fold (Python ≥ 3.11.10); older ones never raise it
_STDLIB_HEADER_ERROR = getattr(email.errors, "HeaderWriteError", None)
#: a dot-atom local part (RFC 5322 3.2.3), as email-validator accepts it without quoting
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_MESSAGE_ID = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>")
_FIELD_NAME = re.compile(rb"[!-9;-~]+")
#: the header block compose writes: these exactly once …
REQUIRED_HEADERS = frozenset({"from", "to", "subject", "date", "message-id", "mime-version", "content-type",
                              "content-transfer-encoding"})
#: … and these at most once
OPTIONAL_HEADERS = frozenset({"reply-to", "auto-submitted"})


class UnsafeHeader(ValueError):
    """A header cannot be written safely. `field` names the input (to_name, subject, to_addr …) or
    the header; `reason` is encoded_word, invisible, address, non_ascii_local_part, folding or
    structure."""

    def __init__(self, field: str, reason: str, detail: str = ""):
        super().__init__(f"{field}: {reason}" + (f" ({detail})" if detail else ""))
        self.field = field
        self.reason = reason


def _verified(name: str, folded: str, linesep: str) -> str:
    """A folded header is one header: it ends with the line separator, and every line break
    inside it is the separator followed by whitespace and some text (a line of only whitespace
    becomes an empty line, the end of the headers, wherever trailing blanks are trimmed)."""
    if not folded.endswith(linesep):
        raise UnsafeHeader(name, "folding", "does not end with the line separator")
    lines = folded[:-len(linesep)].split(linesep)
    if any("\r" in line or "\n" in line for line in lines):
        raise UnsafeHeader(name, "folding", "a bare CR or LF")
    if any(line[:1] not in (" ", "\t") or not line.strip() for line in lines[1:]):
        raise UnsafeHeader(name, "folding", "a line break not followed by a continuation")
    return folded


class VerifyingPolicy(EmailPolicy):
    """email.policy.SMTP whose every folded header is verified before it is written."""

    def fold(self, name, value):
        return _verified(name, super().fold(name, value), self.linesep)

    def fold_binary(self, name, value):
        folded = super().fold_binary(name, value)
        _verified(name, folded.decode("ascii", "surrogateescape"), self.linesep)
        return folded


#: CRLF line ends, RFC 2047 encoded words for non-ASCII names and subjects, lines ≤ 78, verified folds
POLICY = VerifyingPolicy(linesep="\r\n", max_line_length=78)


log = logging.getLogger(__name__)
_python_warned = False


def python_has_header_fix() -> bool:
    """Python 3.11.10+, 3.12.5+ and 3.13+ carry the CVE-2024-6923 fix (and its
    verify_generated_headers policy option); this module defends itself on older ones too."""
    return hasattr(email.policy.default, "verify_generated_headers")


def warn_if_unpatched_python(logger: logging.Logger = log) -> None:
    """Log once per process that this Python lacks the email header fix (not through app.logger:
    touching it gives the "webapp" logger a handler, and every record under it would print twice
    once the CLI configures logging)."""
    global _python_warned
    if _python_warned or python_has_header_fix():
        return
    _python_warned = True
    logger.warning("Python %s lacks the fix for CVE-2024-6923 (email header injection). Ichigo checks every "
                   "header it writes, but run it on Python 3.11.10+, 3.12.5+ or 3.13+.", sys.version.split()[0])


def make_message_id(domain: str) -> str:
    """A Message-ID fixed when the follow-up is queued and reused on every retry."""
    return f"<{secrets.token_hex(12)}@{domain}>"


def ascii_address(addr: str, *, field: str = "address") -> tuple[str, str]:
    """(local part, domain) as a message and the SMTP envelope carry them without SMTPUTF8: an
    international domain in IDNA (2008, UTS 46, as email-validator gave it at input), never an
    encoded word. A non-ASCII, over-long or encoded-word local part cannot be written: UnsafeHeader."""
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain or header_text_problem(addr):
        raise UnsafeHeader(field, "address", "not an address that can go into a header")
    if not local.isascii():
        raise UnsafeHeader(field, "non_ascii_local_part")
    if len(local) > MAX_LOCAL_PART_OCTETS or not _LOCAL_PART.fullmatch(local):
        raise UnsafeHeader(field, "address", "the part before the @ cannot be written in a header")
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise UnsafeHeader(field, "address", f"the domain cannot be encoded: {exc}") from exc
    return local, domain


def _text(field: str, value: str) -> str:
    problem = header_text_problem(value)
    if problem:
        raise UnsafeHeader(field, problem)
    return value


def _address(name_field: str, name: str, addr_field: str, addr: str) -> Address:
    local, domain = ascii_address(addr, field=addr_field)
    return Address(display_name=_text(name_field, name or ""), username=local, domain=domain)


def compose(*, from_name: str, from_addr: str, reply_to: str, to_name: str, to_addr: str,
            subject: str, body: str, message_id: str, date: datetime) -> bytes:
    """The message as it goes on the wire: From the instance's sender with the user's name,
    Reply-To the user's reply address (none when empty), plain UTF-8 text. Raises UnsafeHeader
    when a name, the subject or an address cannot be written as a header of its own."""
    if not _MESSAGE_ID.fullmatch(message_id):
        raise UnsafeHeader("message_id", "structure")
    msg = EmailMessage(policy=POLICY)
    try:
        msg["From"] = _address("from_name", from_name, "from_addr", from_addr)
        msg["To"] = _address("to_name", to_name, "to_addr", to_addr)
        if reply_to:
            msg["Reply-To"] = _address("from_name", from_name, "reply_to", reply_to)
        msg["Subject"] = _text("subject", subject)
        msg["Date"] = format_datetime(date)
        msg["Message-ID"] = message_id
        msg["Auto-Submitted"] = "no"  # a person wrote and approved it
        msg.set_content(body, charset="utf-8", cte="quoted-printable" if body.isascii() else "base64")
        mime = msg.as_bytes(policy=POLICY)
    except ValueError as exc:  # the header registry refuses CR/LF in a value it was handed
        if isinstance(exc, UnsafeHeader):
            raise
        raise UnsafeHeader("header", "structure", str(exc)) from exc
    except Exception as exc:
        if _STDLIB_HEADER_ERROR is not None and isinstance(exc, _STDLIB_HEADER_ERROR):
            raise UnsafeHeader("header", "folding", str(exc)) from exc
        raise
    verify_message(mime)
    return mime


def verify_message(mime: bytes | None) -> None:
    """Check a message's header block as compose writes it: each line a `Name: value` field or
    its continuation, only compose's own fields, each once; else UnsafeHeader. The worker runs it
    on every stored message before sending, so one composed by older code is never sent."""
    head, blank, _body = (mime or b"").partition(b"\r\n\r\n")
    if not blank:
        raise UnsafeHeader("message", "structure", "no end of the headers")
    seen: list[str] = []
    for line in head.split(b"\r\n"):
        if b"\r" in line or b"\n" in line:
            raise UnsafeHeader("message", "structure", "a bare CR or LF")
        if line[:1] in (b" ", b"\t") and seen and line.strip():
            continue
        name, colon, _value = line.partition(b":")
        if not colon or not _FIELD_NAME.fullmatch(name):
            raise UnsafeHeader("message", "structure", "a line that is not a header")
        seen.append(name.decode("ascii").lower())
    names = set(seen)
    if len(names) != len(seen) or names - REQUIRED_HEADERS - OPTIONAL_HEADERS or REQUIRED_HEADERS - names:
        raise UnsafeHeader("message", "structure", "not the headers compose writes: " + ", ".join(seen))
