"""Give before you ask (pure): which of my offers meet which of their needs, by shared terms.

Latin text matches on words; Japanese, which has no spaces, on pairs of neighbouring characters
that hold a kanji or katakana (grammar-only hiragana pairs like 「して」 are left out). Width, case
and kana are folded first, so 「ＡＩ」 meets "ai" and 「デザイン」 meets 「でざいん」 written in katakana.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from webapp.contacts.normalize import fold

_PHRASE_SPLIT = re.compile(r"[\n,;/、。，；・|]+")
_LATIN = re.compile(r"[a-z0-9][a-z0-9+#.]*[a-z0-9+#]|[a-z0-9]")
_CJK_RUN = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc\u4e00-\u9fff\u3400-\u4dbf々〆]+")
#: after folding, katakana has become hiragana: a strong pair is two kanji
_STRONG = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf々〆]")
_CONTENT = re.compile(r"[\u30a1-\u30fa\u30fc\u4e00-\u9fff\u3400-\u4dbf々〆]")
STOPWORDS = frozenset("""a an and are as at be but by can for from have help i in into is it its me my of on or our
so that the their them they this to us we with you your will would who what when where how about
want wants need needs looking look find some more any all also just new good""".split())
#: shorter Latin words match only exactly as a whole word of the phrase ("ai", "ux", "hr" count)
MIN_LATIN = 2


def terms(text: str | None) -> set[str]:
    """The matching terms of a text: Latin words and Japanese content bigrams, folded."""
    if not text:
        return set()
    normal = unicodedata.normalize("NFKC", text).casefold()
    found = set()
    for word in _LATIN.findall(normal):
        if len(word) >= MIN_LATIN and word not in STOPWORDS:
            found.add(word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word)
    for run in _CJK_RUN.findall(normal):
        if len(run) == 1 and _CONTENT.match(run):
            found.add(fold(run))
        for i in range(len(run) - 1):
            pair = run[i:i + 2]
            if _CONTENT.search(pair):
                found.add(fold(pair))
    return found


def phrases(offers: str | None) -> list[str]:
    """My offers, one phrase per line or list item."""
    return [p.strip() for p in _PHRASE_SPLIT.split(offers or "") if p.strip()]


@dataclass
class Match:
    offer: str
    shared: list[str]
    score: int


def _weight(term: str) -> int:
    """A Latin word of four letters or more, or two kanji/katakana together, is a strong signal."""
    if term.isascii():
        return 2 if len(term) >= 4 else 1
    return 2 if len(term) == 2 and all(_STRONG.match(ch) for ch in term) else 1


def best_match(offer_terms: list[tuple[str, set[str]]], need: str) -> Match | None:
    """The offer that shares the most with a need; None below the threshold (two shared terms, or
    one strong one)."""
    need_terms = terms(need)
    best = None
    for offer, mine in offer_terms:
        shared = mine & need_terms
        score = sum(_weight(t) for t in shared)
        if score >= 2 and (best is None or score > best.score):
            best = Match(offer, sorted(shared), score)
    return best
