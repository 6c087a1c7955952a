"""Where follow-ups go: SMTP (plain, STARTTLS or SSL, with login) or a local Maildir, from MAIL_URL."""
from __future__ import annotations

import mailbox
import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from webapp.followups.compose import UnsafeHeader, ascii_address


class TemporaryFailure(Exception):
    """Try again later: a 4xx reply, or the connection failed before the message data was sent."""


class PermanentFailure(Exception):
    """The server refused the message (5xx); retrying will not help."""


class UncertainDelivery(Exception):
    """The connection broke after the message data began: it may have been delivered."""


class LeaseLost(Exception):
    """Another worker took the row over before the data was sent; nothing was sent by us."""


@dataclass
class MailConfig:
    scheme: str  # smtp, smtps, smtp+starttls, maildir
    host: str = ""
    port: int = 0
    username: str = ""
    password: str = ""
    path: str = ""
    timeout: float = 30.0


def parse_mail_url(url: str, *, timeout: float = 30.0) -> MailConfig:
    if url.startswith("maildir:"):
        return MailConfig("maildir", path=url[len("maildir:"):], timeout=timeout)
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps", "smtp+starttls"):
        raise ValueError(f"MAIL_URL scheme must be smtp, smtps, smtp+starttls or maildir, not {parts.scheme!r}")
    default_port = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}[parts.scheme]
    return MailConfig(parts.scheme, host=parts.hostname or "localhost", port=parts.port or default_port,
                      username=unquote(parts.username or ""), password=unquote(parts.password or ""),
                      timeout=timeout)


class SmtpTransport:
    """One connection reused across a batch; each message is smtplib's MAIL, RCPT and DATA. The
    caller's `before_data` (the stamp, and the fencing token's check) runs after RCPT's reply and
    before DATA: no content goes out until it said yes."""

    def __init__(self, config: MailConfig):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        smtp = None
        try:
            if cfg.scheme == "smtps":
                smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
                if cfg.scheme == "smtp+starttls":
                    smtp.starttls(context=ssl.create_default_context())
            # smtplib's mail() does not greet by itself (only sendmail() does), and after STARTTLS
            # the greeting must be repeated: without this a server answers MAIL with "503 send HELO first"
            smtp.ehlo_or_helo_if_needed()
            if cfg.username:
                smtp.login(cfg.username, cfg.password)
        except smtplib.SMTPResponseException as exc:
            _close_quietly(smtp)
            raise _classify(exc.smtp_code, exc.smtp_error) from exc
        except (OSError, smtplib.SMTPException) as exc:
            _close_quietly(smtp)
            raise TemporaryFailure(f"Could not connect to the mail server: {exc}") from exc
        except UnicodeError as exc:  # smtplib's AUTH sends ASCII only; do not crash the whole pass
            _close_quietly(smtp)
            raise TemporaryFailure("Could not log in to the mail server: the user name and password in "
                                   f"MAIL_URL must be ASCII ({exc})") from exc
        return smtp

    def send(self, sender: str, recipient: str, message: bytes, before_data: Callable[[], bool]) -> str:
        """Send one message; returns the server's final reply. Raises the failures above."""
        sender, recipient = _envelope_address(sender), _envelope_address(recipient)
        if self.smtp is None:
            self.smtp = self._connect()
        smtp = self.smtp
        try:
            self._expect(smtp.mail(sender), 250)
            self._expect(smtp.rcpt(recipient), 250, 251)
        except (OSError, smtplib.SMTPException) as exc:  # no content has gone out
            self._drop()
            raise TemporaryFailure(f"The mail server connection failed: {exc}") from exc
        try:
            go_ahead = before_data()
        except BaseException:
            self._reset()
            raise
        if not go_ahead:  # taken over: send nothing
            self._reset()
            raise LeaseLost()
        try:  # smtplib doubles leading dots, ends lines with CRLF and adds the final dot
            code, reply = smtp.data(message)
        except smtplib.SMTPDataError as exc:  # DATA itself refused: nothing was transferred
            self._reset()
            raise _classify(exc.smtp_code, exc.smtp_error) from exc
        except (OSError, smtplib.SMTPException) as exc:  # stamped: the content may have gone out
            self._drop()
            raise UncertainDelivery(f"The connection broke while sending the message: {exc}") from exc
        if code != 250:
            self._reset()
            raise _classify(code, reply)
        return f"{code} {_text(reply)}"

    def _expect(self, answer: tuple[int, bytes], *codes: int) -> None:
        code, reply = answer
        if code not in codes:
            self._reset()
            raise _classify(code, reply)

    def _reset(self) -> None:
        try:
            self.smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _drop(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.close()
            finally:
                self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._drop()


class MaildirTransport:
    """The embedded default: each message becomes a file in a local Maildir (atomic rename)."""

    def __init__(self, config: MailConfig):
        # mailbox.Maildir(create=True) makes tmp/new/cur only for a path that does not exist yet: a
        # folder made any other way (by hand, or an earlier mkdir) would fail every message
        for folder in ("tmp", "new", "cur"):
            (Path(config.path) / folder).mkdir(mode=0o700, parents=True, exist_ok=True)
        self.box = mailbox.Maildir(config.path, create=False)

    def send(self, sender: str, recipient: str, message: bytes, before_data: Callable[[], bool]) -> str:
        if not before_data():
            raise LeaseLost()
        try:
            key = self.box.add(message)
        except OSError as exc:
            raise UncertainDelivery(f"Writing to the Maildir failed: {exc}") from exc
        return f"250 stored as {key}"

    def close(self) -> None:
        pass


def open_transport(url: str, *, timeout: float = 30.0):
    config = parse_mail_url(url, timeout=timeout)
    return MaildirTransport(config) if config.scheme == "maildir" else SmtpTransport(config)


def _envelope_address(address: str) -> str:
    """The address as SMTP carries it without SMTPUTF8: the same ASCII form the message's headers
    carry (an international domain in IDNA 2008, compose.ascii_address). A non-ASCII local part
    cannot be carried at all, so that message fails (smtplib would raise UnicodeEncodeError
    mid-batch, and the row would be reclaimed and crash the worker forever)."""
    if address.isascii():
        return address
    try:
        local, domain = ascii_address(address)
    except UnsafeHeader as exc:
        if exc.reason == "non_ascii_local_part":
            raise PermanentFailure(f"The address {address} has non-ASCII characters before the @, "
                                   "which this sender cannot deliver.") from exc
        raise PermanentFailure(f"The address {address} cannot be used: {exc}") from exc
    return f"{local}@{domain}"


def _close_quietly(smtp: smtplib.SMTP | None) -> None:
    """Close a half-opened connection (refused login, failed TLS) so its socket is not leaked."""
    if smtp is not None:
        try:
            smtp.close()
        except OSError:
            pass


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _classify(code: int, reply) -> Exception:
    message = f"{code} {_text(reply)}"
    if 400 <= code < 500 or code < 0:
        return TemporaryFailure(message)
    return PermanentFailure(message)
