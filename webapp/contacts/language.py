"""A contact's language (ja or en), guessed from their name and notes at capture (pure).

The name decides first: kanji, or more kana than Latin letters, is Japanese; a Latin name is
English. The notes are the user's own words (a Japanese account writes Japanese notes about Tom
Baker), so they only settle a romanised Japanese name ("Hanako Sato" with Japanese notes) and a
name with no letters at all. What the person wrote themselves (a share-back message) in Japanese
makes it Japanese. The user can change it on the contact's page.
"""
from __future__ import annotations

import re

LANGUAGES = ("ja", "en")

_KANA = re.compile("[\u3040-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_KANJI = re.compile("[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_VOWEL = "[aeiouāēīōūâêîôû]"
#: one mora of Hepburn romanisation: (consonant) vowel, a moraic n, or the first of a doubled consonant
_MORA = rf"(?:(?:[kgsztdnhbpmr]y?|ch|sh|ts|[jywfv])?{_VOWEL}|n(?!{_VOWEL}|y)|[kstpgdbc](?=[kstpgdbc]))"
_ROMANISED = re.compile(rf"(?:{_MORA})+")


def _latin_letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha() and (ch < "\u0250" or "\uff21" <= ch <= "\uff5a"))


def _is_japanese(text: str) -> bool:
    return bool(_KANA.search(text) or _KANJI.search(text))


def _looks_romanised(name: str) -> bool:
    """Given and family name both spelt as Japanese syllables ("Hanako Sato", not "Tom Baker")."""
    words = name.lower().split()
    return len(words) >= 2 and all(_ROMANISED.fullmatch(word) for word in words)


def guess_language(name: str, notes: str = "", *, their_words: str = "", fallback: str = "ja") -> str:
    """"ja" or "en" for a person, from their name, the user's notes about them and anything they
    wrote themselves; `fallback` (the user's own language) when nothing tells."""
    if _is_japanese(their_words):
        return "ja"
    kana, latin = len(_KANA.findall(name)), _latin_letters(name)
    if _KANJI.search(name) or (kana and kana >= latin):
        return "ja"
    if latin:
        return "ja" if _is_japanese(notes) and _looks_romanised(name) else "en"
    if _is_japanese(notes):
        return "ja"
    if _latin_letters(notes):
        return "en"
    return fallback if fallback in LANGUAGES else "ja"
