"""A contact's language guessed from their name and notes (pure): Latin names read English, kanji and
kana read Japanese, and the mixed cases are decided, not left to chance."""
import pytest

from webapp.contacts.language import guess_language


@pytest.mark.parametrize("name,notes", [
    ("Tom Baker", "Offline-first tutoring app architecture"),
    ("Tom Baker", ""),
    ("Jane O'Neil-Smith", "pilot deck, hiring"),
    ("Zoë Müller", "Berlin meetup"),
])
def test_a_latin_name_with_english_notes_is_english(name, notes):
    assert guess_language(name, notes) == "en"


@pytest.mark.parametrize("name", ["佐藤 花子", "さとう はなこ", "サトウ ハナコ", "ｻﾄｳ", "髙橋"])
def test_kanji_or_kana_in_the_name_is_japanese(name):
    assert guess_language(name, "Offline-first apps") == "ja"


def test_a_foreign_name_noted_by_a_japanese_user_stays_english():
    # the notes are the user's own words: a Japanese account writes them in Japanese
    assert guess_language("Tom Baker", "教育AIの話。来月また会う", fallback="ja") == "en"


def test_a_romanised_japanese_name_with_japanese_notes_is_japanese():
    assert guess_language("Hanako Sato", "教育AIの話") == "ja"
    assert guess_language("Ryuichi Matsumoto", "採用の相談") == "ja"
    assert guess_language("Hanako Sato", "AI in classrooms") == "en"


def test_a_name_in_both_scripts_goes_by_the_kanji_or_the_longer_script():
    assert guess_language("Sato 花子", "") == "ja"
    assert guess_language("Tom Baker（トム・ベイカー）", "") == "en"
    assert guess_language("トム・ベイカー Tom", "") == "ja"


def test_their_own_words_in_japanese_make_it_japanese():
    assert guess_language("Tom Baker", "", their_words="先日はありがとうございました") == "ja"
    assert guess_language("Tom Baker", "", their_words="Great to meet you") == "en"


def test_no_letters_at_all_goes_by_the_notes_then_the_fallback():
    assert guess_language("#42", "教育AIの話") == "ja"
    assert guess_language("#42", "AI in classrooms") == "en"
    assert guess_language("#42", "", fallback="en") == "en"
    assert guess_language("", "", fallback="ja") == "ja"
    assert guess_language("#42", "", fallback="fr") == "ja"  # only ja or en ever comes out
