"""Guess a Japanese name's reading (furigana, in hiragana) from its kanji, with pykakasi's dictionary."""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

#: a name with one of these needs a reading to be found by kana; kana-only names are their own reading
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]")
#: what a reading may hold: hiragana, the long-vowel mark and single spaces between the parts
_READING = re.compile(r"^[\u3041-\u3096\u309d\u309eー]+(?: [\u3041-\u3096\u309d\u309eー]+)*$")
_SPACES = re.compile(r"\s+")
#: the reading column's length (contacts.name_reading)
MAX_READING = 100

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _converter():
    import pykakasi  # loads its dictionaries (about half a second): only when a name first needs it

    return pykakasi.kakasi()


def guess_reading(name: str | None) -> str:
    """The hiragana reading of a name written with kanji, a space between the parts the name
    separates (「佐藤 花子」 → 「さとう はなこ」); '' when there is nothing to guess (no kanji, a
    Latin part, a character the dictionary does not know) or the result would not fit."""
    if not name:
        return ""
    name = _SPACES.sub(" ", unicodedata.normalize("NFKC", name)).strip()
    if not _KANJI.search(name):
        return ""
    parts = []
    for part in name.split(" "):
        with _lock:  # pykakasi keeps no state per call, but its tries are not documented thread-safe
            words = _converter().convert(part)
        parts.append("".join(word["hira"] for word in words))
    reading = " ".join(parts)
    if len(reading) > MAX_READING or not _READING.match(reading):
        return ""
    return reading
