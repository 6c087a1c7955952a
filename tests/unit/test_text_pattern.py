"""The OpenAPI document's text patterns say exactly what check_text, check_multiline and
check_http_url accept, so a client (or schemathesis) that follows the document is never refused
for a rule it could not see, and what the document refuses the server refuses too."""
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from webapp.text_patterns import BLANK, http_url_pattern, text_pattern
from webapp.validation import NFKC_DELIMITERS, HttpUrl, check_header_text, check_multiline, check_text

#: characters where the rules are sharp: controls, markup, the whitespace strip() sees, the letters
#: IGNORECASE folds onto a-z, URL delimiters and their NFKC look-alikes, and a scattering of the rest
EDGES = st.sampled_from(list("<>/!?:@#[]\\ aAjJsStTiI0\t\r\n\x00\x1b\x7f\x85\x9f\xa0\u1680\u2000\u200b\u2028"
                             "\u202f\u3000\ufeffİıſK山＠／\u202e\u2067\u200d\u0301\u3164\U000f0000") + [
    "=?utf-8?b?", "?=", "=?UTF-8?Q?a?=",
    "javascript", "JavaScript", "<a", "< b", "<\u3000/", "http://", "HTTPS://", "ftp://", "a.jp", ":80"])
TEXT = st.lists(st.one_of(EDGES, st.characters(codec="utf-8")), max_size=12).map("".join)
SETTINGS = settings(max_examples=1000, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))


def accepts(check, value, **kw) -> bool:
    try:
        check(value, **kw)
    except ValidationError:
        return False
    return True


def matches(pattern: str, value: str) -> bool:
    return re.search(pattern, value) is not None


@SETTINGS
@given(TEXT)
@example("javaſcript:x")
@example("<İ")
@example("\u3000")
@example("a\u200b")
def test_line_pattern_matches_check_text(value):
    for required in (False, True):
        assert matches(text_pattern(required=required), value) == accepts(
            check_text, value, max_length=10_000, allow_empty=not required), (value, required)


@SETTINGS
@given(TEXT)
@example("=?utf-8?b?RXZl?=")
@example("\u200d")
@example("a\U000f0000")
def test_header_line_pattern_matches_check_header_text(value):
    for required in (False, True):
        assert matches(text_pattern(required=required, header=True), value) == accepts(
            check_header_text, value, max_length=10_000, allow_empty=not required), (value, required)


@SETTINGS
@given(TEXT)
@example("<\na")
@example("a\r\nb")
def test_paragraphs_pattern_matches_check_multiline(value):
    assert matches(text_pattern(multiline=True), value) == accepts(check_multiline, value, max_length=10_000)


@SETTINGS
@given(st.lists(st.sampled_from(["a", " ", "\r\n", "\r", "\n", "山"]), max_size=8).map("".join))
def test_paragraphs_length_counts_a_crlf_once(value):
    assert matches(text_pattern(multiline=True, max_length=5), value) == accepts(check_multiline, value, max_length=5)


@SETTINGS
@given(st.one_of(TEXT, st.tuples(st.sampled_from(["http://", "HTTPS://", " https://"]), TEXT).map("".join)))
@example("http://a@b")
@example("http://[::1]/")
@example("http://ａ／b")
@example(" http://a.jp/x\u3000")
@example("http://a.jp/ x")
@example("\n")
def test_link_pattern_matches_check_http_url(value):
    for allow_empty in (False, True):
        field = HttpUrl(allow_empty=allow_empty)
        assert matches(http_url_pattern(allow_empty=allow_empty), value) == accepts(
            field.deserialize, value), (value, allow_empty)


def test_blank_is_what_strip_removes():
    every_space = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
    assert matches(BLANK, every_space) and not matches(BLANK, every_space + "a")


def test_the_nfkc_delimiters_are_all_there():
    computed = [chr(c) for c in range(0x80, 0x110000)
                if any(x in unicodedata.normalize("NFKC", chr(c)) for x in "/?#@:[]\\")]
    assert all(re.fullmatch(f"[{NFKC_DELIMITERS}]", c) for c in computed)


@pytest.mark.parametrize("pattern", [text_pattern(), text_pattern(required=True), text_pattern(multiline=True),
                                     http_url_pattern(allow_empty=True), BLANK])
def test_patterns_use_only_what_ecma_262_and_python_read_alike(pattern):
    assert "$" not in pattern and "(?<" not in pattern and "(?i" not in pattern
    assert not re.search(r"(?<!\\)\\[swdSWDZAb]", pattern.replace("[\\s\\S]", ""))


PHONE_TEXT = st.lists(st.sampled_from(list("0123456789０３+()（）-.‐－ー#*ext a\u3000\t<")), max_size=12).map("".join)


@SETTINGS
@given(PHONE_TEXT)
@example(" 12")
@example("+ 123")
@example("\u300012 3\u3000")
def test_phone_patterns_match_the_phone_fields(value):
    from webapp.captures.schemas import Phone as CapturePhone
    from webapp.profiles.schemas import Phone as ProfilePhone

    for field in (CapturePhone(), ProfilePhone()):
        assert matches(field.PATTERN, value) == accepts(field.deserialize, value), (type(field).__module__, value)


@settings(SETTINGS, max_examples=200)
@given(st.emails(), st.sampled_from(["", ".test", ".TEST", ".local", ".onion", ".arpa", ".invalid"]))
def test_email_pattern_refuses_only_what_email_validator_refuses(address, suffix):
    from webapp.text_patterns import email_pattern
    from webapp.validation import normalise_email

    value = address + suffix
    if not matches(email_pattern(), value):
        assert not accepts(lambda v: normalise_email(v), value), value
