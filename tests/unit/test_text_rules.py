"""Text people type, judged by where it goes: one-line text, text bound for mail headers (names,
subjects), and email addresses (pure, no app)."""
import base64

import pytest
from marshmallow import ValidationError

from webapp.validation import check_header_text, check_multiline, check_text, normalise_email


def b64_word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


INJECTION = "Eve\r\nReply-To: evil@attacker.example\r\nContent-Type: text/html\r\n\r\n<b>phish</b>"


def refused(check, value, **kw) -> str:
    with pytest.raises(ValidationError) as caught:
        check(value, max_length=kw.pop("max_length", 200), **kw)
    return str(caught.value.messages[0])


# -- header-bound text: names, subjects, event names ----------------------------------------
@pytest.mark.parametrize("value", [
    b64_word(INJECTION),
    "=?UTF-8?Q?Eve=0D=0ABcc:_evil@attacker.example?=",
    "Eve =?iso-2022-jp?B?GyRCJDMbKEI=?= Smith",
    "=?utf-8*en?q?x?=",
])
def test_header_text_refuses_encoded_words(value):
    assert "=?" in refused(check_header_text, value)


@pytest.mark.parametrize("char", [
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u200e",  # left-to-right mark
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",  # byte order mark
    "\u2060",  # word joiner
    "\u00ad",  # soft hyphen
    "\ue000",  # private use
    "\ud800",  # a lone surrogate (JSON can carry one)
])
def test_header_text_refuses_every_format_private_or_surrogate_character(char):
    assert refused(check_header_text, f"Ev{char}e")


def test_header_text_keeps_ordinary_names_and_punctuation():
    for name in ("山田 太郎", "Renée O'Brien-Smith", "Eve \"the Great\", Jr.; (CEO)", "Ana 👍", "李 小龍 = ? 123"):
        assert check_header_text(name, max_length=100) == name


# -- other one-line text --------------------------------------------------------------------
@pytest.mark.parametrize("char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
                                  "\u2069"])
def test_any_text_refuses_bidi_overrides_and_isolates(char):
    assert refused(check_text, f"invoice{char}fdp.exe")
    assert refused(check_multiline, f"first line\nsecond {char} line")


def test_any_text_refuses_lone_surrogates():
    assert refused(check_text, "abc\udc80")


@pytest.mark.parametrize("value", ["\u200b", "\u200b\u200c\u200d", "\ufeff \u2060", "\u3164", "\u115f\u1160",
                                   "\u2800", "\ufe0f"])
def test_any_text_refuses_a_value_made_only_of_invisible_characters(value):
    assert "invisible" in refused(check_text, value)
    assert "invisible" in refused(check_header_text, value)


def test_plain_text_keeps_emoji_sequences_and_scripts_that_need_joiners():
    """ZWJ and ZWNJ stay allowed outside mail headers: emoji sequences (👩‍💻) and scripts such as
    Persian and the Indic ones need them, and neither can reorder text or break a line."""
    for text in ("👩\u200d💻 met at the booth", "می\u200cخواهم", "क्\u200dष", "talk about =?utf-8?b?x?= decoding"):
        assert check_text(text, max_length=200) == text


def test_plain_text_messages_are_clear():
    assert refused(check_text, "a\u202eb") == "Text direction control characters are not allowed."


# -- email addresses ------------------------------------------------------------------------
def test_email_refuses_an_encoded_word_in_the_local_part():
    assert "=?" in refused(lambda v, **kw: normalise_email(v), b64_word("x\r\nBcc: evil@attacker.example") +
                           "@example.net")


def test_email_refuses_a_local_part_over_64_octets():
    assert normalise_email("a" * 64 + "@example.com") == "a" * 64 + "@example.com"
    assert "64" in refused(lambda v, **kw: normalise_email(v), "a" * 65 + "@example.com")
    assert "64" in refused(lambda v, **kw: normalise_email(v), "ü" * 33 + "@example.com")  # 66 octets in UTF-8


def test_email_keeps_an_international_domain_as_typed():
    assert normalise_email("Eve@例え.jp") == "eve@例え.jp"


def test_email_keeps_a_non_ascii_local_part_for_the_record():
    """Kept at input (a mail app can still write to it); composing a message to it is refused."""
    assert normalise_email("用户@例子.广告") == "用户@例子.广告"
