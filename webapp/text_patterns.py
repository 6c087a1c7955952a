"""The text rules of webapp.validation written as JSON Schema patterns for the OpenAPI document, so a
client that follows the document is never refused for a rule it could not see.

The patterns are read alike by ECMA-262 (the document's dialect) and Python's re: no flags, no
lookbehind, no \\s or \\w (their sets differ), and no bare `$` (Python's also matches before a final
newline): `(?![\\s\\S])` ends the text. tests/unit/test_text_pattern.py holds them to the checks.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache

from email_validator import SPECIAL_USE_DOMAIN_NAMES

from webapp.validation import BLANK as BLANK_LETTERS
from webapp.validation import HEADER_UNSAFE, HTTP_URL, SPACE

#: all of str.strip()'s whitespace, controls included (a blank that means "none" may hold them)
BLANK = "^[\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f\\u0085" + SPACE + "\\u2028\\u2029]*(?![\\s\\S])"
END = "(?![\\s\\S])"
NO_NUL = "^[^\\u0000]*" + END
_CONTROL = "\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029"
_CONTROL_MULTILINE = "\\u0000-\\u0009\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u2028\\u2029"
#: Python's IGNORECASE folds İ ı ſ K onto a-z
_MARKUP = (f"<[{SPACE}]*[a-zA-Z\\u0130\\u0131\\u017f\\u212a!/?]|"
           f"[jJ][aA][vV][aA][sS\\u017f][cC][rR][iI\\u0130\\u0131][pP][tT][{SPACE}]*:")


#: embeddings, overrides and isolates (validation.BIDI_CONTROL); lone surrogates are left out of
#: every pattern: JSON bodies that hold one are refused before any field is read (webapp.inputs), and
#: a class of them is no regex to Rust-based validators
_BIDI = "\\u202a-\\u202e\\u2066-\\u2069"
#: an RFC 2047 encoded word (validation.ENCODED_WORD)
_ENCODED_WORD = "=\\?[^?]*\\?[bBqQ]\\?[\\s\\S]*?\\?="


@lru_cache(maxsize=None)
def char_class(categories: frozenset, extra: str = "", exclude: str = "") -> str:
    """The inside of a [...] class for every character of these Unicode categories (this Python's
    Unicode version, the one the server checks with), plus ``extra``: BMP ranges as \\u escapes,
    astral ones as the characters themselves (Python's re reads them as code points)."""
    ranges: list[list[int]] = []
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue  # lone surrogates: see _BIDI
        if (unicodedata.category(ch) in categories or ch in extra) and ch not in exclude:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])

    def one(code: int) -> str:
        return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)
    return "".join(one(a) if a == b else f"{one(a)}-{one(b)}" for a, b in ranges)


_STRIPPED = f"{SPACE}\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f\\u0085\\u2028\\u2029"  # str.strip()'s


def _invisible_only(multiline: bool) -> str:
    """No line made only of characters that draw nothing, with one that strip() keeps
    (validation._invisible; check_multiline checks each line)."""
    if not multiline:
        invisible = char_class(frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"}), "".join(BLANK_LETTERS))
        return f"(?!(?=[\\s\\S]*[^{_STRIPPED}])[{invisible}]+{END})"
    invisible = char_class(frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"}), "".join(BLANK_LETTERS), "\r\n")
    return (f"(?!(?:[\\s\\S]*[\\r\\n])?(?=[^\\r\\n]*[^{_STRIPPED}])[{invisible}]+"
            f"(?:[\\r\\n]|{END}))")


def text_pattern(*, multiline: bool = False, required: bool = False, max_length: int | None = None,
                 header: bool = False) -> str:
    """What check_text (check_multiline with ``multiline``, which counts CRLF once up to
    ``max_length``; check_header_text with ``header``) lets through: no control characters, no
    markup, no text-direction controls or lone surrogates, not only invisible characters, and with
    ``required`` one visible character; in a header no encoded word and no format, separator or
    private-use character either."""
    control = _CONTROL_MULTILINE if multiline else _CONTROL
    visible = f"(?=[\\s\\S]*[^{SPACE}\\r\\n])" if required else ""
    longer = ""
    if multiline and max_length is not None:  # more than max_length characters, a CRLF being one
        longer = f"(?!(?:\\r\\n|\\r(?!\\n)|[^\\r]){{{max_length + 1}}})"
    unsafe = f"|[{char_class(HEADER_UNSAFE)}]|{_ENCODED_WORD}" if header else ""
    invisible_only = _invisible_only(multiline)
    return (f"^{visible}{longer}{invisible_only}"
            f"(?![\\s\\S]*(?:[{control}{_BIDI}]|{_MARKUP}{unsafe}))")


def _any_case(word: str) -> str:
    return "".join(f"[{c}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


def email_pattern() -> str:
    """What the email format does not say and email_validator refuses: a special-use domain (.test…)."""
    names = "|".join(_any_case(name) for name in SPECIAL_USE_DOMAIN_NAMES)
    return f"^(?![\\s\\S]*@(?:[\\s\\S]*\\.)?(?:{names})\\.?{END})"


def http_url_pattern(*, allow_empty: bool = False) -> str:
    """What check_http_url lets through (spaces around are trimmed first); with ``allow_empty``, a blank too."""
    link = f"{text_pattern(required=True)}[{SPACE}]*{HTTP_URL}[{SPACE}]*{END}"
    return f"{BLANK}|{link}" if allow_empty else link
