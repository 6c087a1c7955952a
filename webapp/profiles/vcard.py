"""vCard 3.0 for a public card: built with vobject, folded by octets, CRLF line ends."""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

import vobject

LINE_OCTETS = 75
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\uff66-\uff9f]")
#: U+3000 (ideographic space) separates names as well as an ASCII space does
SPACES = re.compile(r"[\s\u3000]+")

DEFAULT_LABELS = {
    "current_work": "Current work",
    "why_here": "Why I'm here",
    "next_challenge": "What I'll take on next",
    "offers": "I can offer",
    "asks": "I'm looking for",
}


def is_cjk(text: str) -> bool:
    return bool(CJK.search(text or ""))


def split_name(name: str, *, family_first: bool | None = None) -> tuple[str, str, str]:
    """(family, given, additional) from a display name.

    CJK names put the family name first ("山田 太郎"); Western names last ("Jane Doe").
    A single word is the family name of a CJK name and the given name of a Western one.
    """
    parts = [p for p in SPACES.split((name or "").strip()) if p]
    if family_first is None:
        family_first = is_cjk(name)
    if not parts:
        return "", "", ""
    if len(parts) == 1:
        return (parts[0], "", "") if family_first else ("", parts[0], "")
    if family_first:
        return parts[0], " ".join(parts[1:]), ""
    return parts[-1], parts[0], " ".join(parts[1:-1])


def fold_line(line: str, limit: int = LINE_OCTETS) -> list[str]:
    """Fold one logical line into physical lines of at most ``limit`` octets (RFC 2425 §5.8.1),
    never splitting a UTF-8 sequence; continuation lines start with one space."""
    out: list[str] = []
    current: list[str] = []
    used = 0
    for char in line:
        size = len(char.encode("utf-8"))
        if used + size > limit:
            out.append("".join(current))
            current, used = [" "], 1
        current.append(char)
        used += size
    out.append("".join(current))
    return out


def refold(text: str) -> str:
    """Unfold vobject's output and fold it again by octets (vobject counts characters for
    lines shorter than 75 characters, so a line of Japanese can run to 200+ octets)."""
    logical = re.sub(r"\r\n[ \t]", "", text.replace("\r\n", "\n").replace("\n", "\r\n"))
    lines = [physical for line in logical.split("\r\n") if line for physical in fold_line(line)]
    return "\r\n".join(lines) + "\r\n"


def note_text(card: dict, labels: dict | None = None) -> str:
    labels = {**DEFAULT_LABELS, **(labels or {})}
    lines = [card.get("keyword") or ""]
    for key in ("current_work", "why_here", "next_challenge", "offers", "asks"):
        if card.get(key):
            lines.append(f"{labels[key]}: {card[key]}")
    return "\n".join(line for line in lines if line)


def build_vcard(card: dict, card_url: str, *, labels: dict | None = None) -> str:
    """A vCard 3.0 text for a public card dict (only public fields are read)."""
    name = card.get("name") or ""
    family_first = is_cjk(name)
    family, given, additional = split_name(name, family_first=family_first)
    v = vobject.vCard()
    v.add("n").value = vobject.vcard.Name(family=family, given=given, additional=additional)
    v.add("fn").value = name
    reading = card.get("name_reading") or ""
    if reading:
        r_family, r_given, r_additional = split_name(reading, family_first=family_first)
        if r_given or r_additional:
            v.add("x-phonetic-first-name").value = " ".join(p for p in (r_given, r_additional) if p)
        if r_family:
            v.add("x-phonetic-last-name").value = r_family
        v.add("sort-string").value = reading
    if card.get("company"):
        v.add("org").value = [card["company"]]
    if card.get("title"):
        v.add("title").value = card["title"]
    if card.get("public_email"):
        email = v.add("email")
        email.value = card["public_email"]
        email.type_param = "INTERNET"
    if card.get("public_phone"):
        v.add("tel").value = card["public_phone"]
    v.add("url").value = card_url
    for link in card.get("links") or []:
        v.add("url").value = link
    note = note_text(card, labels)
    if note:
        v.add("note").value = note
    return refold(v.serialize())


def ascii_filename(name: str, fallback: str = "contact") -> str:
    """An ASCII-only stand-in for clients that ignore filename*."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._")
    return (text or fallback)[:60]


def content_disposition(name: str, fallback: str = "contact") -> str:
    """`attachment` with an ASCII filename and an RFC 5987 UTF-8 filename* for any name."""
    base = (name or "").strip() or fallback
    base = re.sub(r'[\x00-\x1f\x7f"\\/]+', " ", base).strip() or fallback
    simple = ascii_filename(base, fallback) + ".vcf"
    encoded = quote(base + ".vcf", safe="")
    return f"attachment; filename=\"{simple}\"; filename*=UTF-8''{encoded}"
