"""How notes become words in a draft (pure): topics quoted as topics, promises joined, lines left
for the user to write (`[[ … ]]`), the one personal line suggested, and the text that came from notes."""
from __future__ import annotations

import re

#: the longest note that still reads as a topic ("offline-first tutoring apps"); a longer one is a
#: sentence or a paragraph, and the draft asks the user to write that line instead
TOPIC_MAX = 60
#: how many open promises a draft names (the oldest first: they have waited longest)
PROMISES_SHOWN = 3
#: a line the draft leaves for the user to write; a follow-up is never sent with one in it (whatever
#: is inside, across lines too: a `]` in a promise must not hide one)
FILL_IN = re.compile(r"\[\[\s*[^\s\]].*?\]\]", re.S)

_SENTENCE_INSIDE = re.compile(r"[。．！？!?]|\.(?:\s|$)")
_QUOTED = re.compile(r"^(?:「(.+)」|『(.+)』|“(.+)”|\"(.+)\"|'(.+)')$")
_JA_TAIL = re.compile(r"(?:について(?:の(?:お)?話)?|の(?:お)?話|の件)$")
_EN_HEAD = re.compile(r"^(?:(?:we\s+)?(?:talked|spoke|chatted)\s+about|(?:we\s+)?discussed|about)\s+", re.I)
QUOTES = {"ja": ("「", "」"), "en": ("“", "”")}
SEPARATORS = {"ja": "、", "en": "; "}


def as_topic(note: str, language: str) -> str:
    """A short one-line note as a quoted topic (「教育AI」, “offline apps”); '' when the note is
    empty, several lines, a sentence or longer than a topic."""
    text = note.strip()
    if not text or "\n" in text:
        return ""
    quoted = _QUOTED.match(text)
    if quoted:
        text = next(part for part in quoted.groups() if part).strip()
    else:
        text = _EN_HEAD.sub("", _JA_TAIL.sub("", text.rstrip("。．.!！")).strip()).strip()
    if not text or len(text) > TOPIC_MAX or _SENTENCE_INSIDE.search(text):
        return ""
    opening, closing = QUOTES.get(language, QUOTES["en"])
    return f"{opening}{text}{closing}"


def join_promises(texts: list[str], language: str) -> str:
    """The open promises as one phrase, in the language's way of listing."""
    return SEPARATORS.get(language, SEPARATORS["en"]).join(text.strip() for text in texts[:PROMISES_SHOWN] if text.strip())


def fill_ins(text: str) -> list[str]:
    """The `[[ … ]]` lines still to write in a subject or body."""
    return FILL_IN.findall(text)


#: the personal line suggested on the review page; it never quotes the private need, only refers to it
SUGGESTIONS = {
    "ja": {
        "need": "お話しされていた課題について、私にお手伝いできることがあれば、いつでもお声がけください。",
        "topic": "{topic}について、参考になりそうなものを見つけたらお送りしますね。",
        "other": "次にお会いしたときには、最近取り組まれていることもぜひ聞かせてください。",
    },
    "en": {
        "need": "If there is anything I can do to help with the challenge you mentioned, just let me know.",
        "topic": "If I come across anything useful on {topic}, I will send it your way.",
        "other": "Next time, I would love to hear what you are working on.",
    },
}


def suggest_line(language: str, *, has_need: bool, topic: str) -> str:
    """One personal line for the draft, in the contact's language: an offer of help when they told
    you of a need, else an offer to share on what you talked about, else a question about their work."""
    texts = SUGGESTIONS.get(language, SUGGESTIONS["en"])
    if has_need:
        return texts["need"]
    if topic:
        return texts["topic"].format(topic=topic)
    return texts["other"]


def mark_notes(body: str, snippets: list[str]) -> list[list[tuple[str, bool]]]:
    """The body line by line, each a list of (text, came from the notes) pieces; snippets shorter
    than two characters are not looked for."""
    wanted = sorted({s.strip() for s in snippets if len(s.strip()) >= 2}, key=len, reverse=True)
    lines = []
    for line in body.split("\n"):
        marked = [False] * len(line)
        for snippet in wanted:
            start = line.find(snippet)
            while start != -1:
                marked[start:start + len(snippet)] = [True] * len(snippet)
                start = line.find(snippet, start + len(snippet))
        pieces: list[tuple[str, bool]] = []
        for ch, flag in zip(line, marked):
            if pieces and pieces[-1][1] == flag:
                pieces[-1] = (pieces[-1][0] + ch, flag)
            else:
                pieces.append((ch, flag))
        lines.append(pieces or [("", False)])
    return lines


def insert_line(body: str, line: str) -> str:
    """The body with a line of its own added as a paragraph after the opening ones (the greeting
    and the first lines), before the closing ones; at the end of a short body."""
    paragraphs = body.rstrip("\n").split("\n\n")
    at = 2 if len(paragraphs) >= 3 else len(paragraphs)
    return "\n\n".join(paragraphs[:at] + [line.strip()] + paragraphs[at:]) + "\n"
