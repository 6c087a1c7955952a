"""Composing a message never lets a name, subject or address write a header line of its own, and
addresses go out in ASCII (IDNA domains), as the envelope carries them (pure)."""
import base64
import email
import email.policy
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage

import pytest

from webapp.followups.compose import POLICY, UnsafeHeader, compose, verify_message
from webapp.followups.transport import PermanentFailure, _envelope_address

INJECTION = "Eve\r\nReply-To: evil@attacker.example\r\nContent-Type: text/html\r\n\r\n<b>phish</b>"
HOSTILE = "=?utf-8?b?" + base64.b64encode(INJECTION.encode()).decode() + "?="
WHEN = datetime(2026, 5, 2, 0, 0, tzinfo=timezone.utc)


def message(**overrides) -> bytes:
    fields = {"from_name": "山田 太郎", "from_addr": "followups@ichigo.test", "reply_to": "", "to_name": "佐藤 花子",
              "to_addr": "hanako@example.net", "subject": "昨日はありがとうございました", "body": "本文\n",
              "message_id": "<abc@ichigo.test>", "date": WHEN}
    return compose(**{**fields, **overrides})


def header_fields(raw: bytes) -> list[bytes]:
    """The header block's fields as sent, continuation lines joined to their field."""
    fields: list[bytes] = []
    for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line
        else:
            fields.append(line)
    return fields


def names_of(raw: bytes) -> list[str]:
    return [field.split(b":", 1)[0].decode().lower() for field in header_fields(raw)]


@pytest.mark.parametrize("field", ["to_name", "from_name", "subject"])
def test_an_encoded_word_hiding_a_line_break_is_refused(field):
    with pytest.raises(UnsafeHeader) as caught:
        message(**{field: HOSTILE})
    assert caught.value.field == field


@pytest.mark.parametrize("value", ["Eve\u202eevil", "Eve\u200b", "Eve\x00", "Eve\u2028Bcc: x@y.z", "Eve\ud800"])
def test_control_and_format_characters_in_a_name_are_refused(value):
    with pytest.raises(UnsafeHeader):
        message(to_name=value)


def test_the_policy_verifies_every_folded_header():
    """However a header folds (CPython before 3.11.10 folds a decoded encoded word's CRLF into
    the output, CVE-2024-6923), what comes out is one header: a line break only before
    whitespace, and the line separator at its end; else HeaderWriteError-like UnsafeHeader."""
    msg = EmailMessage(policy=POLICY)
    msg["To"] = Address(display_name=HOSTILE, username="eve", domain="example.net")
    try:
        folded = POLICY.fold_binary("To", msg["To"])
    except UnsafeHeader:
        return
    body = folded[:-2]
    assert folded.endswith(b"\r\n")
    assert all(line[:1] in (b" ", b"\t") for line in body.split(b"\r\n")[1:]), folded


def test_a_quoted_name_stays_inside_the_to_header():
    name = 'Eve "Reply-To: evil@attacker.example", Bob;'
    raw = message(to_name=name)
    assert names_of(raw).count("to") == 1 and "reply-to" not in names_of(raw)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert email.utils.parseaddr(str(parsed["To"])) == (name, "hanako@example.net")


def test_an_international_domain_is_written_in_idna_not_as_an_encoded_word():
    raw = message(to_addr="eve@例え.jp", reply_to="taro@straße.de")
    to = next(f for f in header_fields(raw) if f.lower().startswith(b"to:"))
    reply_to = next(f for f in header_fields(raw) if f.lower().startswith(b"reply-to:"))
    assert b"<eve@xn--r8jz45g.jp>" in to
    assert b"<taro@xn--strae-oqa.de>" in reply_to
    assert to.lower().count(b"=?utf-8?") == 1  # only the Japanese display name is an encoded word


def test_the_envelope_uses_the_same_ascii_domain_as_the_header():
    assert _envelope_address("eve@straße.de") == "eve@xn--strae-oqa.de"  # IDNA 2008, not "strasse.de"
    assert _envelope_address("eve@例え.jp") == "eve@xn--r8jz45g.jp"
    with pytest.raises(PermanentFailure):
        _envelope_address("用户@例子.广告")


@pytest.mark.parametrize("addr", ["用户@例子.广告", "a" * 65 + "@example.net",
                                  "=?utf-8?b?eA0KQmNjOiBldmlsQGF0dGFja2VyLmV4YW1wbGUNCg==?=@example.net"])
def test_an_address_that_cannot_be_written_safely_is_refused(addr):
    with pytest.raises(UnsafeHeader) as caught:
        message(to_addr=addr)
    assert caught.value.field == "to_addr"


def test_without_a_reply_address_there_is_no_reply_to_header():
    assert "reply-to" not in names_of(message(reply_to=""))
    assert names_of(message(reply_to="taro@example.com")).count("reply-to") == 1


def test_a_composed_message_passes_the_stored_message_check():
    verify_message(message())


def test_a_message_with_injected_headers_fails_the_stored_message_check():
    """What compose produced before the fix, for the hostile name: stored rows like it are not sent."""
    old = (b"From: Taro <f@ichigo.test>\r\nTo:\r\n Eve\r\nReply-To: evil@attacker.example\r\n"
           b"Content-Type: text/html\r\n\r\n<b>phish</b>\r\n <eve@example.net>\r\nSubject: hi\r\n"
           b"Date: Sat, 02 May 2026 00:00:00 +0000\r\nMessage-ID: <x@y>\r\nAuto-Submitted: no\r\n"
           b"Content-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n"
           b"MIME-Version: 1.0\r\n\r\nhello\r\n")
    with pytest.raises(UnsafeHeader):
        verify_message(old)
    with pytest.raises(UnsafeHeader):
        verify_message(message().replace(b"Subject:", b"Bcc: evil@attacker.example\r\nSubject:"))


def test_the_header_fix_is_detected_by_python_version():
    import sys

    from webapp.followups.compose import python_has_header_fix

    patched = {(3, 11): (3, 11, 10), (3, 12): (3, 12, 5)}.get(sys.version_info[:2], (3, 13, 0))
    assert python_has_header_fix() == (sys.version_info[:3] >= patched)


def test_an_unpatched_python_is_warned_about_once_per_process(monkeypatch, caplog):
    import logging

    from webapp.followups import compose as module

    logger = logging.getLogger("ichigo-test-floor")
    for has_fix, expected in ((False, 1), (True, 0)):
        monkeypatch.setattr(module, "_python_warned", False)
        monkeypatch.setattr(module, "python_has_header_fix", lambda has_fix=has_fix: has_fix)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger=logger.name):
            module.warn_if_unpatched_python(logger)
            module.warn_if_unpatched_python(logger)
        assert [r.getMessage().count("CVE-2024-6923") for r in caplog.records] == [1] * expected
