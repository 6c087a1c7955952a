"""Guessing a Japanese name's reading (furigana) from the name alone (pure, no app)."""
import pytest

from webapp.contacts.readings import guess_reading


@pytest.mark.parametrize("name, reading", [
    ("佐藤 花子", "さとう はなこ"),
    ("山田　太郎", "やまだ たろう"),       # a full-width space between family and given name
    ("  高橋  太郎  ", "たかはし たろう"),      # spacing tidied
    ("佐々木", "ささき"),
    ("鈴木一郎", "すずきいちろう"),          # no space in the name, none in the reading
    ("渡辺 さくら", "わたなべ さくら"),      # kana parts kept as they are, in hiragana
])
def test_a_kanji_name_gets_its_reading_in_hiragana(name, reading):
    assert guess_reading(name) == reading


@pytest.mark.parametrize("name", [
    "Jane Doe", "JOSÉ García", "", "   ", None,
    "サトウ ハナコ", "さとう はなこ", "ｻﾄｳ",    # kana alone: the name is its own reading, nothing to guess
    "佐藤 Jane",                                # a reading is kana only; a half-Latin one is no reading
    "佐藤 🍓",
])
def test_no_guess_for_names_without_kanji_or_with_other_scripts(name):
    assert guess_reading(name) == ""


def test_the_guess_fits_the_reading_field():
    assert len(guess_reading("寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来末風来末" * 3)) <= 100
