"""Japanese reads as Japanese: every translation is Japanese with Japanese punctuation, and each kind of
validation error, on an HTML form and in a JSON answer, is told in Japanese to a Japanese user."""
from __future__ import annotations

import html
import json
import re
import uuid
from pathlib import Path

import pytest

from tests.conftest import bearer, csrf_token_of, make_token, make_user
from tests.test_i18n import read_catalogue

#: an English sentence: three or more Latin words in a row
ENGLISH = re.compile(r"[A-Za-z][A-Za-z'’]+(?:[ ,]+[A-Za-z][A-Za-z'’]*){2,}")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
#: what may stay Latin inside a Japanese sentence: placeholders, URLs, addresses, examples, codes
ALLOWED = re.compile(r"%\(\w+\)[sdif]|\{\{[^}]*\}\}|\{%[^%]*%\}|\{\w*\}|https?://\S+|[\w.+-]+@[\w.-]+|"
                     r"</?[a-zA-Z][^>]*>|&#?\w+;|\[\[[^\]]*\]\]|Bearer \S+|“…”|"
                     r"BEGIN:VCARD|Ichigo|Google Calendar|Apple Calendar|Outlook|Gmail")


def latin_sentences(text: str) -> list[str]:
    return ENGLISH.findall(ALLOWED.sub(" ", text))


def ja_messages():
    return [message for message in read_catalogue() if message.id]


def strings_of(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def test_every_japanese_message_is_translated_and_has_no_english_sentence():
    problems = []
    for message in ja_messages():
        for text in strings_of(message):
            if not text or message.fuzzy:
                problems.append((message.id, "untranslated or fuzzy"))
            elif latin_sentences(text):
                problems.append((message.id, text, latin_sentences(text)))
    assert not problems


def test_japanese_messages_use_japanese_quotes_and_colons():
    problems = []
    for message in ja_messages():
        for text in strings_of(message):
            bare = ALLOWED.sub(" ", text)
            if re.search(r"[«»“”]", bare) or re.search(r'"[^"]*[\u3040-\u30ff\u3400-\u9fff][^"]*"', bare):
                problems.append((text, "quotes: use 「」"))
            if re.search(r"[\u3040-\u30ff\u3400-\u9fff）」][ \t]*:(?:\s|$)", bare):
                problems.append((text, "colon: use ："))
    assert not problems


#: one name per field: the contact's need is 「相手のニーズ」 everywhere
def test_the_contacts_need_has_one_name():
    texts = [text for message in ja_messages() for text in strings_of(message)]
    assert not [text for text in texts if "困りごと" in text or "相手の課題" in text]


# --- every kind of validation error, told in Japanese -------------------------------------------------

def _messages_in(value) -> list[str]:
    """The texts in a JSON error body (its values; the keys are field names)."""
    if isinstance(value, dict):
        return [text for key, item in value.items() if key != "code" for text in _messages_in(item)]
    if isinstance(value, list):
        return [text for item in value for text in _messages_in(item)]
    return [value] if isinstance(value, str) else []


def assert_japanese(messages: list[str]) -> None:
    assert messages, "no error message at all"
    for text in messages:
        assert JAPANESE.search(text), f"not Japanese: {text!r}"
        assert not latin_sentences(text), f"an English sentence: {text!r}"


CAPTURE = {"name": "佐藤 花子"}
#: kind -> fields to put into a capture (None: leave the field out)
CAPTURE_ERRORS = {
    "too_long": {"name": "あ" * 101},
    "missing": {"name": None},
    "blank": {"name": "   "},
    "email_no_at": {"email": "hanako.example.com"},
    "email_bad_domain": {"email": "hanako@example..com"},
    "email_special_domain": {"email": "hanako@example.test"},
    "email_local_part_too_long": {"email": "a" * 65 + "@example.com"},
    "email_bad_local_part": {"email": "han ako@example.com"},
    "email_encoded_word": {"email": "=?utf-8?q?x?=@example.com"},
    "url_not_http": {"card_url": "javascript:alert(1)"},
    "url_no_host": {"card_url": "https://"},
    "control_character": {"company": "abc\x1bdef"},
    "line_break_in_one_line": {"company": "abc\ndef"},
    "markup": {"company": "<b>abc</b>"},
    "bidi": {"company": "abc\u202edef"},
    "invisible_only": {"company": "\u200b\u200b"},
    "header_invisible": {"name": "佐藤\u200b花子"},
    "bad_phone": {"phone": "call me"},
    "bad_date": {"promise_due": "2026-13-45"},
    "bad_choice": {"language": "fr"},
}
API_ONLY = {
    "unknown_field": {"nickname": "はなちゃん"},
    "wrong_type": {"company": 12345},
    "list_for_text": {"company": ["a"]},
    "wrong_type_id": {"event_id": "one"},
    "out_of_range": {"event_id": 0},
    "bad_datetime": {"captured_at": "yesterday"},
    "naive_datetime": {"captured_at": "2026-12-05T09:00:00"},
    "future_time": {"captured_at": "2099-12-05T09:00:00+09:00"},
    "bad_uuid": {"client_id": "not-a-uuid"},
}


def _capture(overrides: dict) -> dict:
    body = {"client_id": str(uuid.uuid4()), **CAPTURE, **overrides}
    return {key: value for key, value in body.items() if value is not None}


@pytest.fixture
def ja_api(app):
    user = make_user(locale="ja")
    return {**bearer(make_token(user)), "Accept-Language": "ja"}


@pytest.mark.parametrize("kind", [*CAPTURE_ERRORS, *API_ONLY])
def test_a_json_validation_error_is_told_in_japanese(client, ja_api, kind):
    body = _capture({**CAPTURE_ERRORS, **API_ONLY}[kind])
    response = client.post("/api/v1/captures", json=body, headers=ja_api)
    assert response.status_code == 422, response.get_json()
    assert_japanese(_messages_in(response.get_json()["error"]))


@pytest.mark.parametrize(("kind", "path", "method", "data"), [
    ("lone_surrogate", "/api/v1/captures", "post", '{"client_id": "%s", "name": "\\ud800"}' % uuid.uuid4()),
    ("nul", "/api/v1/captures", "post", '{"client_id": "%s", "name": "a\\u0000b"}' % uuid.uuid4()),
    ("malformed", "/api/v1/captures", "post", '{"name": '),
    ("nan", "/api/v1/captures", "post", '{"name": NaN}'),
    ("too_deep", "/api/v1/captures", "post", "[" * 40 + "]" * 40),
    ("not_an_object", "/api/v1/captures", "post", "[1, 2]"),
    ("batch_not_a_list", "/api/v1/captures/batch", "post", "{}"),
    ("query_out_of_range", "/api/v1/contacts?limit=0", "get", None),
    ("query_bad_choice", "/api/v1/contacts?tier=gold", "get", None),
    ("query_wrong_type", "/api/v1/contacts?limit=many", "get", None),
    ("event_missing_name", "/api/v1/events", "post", "{}"),
    ("no_such_contact", "/api/v1/contacts/999999", "get", None),
    ("no_such_path", "/api/v1/nothing-here", "get", None),
    ("method_not_allowed", "/api/v1/captures", "delete", None),
    ("event_bad_range", "/api/v1/events", "post", json.dumps({"name": "勉強会", "starts_at": "2026-12-05T10:00:00+09:00",
                                                              "ends_at": "2026-12-05T09:00:00+09:00"})),
])
def test_a_json_body_or_query_error_is_told_in_japanese(client, ja_api, kind, path, method, data):
    headers = {**ja_api, "Content-Type": "application/json"}
    response = getattr(client, method)(path, data=data, headers=headers)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert_japanese(_messages_in(response.get_json()["error"]))


def _page_errors(page: str) -> list[str]:
    """The error texts on a page: each field's error, the form's alert, an error page's list."""
    found = re.findall(r'<(?:p|div|li)[^>]*class="[^"]*(?:field-error|errors|alert)[^"]*"[^>]*>(.*?)</(?:p|div|li)>',
                       page, flags=re.S)
    found += re.findall(r'<ul class="errors">(.*?)</ul>', page, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", " ", text)).strip() for text in found if text.strip()]


@pytest.fixture
def ja_browser(client, auth, app):
    user = make_user(locale="ja")
    assert auth.login(user.email).status_code == 302
    return client


#: the capture form has no card link or language box (the API has)
FORM_ERRORS = [kind for kind, fields in CAPTURE_ERRORS.items() if not {"card_url", "language"} & set(fields)]


@pytest.mark.parametrize("kind", FORM_ERRORS)
def test_a_capture_form_error_is_shown_in_japanese(ja_browser, kind):
    client = ja_browser
    token = csrf_token_of(client, "/capture")
    form = {"csrf_token": token, **{key: ("" if value is None else value)
                                    for key, value in _capture(CAPTURE_ERRORS[kind]).items()}}
    response = client.post("/capture", data=form, headers={"Accept-Language": "ja"})
    assert response.status_code == 422, kind
    assert_japanese(_page_errors(response.get_data(as_text=True)))


PROFILE = {"name": "山田 太郎", "keyword": "AIと教育を掛け合わせる仕事をしています"}
PROFILE_ERRORS = {
    "keyword_too_long": {"keyword": "あ" * 61},
    "keyword_missing": {"keyword": ""},
    "email_no_at": {"public_email": "taro.example.com"},
    "email_bad_domain": {"public_email": "taro@-example.com"},
    "link_not_http": {"links": "ftp://example.com/me"},
    "bad_colour": {"use_color": "1", "signature_color": "red"},
    "bad_phone": {"public_phone": "call me"},
    "bidi": {"company": "abc\u202edef"},
    "too_many_links": {"links": "\n".join(f"https://example.com/{i}" for i in range(6))},
}


@pytest.mark.parametrize("kind", PROFILE_ERRORS)
def test_a_profile_form_error_is_shown_in_japanese(ja_browser, kind):
    client = ja_browser
    token = csrf_token_of(client, "/profile")
    response = client.post("/profile", data={"csrf_token": token, **PROFILE, **PROFILE_ERRORS[kind]},
                           headers={"Accept-Language": "ja"})
    assert response.status_code == 422, kind
    assert_japanese(_page_errors(response.get_data(as_text=True)))


@pytest.mark.parametrize(("kind", "data"), [
    ("email_no_at", {"email": "not-an-address"}),
    ("email_bad_domain", {"email": "hanako@example"}),
    ("password_too_short", {"password": "short"}),
    ("missing_name", {"name": ""}),
])
def test_a_signup_form_error_is_shown_in_japanese(client, kind, data):
    token = csrf_token_of(client, "/signup")
    form = {"name": "佐藤 花子", "email": "hanako@example.com", "password": "long enough password",
            "locale": "ja", "csrf_token": token, **data}
    response = client.post("/signup", data=form, headers={"Accept-Language": "ja"})
    assert response.status_code == 422, kind
    assert_japanese(_page_errors(response.get_data(as_text=True)))


#: a string given to _(), gettext() or ngettext() in a template or script: translated, so its quotes are
#: the translation's
_MARKED = re.compile(r"""\b(?:_|gettext|ngettext)\(\s*(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
                     r"""(?:\s*,\s*(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'))?""")


def test_templates_and_scripts_put_no_quote_marks_around_text_outside_a_translation():
    root = Path(__file__).resolve().parent.parent
    found = []
    for path in [*root.glob("templates/**/*.html"), *root.glob("static/js/*.js")]:
        text = _MARKED.sub("", path.read_text(encoding="utf-8"))
        text = re.sub(r"^\s*//[^\n]*", "", re.sub(r"\{#.*?#\}", "", text, flags=re.S), flags=re.M)
        found += [f"{path.relative_to(root)}: {line.strip()}" for line in text.splitlines() if re.search("[«»“”]", line)]
    assert not found
