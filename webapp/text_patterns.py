"""The text rules of webapp.validation written as JSON Schema patterns for the OpenAPI document, so a
client that follows the document is never refused for a rule it could not see.

The patterns are read alike by ECMA-262 (the document's dialect) and Python's re: no flags, no
lookbehind, no \\s or \\w (their sets differ), and no bare `$` (Python's also matches before a final
newline): `(?![\\s\\S])` ends the text. tests/unit/test_text_pattern.py holds them to the checks.
"""
from __future__ import annotations

import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES

from webapp.validation import HTTP_URL, SPACE

#: all of str.strip()'s whitespace, controls included (a blank that means "none" may hold them)
BLANK = "^[\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f\\u0085" + SPACE + "\\u2028\\u2029]*(?![\\s\\S])"
END = "(?![\\s\\S])"
NO_NUL = "^[^\\u0000]*" + END
_CONTROL = "\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029"
_CONTROL_MULTILINE = "\\u0000-\\u0009\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\u2028\\u2029"
#: Python's IGNORECASE folds İ ı ſ K onto a-z
_MARKUP = (f"<[{SPACE}]*[a-zA-Z\\u0130\\u0131\\u017f\\u212a!/?]|"
           f"[jJ][aA][vV][aA][sS\\u017f][cC][rR][iI\\u0130\\u0131][pP][tT][{SPACE}]*:")


def text_pattern(*, multiline: bool = False, required: bool = False, max_length: int | None = None) -> str:
    """What check_text (check_multiline with ``multiline``, which counts CRLF once up to
    ``max_length``) lets through: no control characters, no markup, and with ``required`` one
    visible character."""
    control = _CONTROL_MULTILINE if multiline else _CONTROL
    visible = f"(?=[\\s\\S]*[^{SPACE}\\r\\n])" if required else ""
    longer = ""
    if multiline and max_length is not None:  # more than max_length characters, a CRLF being one
        longer = f"(?!(?:\\r\\n|\\r(?!\\n)|[^\\r]){{{max_length + 1}}})"
    return f"^{visible}{longer}(?![\\s\\S]*(?:[{control}]|{_MARKUP}))"


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
