"""Give before you ask, without a database: my offers against their needs, in Japanese and English."""
from webapp.relationships.matching import best_match, phrases, terms

OFFERS = "AI教材の作り方を教えられます\nPython code review, hiring advice\n採用の相談・デザイン"


def offers():
    return [(p, terms(p)) for p in phrases(OFFERS)]


def test_offers_split_into_phrases():
    assert phrases(OFFERS) == ["AI教材の作り方を教えられます", "Python code review", "hiring advice", "採用の相談",
                               "デザイン"]


def test_japanese_needs_meet_offers_on_kanji_words():
    assert best_match(offers(), "生徒向けのAI教材を探しています").offer == "AI教材の作り方を教えられます"
    assert best_match(offers(), "エンジニア採用に困っている").offer == "採用の相談"


def test_width_and_case_do_not_matter():
    assert best_match(offers(), "ＰＹＴＨＯＮのレビューが欲しい").offer == "Python code review"


def test_english_needs_meet_offers_on_words():
    assert best_match(offers(), "need help hiring engineers").offer == "hiring advice"


def test_grammar_alone_is_no_match():
    assert best_match(offers(), "資金調達") is None
    assert best_match(offers(), "していますのでよろしく") is None
    assert best_match(offers(), "looking for someone") is None
