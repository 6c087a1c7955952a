"""Marshmallow fields for text people type: bounded, single-line, no control characters or HTML;
text bound for mail headers (names, subjects) is stricter still."""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from marshmallow import ValidationError, fields

from webapp.messages import Range

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MARKUP = re.compile(r"<\s*[a-zA-Z!/?]|javascript\s*:", re.IGNORECASE)
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
#: characters that NFKC turns into URL delimiters (urlsplit refuses them in a host) — the list
#: tests/unit/test_text_pattern.py computes
NFKC_DELIMITERS = "\u2047-\u2049\u2100\u2101\u2105\u2106\u2a74\ufe13\ufe16\ufe47\ufe48\ufe55\ufe56\ufe5f\ufe68\ufe6b\uff03\uff0f\uff1a\uff1f\uff20\uff3b-\uff3d"
#: the whitespace str.strip() removes, less the control characters refused anyway (a regex class)
SPACE = " \\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000"
#: an http(s) link as the server takes it (and the OpenAPI document shows it; so no flags, no \\s):
#: a host with no user name (http://bank.example@evil.example) and no IPv6 literal, digits for a
#: port, no space anywhere
HTTP_URL = (f"[hH][tT][tT][pP][sS]?://[^/?#@:\\[\\]\\\\{SPACE}{NFKC_DELIMITERS}]+"
            f"(?::[0-9]{{1,5}})?(?:[/?#][^{SPACE}]*)?")
#: embeddings, overrides and isolates: they reorder what others see ("Trojan Source")
BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
#: an RFC 2047 encoded word (=?charset?b|q?text?=): mail software decodes it, CR LF included
ENCODED_WORD = re.compile(r"=\?[^?]*\?[bq]\?.*?\?=", re.IGNORECASE | re.DOTALL)
#: control, format (zero-width, bidi, soft hyphen …), line and paragraph separators, surrogates,
#: private use: none of these belongs in a name or a subject that goes into a mail header
HEADER_UNSAFE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co"})
#: letters and symbols that draw nothing (Hangul fillers, the blank Braille pattern)
BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _invisible(ch: str) -> bool:
    return ch in BLANK or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me")


def header_text_problem(value: str) -> str | None:
    """Why this text cannot go into a mail header ("encoded_word" or "invisible"), else None (pure;
    composing a message checks names and subjects with it too)."""
    if ENCODED_WORD.search(value):
        return "encoded_word"
    if any(unicodedata.category(ch) in HEADER_UNSAFE for ch in value):
        return "invisible"
    return None


def check_text(value: str, *, max_length: int, allow_empty: bool = True) -> str:
    """Normalise (NFC, trimmed) and check one line of text; raise ValidationError with a reason."""
    if not isinstance(value, str):
        raise ValidationError(_("Not a valid string."))
    if "\r" in value or "\n" in value:
        raise ValidationError(_("Line breaks are not allowed here."))
    if CONTROL.search(value):
        raise ValidationError(_("Control characters are not allowed."))
    if MARKUP.search(value):
        raise ValidationError(_("HTML and scripts are not allowed."))
    if BIDI_CONTROL.search(value):
        raise ValidationError(_("Text direction control characters are not allowed."))
    if any(unicodedata.category(ch) == "Cs" for ch in value):  # a lone surrogate (JSON can carry one)
        raise ValidationError(_("This contains characters that are not valid text."))
    if len(value) > max_length:  # as sent, spaces around included (what the API's document says)
        raise ValidationError(_("At most %(n)d characters.", n=max_length))
    value = unicodedata.normalize("NFC", value).strip()
    if len(value) > max_length:
        raise ValidationError(_("At most %(n)d characters.", n=max_length))
    if not value and not allow_empty:
        raise ValidationError(_("This field is required."))
    if value and all(_invisible(ch) for ch in value):
        raise ValidationError(_("This contains only invisible characters."))
    return value


def check_header_text(value: str, *, max_length: int, allow_empty: bool = True) -> str:
    """check_text for text that goes into a mail header or a display name (names, subjects):
    no encoded words and no control, format, separator, surrogate or private-use character at
    all (zero-width joiners included, so an emoji sequence with one is refused here)."""
    value = check_text(value, max_length=max_length, allow_empty=allow_empty)
    problem = header_text_problem(value)
    if problem == "encoded_word":
        raise ValidationError(_("Text in the form “=?…?=” is read as encoded text in email, so it is not "
                                "allowed here."))
    if problem:
        raise ValidationError(_("Invisible or control characters are not allowed here."))
    return value


def check_multiline(value: str, *, max_length: int) -> str:
    """Like check_text, but line breaks are kept (CRLF and CR become LF)."""
    if not isinstance(value, str):
        raise ValidationError(_("Not a valid string."))
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if len(value) > max_length:  # a line break counts once, as in a textarea
        raise ValidationError(_("At most %(n)d characters.", n=max_length))
    lines = [check_text(line, max_length=max_length) for line in value.split("\n")]
    value = "\n".join(lines).strip()
    if len(value) > max_length:
        raise ValidationError(_("At most %(n)d characters.", n=max_length))
    return value


class Paragraphs(fields.String):
    """Free text over several lines (notes), at most ``max_length`` characters (CRLF counts once)."""

    def __init__(self, max_length: int, **kwargs):
        self.max_length = max_length
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        return check_multiline(value, max_length=self.max_length)


class Line(fields.String):
    """One line of plain text, at most ``max_length`` characters once trimmed."""

    check = staticmethod(check_text)

    def __init__(self, max_length: int, *, allow_empty: bool = True, **kwargs):
        self.max_length = max_length
        self.allow_empty = allow_empty
        kwargs.setdefault("metadata", {}).setdefault("maxLength", max_length)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        return self.check(value, max_length=self.max_length, allow_empty=self.allow_empty)


class HeaderLine(Line):
    """One line that ends up in a mail header or a display name: a person's name, a subject, an
    event name (subjects are made from it)."""

    check = staticmethod(check_header_text)


def check_http_url(value: str, *, max_length: int = 500) -> str:
    """An absolute http(s) URL with a host (HTTP_URL); javascript:, data: and the rest are refused."""
    value = check_text(value, max_length=max_length, allow_empty=False)
    if not re.match(r"[hH][tT][tT][pP][sS]?:", value) and re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", value):
        raise ValidationError(_("Only http:// and https:// links are allowed."))
    if not re.fullmatch(HTTP_URL, value):
        raise ValidationError(_("Not a valid link."))
    try:
        urlsplit(value)
    except ValueError as exc:  # HTTP_URL keeps out what urlsplit refuses; should it ever differ: a 422
        raise ValidationError(_("Not a valid link.")) from exc
    return value


class HttpUrl(fields.String):
    """A link; with ``allow_empty``, a blank string is no link ("")."""

    def __init__(self, *, allow_empty: bool = False, **kwargs):
        self.allow_empty = allow_empty
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if self.allow_empty and not value.strip():
            return ""
        return check_http_url(value)


class Flag(fields.Boolean):
    """true or false, nothing else (marshmallow's Boolean also takes 1, "yes", "on"…); HTML forms
    turn their checkbox into one before loading."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


#: RFC 5321 4.5.3.1.1; email-validator checks it only in its strict mode
MAX_LOCAL_PART_OCTETS = 64


def email_problem(value: str) -> str:
    """Why email-validator refused this address, in the user's language: which part is wrong."""
    local, at, domain = value.rpartition("@")
    if not at:
        return _("An email address needs an @ (like name@example.com).")
    if not local:
        return _("Write the name before the @.")
    if not domain:
        return _("Write the domain after the @ (like example.com).")
    try:
        validate_email("name@" + domain, check_deliverability=False)
    except EmailNotValidError:
        return _("The part after the @ is not a domain mail can go to (like example.com).")
    return _("The part before the @ has characters or dots that email does not allow.")


def normalise_email(value: str) -> str:
    """Validate an address's syntax (no DNS look-up) and return it normalised.

    An international domain is kept as typed (messages carry its IDNA form); a non-ASCII local
    part is kept too (a mail app can write to it), and composing a message to it is refused."""
    check_text(value, max_length=254, allow_empty=False)
    if header_text_problem(value) == "encoded_word":  # "=?…?=" is valid in a local part
        raise ValidationError(_("Text in the form “=?…?=” is read as encoded text in email, so it is not "
                                "allowed here."))
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:  # its reason is English prose: say ours instead
        raise ValidationError([_("Not a valid email address."), email_problem(value)]) from exc
    if len(result.local_part.encode("utf-8")) > MAX_LOCAL_PART_OCTETS:
        raise ValidationError(_("The part before the @ is too long: at most 64 characters (fewer for "
                                "non-Latin letters)."))
    return result.normalized.lower() if result.ascii_email else result.normalized


class Email(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value.strip() == "" and self.allow_none:
            return None
        return normalise_email(value.strip())


class Color(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value == "":
            return None
        if not HEX_COLOR.fullmatch(value):
            raise ValidationError(_("Use a colour like #1e6b52."))
        return value.lower()


#: the largest row id; integer columns are 32-bit on PostgreSQL, and SQLite overflows past 2**63
MAX_ID = 2**31 - 1


class Id(fields.Integer):
    """A row id from a client: a positive 32-bit integer (anything else is a 422, never a 500)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("strict", True)
        super().__init__(**kwargs)
        self.validators.append(Range(min=1, max=MAX_ID))


def _id_converter():
    from werkzeug.exceptions import NotFound
    from werkzeug.routing import IntegerConverter
    from werkzeug.routing import ValidationError as RoutingValidationError

    class IdConverter(IntegerConverter):
        """`<int:…>` in every route: ids from 1 to MAX_ID. Any other number names nothing, so it is
        a 404 whatever the method (merely not matching would let werkzeug answer 405 when another
        rule on the same path takes other methods)."""

        def __init__(self, map, *args, **kwargs):
            kwargs.setdefault("min", 1)
            kwargs.setdefault("max", MAX_ID)
            super().__init__(map, *args, **kwargs)

        def to_python(self, value):
            try:
                return super().to_python(value)
            except RoutingValidationError:
                raise NotFound() from None

    return IdConverter


IdConverter = _id_converter()


def id_param_schema(converter) -> dict:
    return {"type": "integer", "minimum": converter.min, "maximum": converter.max}
