"""Read the text of a scanned QR code: an Ichigo card URL, any http(s) link, a vCard or a MECARD.

Pure: takes the payload and returns what the capture form can be filled with. Nothing is fetched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import vobject
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from webapp.validation import check_header_text, check_http_url, check_text, normalise_email

#: the most a QR code can hold (version 40, byte mode, level L); anything longer did not come from one
MAX_PAYLOAD_BYTES = 2953
CARD_PATH = re.compile(r"^/c/([a-z0-9]{10,32})/?$")
LIMITS = {"name": 100, "name_reading": 100, "phone": 40, "company": 100, "title": 100}


class ScanError(ValueError):
    """The payload is not something Ichigo can read; the message says why."""


@dataclass
class ScanResult:
    kind: str  # ichigo_card, url, vcard or mecard
    capture: dict = field(default_factory=dict)
    slug: str | None = None
    warnings: list[str] = field(default_factory=list)


def read_payload(payload: str, *, own_origin: str) -> ScanResult:
    if not isinstance(payload, str) or not payload.strip():
        raise ScanError(_l("The code is empty."))
    if len(payload.encode("utf-8", "surrogatepass")) > MAX_PAYLOAD_BYTES:
        raise ScanError(_l("This is longer than any QR code can hold."))
    if "\x00" in payload:
        raise ScanError(_l("The code holds binary data, not a card or a link."))
    text = payload.strip()
    head = text[:12].upper()
    if head.startswith("BEGIN:VCARD"):
        return _vcard(text)
    if head.startswith("MECARD:"):
        return _mecard(text)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", text):
        return _url(text, own_origin)
    raise ScanError(_l("This code is neither a card nor a link."))


def _url(text: str, own_origin: str) -> ScanResult:
    try:
        url = check_http_url(text)
    except ValidationError as exc:
        raise ScanError(_l("Only http:// and https:// links can be stored.")) from exc
    parts, own = urlsplit(url), urlsplit(own_origin)
    match = CARD_PATH.match(parts.path)
    if match and parts.netloc.lower() == own.netloc.lower():
        return ScanResult("ichigo_card", {"card_url": f"{own_origin.rstrip('/')}/c/{match.group(1)}"},
                          slug=match.group(1))
    return ScanResult("url", {"card_url": url})


def _clean(result: ScanResult, key: str, value) -> None:
    """Keep a field only when it passes the same checks a typed capture does."""
    if not value:
        return
    value = str(value).strip()
    try:
        if key == "email":
            result.capture[key] = normalise_email(value)
        elif key == "card_url":
            result.capture[key] = check_http_url(value)
        elif key == "name":  # it becomes a display name in mail headers
            result.capture[key] = check_header_text(value, max_length=LIMITS[key])
        else:
            result.capture[key] = check_text(value, max_length=LIMITS[key])
    except ValidationError:
        result.warnings.append(_l("%(field)s was left out: it is not valid.", field=key))


def _vcard(text: str) -> ScanResult:
    if len(re.findall(r"(?im)^BEGIN:VCARD\s*$", text)) > 1:
        raise ScanError(_l("This code holds several cards; scan one person at a time."))
    try:
        card = vobject.readOne(text, validate=False)
    except Exception as exc:  # vobject raises many kinds on broken input
        raise ScanError(_l("This vCard is broken and could not be read.")) from exc
    if card.name.upper() != "VCARD":
        raise ScanError(_l("This vCard is broken and could not be read."))
    contents = card.contents
    result = ScanResult("vcard")

    def first(key):
        items = contents.get(key)
        return items[0].value if items else None

    name = first("fn")
    n = first("n")
    if not name and n is not None:
        name = " ".join(p for p in (n.given, n.family) if p)
    _clean(result, "name", name)
    reading = " ".join(filter(None, [first("x-phonetic-last-name"), first("x-phonetic-first-name")]))
    _clean(result, "name_reading", reading or first("sort-string"))
    _clean(result, "email", first("email"))
    _clean(result, "phone", first("tel"))
    org = first("org")
    _clean(result, "company", " ".join(org) if isinstance(org, list) else org)
    _clean(result, "title", first("title"))
    for url in contents.get("url", []):
        if re.match(r"(?i)^https?://", str(url.value).strip()):
            _clean(result, "card_url", url.value)
            break
    if "name" not in result.capture:
        raise ScanError(_l("This vCard has no name."))
    return result


def _mecard_fields(body: str) -> list[tuple[str, str]]:
    """Split MECARD's KEY:value; pairs, honouring backslash escapes."""
    pairs, key, buf, i = [], None, [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            buf.append(body[i + 1])
            i += 2
            continue
        if ch == ":" and key is None:
            key, buf = "".join(buf).strip().upper(), []
        elif ch == ";":
            if key:
                pairs.append((key, "".join(buf)))
            key, buf = None, []
        else:
            buf.append(ch)
        i += 1
    if key:
        pairs.append((key, "".join(buf)))
    return pairs


def _mecard(text: str) -> ScanResult:
    if text.upper().count("MECARD:") > 1:
        raise ScanError(_l("This code holds several cards; scan one person at a time."))
    pairs = _mecard_fields(text[len("MECARD:"):])
    if not pairs:
        raise ScanError(_l("This MECARD is broken and could not be read."))
    data: dict[str, str] = {}
    for key, value in pairs:
        data.setdefault(key, value)
    result = ScanResult("mecard")

    def join_name(value):
        """MECARD writes family,given: keep that order for CJK names, Western names go given first."""
        parts = [p.strip() for p in (value or "").split(",") if p.strip()]
        if len(parts) == 2 and not any(ord(ch) >= 0x2E80 for ch in "".join(parts)):
            parts.reverse()
        return " ".join(parts)

    _clean(result, "name", join_name(data.get("N")))
    _clean(result, "name_reading", join_name(data.get("SOUND")))
    _clean(result, "email", data.get("EMAIL"))
    _clean(result, "phone", data.get("TEL"))
    _clean(result, "company", data.get("ORG"))
    url = data.get("URL")
    if url and re.match(r"(?i)^https?://", url.strip()):
        _clean(result, "card_url", url)
    if "name" not in result.capture:
        raise ScanError(_l("This MECARD has no name."))
    return result
