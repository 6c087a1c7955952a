"""The interface in Japanese and English: a complete catalogue, and the right language on each page."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.conftest import csrf_token_of, make_user

ROOT = Path(__file__).resolve().parent.parent
JA_PO = ROOT / "translations" / "ja" / "LC_MESSAGES" / "messages.po"
#: what must keep its exact form in a translation: %(name)s / %d placeholders, {braces}, tags, entities
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}|</?[a-zA-Z][^>]*>|&#?\w+;")


def read_catalogue():
    with JA_PO.open("rb") as fh:
        return read_po(fh, locale="ja")


def extract_keywords() -> dict:
    """Babel's keywords plus the `-k` ones `make messages` adds, so the two extractions agree."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return {**DEFAULT_KEYWORDS, **{name: None for name in re.findall(r"\s-k\s+(\S+)", makefile)}}


def extracted_ids() -> dict[tuple[str, str | None], str]:
    """A fresh extraction with babel.cfg over webapp/ and templates/: (msgid, context) -> where found."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)

    def only_app_dirs(path: str) -> bool:
        rel = Path(path).resolve().relative_to(ROOT).parts
        return not rel or rel[0] in ("webapp", "templates") and not any(p.startswith((".", "_")) for p in rel)

    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            ROOT, method_map, options_map, keywords=extract_keywords(), directory_filter=only_app_dirs):
        msgid = message[0] if isinstance(message, (tuple, list)) else message
        if msgid:
            found.setdefault((msgid, context), f"{filename}:{lineno}")
    return found


def test_every_marked_string_is_translated_into_japanese():
    found = extracted_ids()
    assert len(found) > 100  # the extraction really looked at the app
    catalogue = read_catalogue()
    missing = {key: where for key, where in found.items() if catalogue.get(*key) is None}
    assert not missing, f"not in messages.po (run `make messages`, then translate): {missing}"
    untranslated = {}
    for key, where in found.items():
        string = catalogue.get(*key).string
        if not all(string if isinstance(string, tuple) else [string]):
            untranslated[key] = where
    assert not untranslated, f"untranslated in messages.po: {untranslated}"


def test_the_japanese_catalogue_is_complete_and_keeps_placeholders():
    catalogue = read_catalogue()
    assert not catalogue.fuzzy
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append((ids[0], "fuzzy or untranslated"))
            continue
        if isinstance(message.id, tuple) and len(strings) != 1:
            problems.append((ids[0], "Japanese has one plural form"))
        for msgid in ids:
            for text in strings:
                if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text)):
                    problems.append((msgid, text))
    assert not problems


def page(client, path, lang):
    response = client.get(path, headers={"Accept-Language": lang})
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("path", "ja", "en"), [
    ("/login", ["ログイン", "パスワード", "この端末でログインしたままにする"], ["Log in", "Password", "Keep me logged in"]),
    ("/signup", ["アカウントを作成", "パスワード（8文字以上）"], ["Create your account", "Password (8 characters or more)"]),
    ("/", ["一期一会。", "名刺を作る"], ["One meeting, one chance.", "Create your card"]),
])
def test_logged_out_pages_follow_accept_language(client, path, ja, en):
    html = page(client, path, "ja,en;q=0.5")
    assert '<html lang="ja">' in html
    assert all(text in html for text in ja)
    assert not any(text in html for text in en)
    html = page(client, path, "en-US,en;q=0.9")
    assert '<html lang="en">' in html
    assert all(text in html for text in en)
    assert not any(text in html for text in ja)


def post_signup(client, lang, **data):
    token = csrf_token_of(client, "/signup")
    form = {"name": "", "email": "not-an-address", "password": "short", "locale": lang, "csrf_token": token}
    return client.post("/signup", data={**form, **data}, headers={"Accept-Language": lang})


def test_signup_form_errors_are_in_japanese_on_a_japanese_page(client):
    response = post_signup(client, "ja")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "この項目は必須です。" in html  # our own message (name)
    assert "正しいメールアドレスではありません。" in html  # our own message (email)
    assert "8〜256文字にしてください。" in html  # marshmallow's, through tr_error in field_errors
    assert "Length must be between" not in html and "This field is required." not in html


def test_signup_form_errors_are_in_english_on_an_english_page(client):
    html = post_signup(client, "en").get_data(as_text=True)
    assert "This field is required." in html
    assert "Not a valid email address." in html
    assert "Use 8 to 256 characters." in html


def test_a_service_error_on_a_form_is_translated(client, app):
    user = make_user()
    response = post_signup(client, "ja", name="花子", email=user.email, password="long enough pw")
    assert response.status_code == 409
    assert "このメールアドレスのアカウントはすでにあります。" in response.get_data(as_text=True)


def test_error_pages_are_translated(client):
    response = client.post("/login", data={"email": "a@example.com"}, headers={"Accept-Language": "ja"})
    assert response.status_code == 400
    assert "CSRFトークンがありません" in response.get_data(as_text=True)


def test_the_lang_cookie_beats_accept_language(client):
    client.set_cookie("lang", "ja")
    html = page(client, "/login", "en")
    assert '<html lang="ja">' in html and "ログイン" in html


def test_a_japanese_user_sees_japanese_whatever_the_browser_says(client, auth, app):
    user = make_user(locale="ja")
    assert auth.login(user.email).status_code == 302
    html = page(client, "/", "en-US,en;q=0.9")
    assert '<html lang="ja">' in html
    assert "山田 太郎さん、こんにちは" in html and "ブランドキーワードを書く" in html
    assert "Write my brand keyword" not in html
    token = csrf_token_of(client, "/settings")
    response = client.post("/settings", data={"name": "山田 太郎", "locale": "ja", "timezone": "Mars/Olympus",
                                              "csrf_token": token}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "不明なタイムゾーンです。" in response.get_data(as_text=True)


def test_an_english_user_sees_english_whatever_the_browser_says(client, auth, app):
    user = make_user(locale="en")
    assert auth.login(user.email).status_code == 302
    html = page(client, "/", "ja")
    assert '<html lang="en">' in html and "Write my brand keyword" in html


def _first_error(field, value):
    from marshmallow import Schema, ValidationError

    schema = Schema.from_dict({"x": field})()
    try:
        schema.load({} if value is None else {"x": value})
    except ValidationError as exc:
        return exc.messages["x"][0]
    raise AssertionError("no error")


@pytest.mark.parametrize(("make", "value", "ja", "en"), [
    (lambda f, m: f.String(required=True), None, "この項目は必須です。", "This field is required."),
    (lambda f, m: f.String(validate=m.Length(min=1)), "", "この項目は必須です。", "This field is required."),
    (lambda f, m: f.String(validate=m.Length(max=256)), "x" * 257, "長すぎます（最大256）。", "Too long (at most 256)."),
    (lambda f, m: f.String(validate=m.Length(min=1, max=256)), "", "1〜256文字にしてください。",
     "Use 1 to 256 characters."),
    (lambda f, m: f.Integer(validate=m.Range(min=1, max=100)), 101, "1〜100の範囲で指定してください。", "From 1 to 100."),
    (lambda f, m: f.String(validate=m.OneOf(["grow", "maintain"])), "x", "次から選んでください：grow / maintain。",
     "Choose one of: grow / maintain."),
])
def test_marshmallow_messages_are_translated_where_they_are_raised(app, make, value, ja, en):
    from flask_babel import force_locale
    from marshmallow import fields

    from webapp import messages

    with app.test_request_context():
        with force_locale("ja"):
            assert _first_error(make(fields, messages), value) == ja
        with force_locale("en"):
            assert _first_error(make(fields, messages), value) == en


@pytest.mark.parametrize(("message", "ja", "en"), [
    ("An account with this email already exists.", "このメールアドレスのアカウントはすでにあります。",
     "An account with this email already exists."),
    ("something nobody translated", "something nobody translated", "something nobody translated"),
    ("", "", ""),
])
def test_stored_english_is_translated_where_it_is_shown(app, message, ja, en):
    from flask_babel import force_locale

    from webapp.i18n import tr_error

    with app.test_request_context():
        with force_locale("ja"):
            assert tr_error(message) == ja
        with force_locale("en"):
            assert tr_error(message) == en
