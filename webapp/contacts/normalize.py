"""Pure text keys for matching and search: width, case, kana and spacing folded away."""
from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

_SPACE = re.compile(r"[\s\u3000・·.,_\-‐－—]+")


def fold(text: str | None) -> str:
    """NFKC (full/half width), case-folded, katakana as hiragana, no spaces or light punctuation.

    「ヤマダ　タロウ」, 「やまだたろう」 and 「ﾔﾏﾀﾞ ﾀﾛｳ」 all fold to 「やまだたろう」;
    "Jane  DOE" and "ｊａｎｅ ｄｏｅ" to "janedoe".
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(chr(ord(ch) - 0x60) if "\u30a1" <= ch <= "\u30f6" else ch for ch in text)
    return _SPACE.sub("", text)


def search_key(*parts: str | None) -> str:
    """One column to search names, readings and companies: folded parts joined by a separator."""
    return "|".join(fold(p) for p in parts if p)


def normalise_card_url(url: str | None) -> str:
    """Card URLs compare without scheme case, trailing slash, query or fragment noise."""
    if not url:
        return ""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))

if TYPE_CHECKING:  # only an annotation: the models import this module
    from webapp.contacts.models import Contact


def refresh_keys(contact: Contact) -> None:
    """Recompute the folded columns after a change of name, reading, company, email or card."""
    contact.name_key = fold(contact.name)
    contact.reading_key = fold(contact.name_reading)
    contact.search_key = search_key(contact.name, contact.name_reading, contact.company)
    contact.card_url_key = normalise_card_url(contact.card_url)
