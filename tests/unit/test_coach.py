"""The keyword coach warns on generic or vague keywords, says why, and shows a specific example."""
import pytest

from webapp.profiles.coach import advise, detect


@pytest.mark.parametrize("keyword", [
    "IT企業で働いています", "会社員です", "IT関係の仕事です", "I work in IT", "I work at an IT company",
    "Working for a big company", "I'm an office worker",
])
def test_generic_keywords_are_flagged_generic(keyword):
    assert "generic" in detect(keyword)


@pytest.mark.parametrize("keyword", [
    "Engineer", "I'm an engineer", "I am a consultant.", "エンジニア", "エンジニアです", "営業", "コンサルタント",
    "Software Developer",
])
def test_a_bare_job_title_is_flagged(keyword):
    assert detect(keyword) == ["job_title"]


@pytest.mark.parametrize("keyword", [
    "いろいろやっています", "色々な仕事をしています", "I do various things with data", "Stuff around marketing",
    "I help with something in sales",
])
def test_vague_words_are_flagged(keyword):
    assert "vague" in detect(keyword)


@pytest.mark.parametrize("keyword", ["AI", "教育", "Data nerd"])
def test_very_short_keywords_are_flagged_too_short(keyword):
    assert detect(keyword) == ["too_short"]


@pytest.mark.parametrize("keyword", [
    "AIと教育を掛け合わせる仕事をしています",
    "I build AI tools for teachers",
    "製造現場のデータを見える化するエンジニアです",
    "I'm the engineer who makes factory data visible",
    "町の商店の経理をクラウドで自動化しています",
])
def test_specific_keywords_get_no_advice(keyword):
    assert advise(keyword) == []


def test_empty_keyword_asks_for_one():
    assert [a.code for a in advise("")] == ["missing"]
    assert [a.code for a in advise("   ")] == ["missing"]


def test_advice_says_why_and_gives_an_example_in_the_keywords_language():
    [advice] = advise("IT企業で働いています", "en")
    assert advice.code == "generic"
    assert "where you work" in advice.message
    assert advice.example == "AIと教育を掛け合わせる仕事をしています"
    [advice] = advise("I work in IT", "ja")
    assert advice.example == "I build AI tools for teachers"


def test_empty_keyword_example_follows_the_interface_language():
    assert advise("", "ja")[0].example == "AIと教育を掛け合わせる仕事をしています"
    assert advise("", "en")[0].example == "I build AI tools for teachers"


def test_messages_go_through_the_given_translation():
    [advice] = advise("Engineer", translate=lambda message: "T:" + message)
    assert advice.message.startswith("T:A job title alone")


def test_advice_is_plain_data():
    assert advise("Engineer")[0].as_dict().keys() == {"code", "message", "example"}
