"""Reading scanned QR payloads (pure, no app)."""
import pytest

from webapp.captures.scan import ScanError, read_payload

OWN = "https://ichigo.test"


def test_own_card_url_is_recognised_by_slug():
    r = read_payload("https://ichigo.test/c/abcdefghijk23", own_origin=OWN)
    assert r.kind == "ichigo_card" and r.slug == "abcdefghijk23"


def test_other_ichigo_server_is_kept_as_a_link():
    r = read_payload("https://other.example/c/abcdefghijk23", own_origin=OWN)
    assert r.kind == "url" and r.capture == {"card_url": "https://other.example/c/abcdefghijk23"}


@pytest.mark.parametrize("payload", ["javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "ftp://x.example/a"])
def test_non_http_urls_are_refused(payload):
    with pytest.raises(ScanError):
        read_payload(payload, own_origin=OWN)


def test_vcard_is_parsed_with_japanese_and_reading():
    vcard = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:山田;太郎;;;\r\nFN:山田 太郎\r\nX-PHONETIC-LAST-NAME:やまだ\r\n"
             "X-PHONETIC-FIRST-NAME:たろう\r\nORG:いちご株式会社\r\nTITLE:CTO\r\nEMAIL:Taro@Example.jp\r\n"
             "TEL:+81-90-1234-5678\r\nURL:https://taro.example\r\nEND:VCARD\r\n")
    r = read_payload(vcard, own_origin=OWN)
    assert r.kind == "vcard"
    assert r.capture == {"name": "山田 太郎", "name_reading": "やまだ たろう", "email": "taro@example.jp",
                         "phone": "+81-90-1234-5678", "company": "いちご株式会社", "title": "CTO",
                         "card_url": "https://taro.example"}


def test_vcard_with_javascript_url_keeps_the_rest_but_not_the_link():
    vcard = "BEGIN:VCARD\nVERSION:3.0\nFN:Jane Doe\nURL:javascript:alert(1)\nEND:VCARD"
    r = read_payload(vcard, own_origin=OWN)
    assert r.capture == {"name": "Jane Doe"}


def test_mecard_is_parsed_with_escapes():
    r = read_payload(r"MECARD:N:Doe,Jane;TEL:+1 555 0100;EMAIL:jane@example.com;NOTE:a\;b;;", own_origin=OWN)
    assert r.kind == "mecard"
    assert r.capture == {"name": "Jane Doe", "phone": "+1 555 0100", "email": "jane@example.com"}


@pytest.mark.parametrize("payload", [
    "x" * 3072,                                                    # 3 KB of junk
    "BEGIN:VCARD\nVERSION:3.0\nFN:A\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:B\nEND:VCARD",  # two cards
    "BEGIN:VCARD\nFN;;;:\n:::\nEND",                              # malformed
    "BEGIN:VCARD\nVERSION:3.0\nEND:VCARD",                         # no name
    "MECARD:;;",
    "MECARD:N:A;;MECARD:N:B;;",
    "hello there",
    "",
    "BEGIN:VCARD\x00",
])
def test_hostile_or_unreadable_payloads_are_refused(payload):
    with pytest.raises(ScanError):
        read_payload(payload, own_origin=OWN)


def test_japanese_mecard_keeps_family_name_first():
    r = read_payload("MECARD:N:山田,太郎;SOUND:やまだ,たろう;;", own_origin=OWN)
    assert r.capture == {"name": "山田 太郎", "name_reading": "やまだ たろう"}


def test_a_scanned_name_that_could_write_mail_headers_is_not_taken():
    vcard = ("BEGIN:VCARD\nVERSION:3.0\nFN:=?utf-8?b?RXZlDQpCY2M6IGVAZXZpbC5leGFtcGxl?=\n"
             "EMAIL:eve@example.net\nEND:VCARD")
    with pytest.raises(ScanError, match="no name"):  # as a typed capture, it needs a name that is safe to send to
        read_payload(vcard, own_origin=OWN)
