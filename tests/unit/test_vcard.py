"""vCard building: names split the way address books expect, UTF-8 folded by octets, CRLF."""
from urllib.parse import unquote

import pytest
import vobject

from webapp.profiles import vcard

CARD_URL = "https://ichigo.test/c/abcdefghijkmnp"
CARD = {
    "name": "山田 太郎",
    "name_reading": "やまだ たろう",
    "keyword": "AIと教育を掛け合わせる仕事をしています",
    "current_work": "小学校の先生向けに、採点を手伝うAIツールを作っています。" * 3,
    "why_here": "教育現場の課題を直接聞きたくて来ました; 質問, 歓迎",
    "next_challenge": "地方の学校での実証実験 🍓",
    "offers": "",
    "asks": "",
    "company": "いちご教育株式会社",
    "title": "代表",
    "public_email": "taro@example.org",
    "public_phone": "+81 90-1234-5678",
    "links": ["https://example.com/taro"],
}


@pytest.mark.parametrize("name,expected", [
    ("山田 太郎", ("山田", "太郎", "")),
    ("山田\u3000太郎", ("山田", "太郎", "")),
    ("山田太郎", ("山田太郎", "", "")),
    ("Jane Doe", ("Doe", "Jane", "")),
    ("Mary Jane Watson", ("Watson", "Mary", "Jane")),
    ("  Cher ", ("", "Cher", "")),
    ("", ("", "", "")),
])
def test_names_split_into_family_and_given(name, expected):
    assert vcard.split_name(name) == expected


def test_vcard_parses_back_with_japanese_intact():
    text = vcard.build_vcard(CARD, CARD_URL)
    card = vobject.readOne(text)
    assert card.version.value == "3.0"
    assert card.fn.value == "山田 太郎"
    assert (card.n.value.family, card.n.value.given) == ("山田", "太郎")
    assert card.contents["x-phonetic-last-name"][0].value == "やまだ"
    assert card.contents["x-phonetic-first-name"][0].value == "たろう"
    assert card.contents["sort-string"][0].value == "やまだ たろう"
    assert card.org.value == ["いちご教育株式会社"]
    assert card.title.value == "代表"
    assert card.email.value == "taro@example.org"
    assert card.tel.value == "+81 90-1234-5678"
    assert [u.value for u in card.contents["url"]] == [CARD_URL, "https://example.com/taro"]
    note = card.note.value
    assert note.splitlines()[0] == CARD["keyword"]
    assert CARD["current_work"] in note and CARD["why_here"] in note and "🍓" in note


def test_every_line_is_at_most_75_octets_and_ends_crlf():
    text = vcard.build_vcard(CARD, CARD_URL)
    raw = text.encode("utf-8")
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines) and b"\r" not in b"".join(lines)
    assert all(len(line) <= 75 for line in lines)
    for line in lines:
        line.decode("utf-8")  # no multibyte character split across a fold
    assert any(line.startswith(b" ") for line in lines)  # long Japanese lines were folded


def test_short_but_wide_japanese_lines_are_folded_too():
    # 60 characters are fewer than 75 but take 180 octets: vobject alone leaves them unfolded.
    text = vcard.build_vcard({"name": "山" * 60, "keyword": "k"}, CARD_URL)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert vobject.readOne(text).fn.value == "山" * 60


@pytest.mark.parametrize("line", ["a" * 200, "あ" * 100, "🍓" * 40, "a" + "あ" * 30 + "🍓" * 20])
def test_fold_line_never_splits_a_character(line):
    physical = vcard.fold_line(line)
    assert all(len(p.encode()) <= 75 for p in physical)
    assert physical[0] + "".join(p[1:] for p in physical[1:]) == line


def test_western_name_and_empty_fields_are_left_out():
    text = vcard.build_vcard({"name": "Jane Doe", "keyword": "I build AI tools for teachers"}, CARD_URL)
    card = vobject.readOne(text)
    assert (card.n.value.family, card.n.value.given) == ("Doe", "Jane")
    for absent in ("org", "title", "email", "tel", "x-phonetic-first-name", "sort-string"):
        assert absent not in card.contents


def test_content_disposition_has_utf8_name_and_ascii_fallback():
    header = vcard.content_disposition("山田 太郎")
    assert header.startswith("attachment; ")
    assert 'filename="contact.vcf"' in header
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "山田 太郎.vcf"
    assert header.isascii()


def test_content_disposition_keeps_ascii_names_readable_and_safe():
    assert 'filename="Jane-Doe.vcf"' in vcard.content_disposition("Jane Doe")
    header = vcard.content_disposition('evil"\r\nX-Injected: 1')
    assert "\r" not in header and "\n" not in header and header.count('"') == 2
