"""What the review page shows beside a draft, for the user's eyes only: the notes of every meeting,
the promises still open, one personal line suggested, the draft's lines that came from notes, and
the lines still to write."""
from __future__ import annotations

from dataclasses import dataclass, field

from webapp.auth.models import User
from webapp.followups import wording
from webapp.followups.history import Meeting, load_history
from webapp.followups.models import FollowUp


@dataclass
class ReviewNotes:
    #: the contact's language (the draft was written in it), and their id for the edit link
    language: str
    contact_id: int
    #: newest first
    meetings: list[Meeting] = field(default_factory=list)
    open_promises: list = field(default_factory=list)
    suggestion: str = ""
    #: the body's lines that hold text from the notes, each as (text, from the notes) pieces
    noted_lines: list[list[tuple[str, bool]]] = field(default_factory=list)
    #: the [[ … ]] lines still to write
    fill_ins: list[str] = field(default_factory=list)


def _snippets(meetings: list[Meeting], promises: list, language: str) -> list[str]:
    """The pieces of note text a draft may quote: each line of what was said (and its topic form),
    what was memorable, each open promise."""
    pieces = []
    for meeting in meetings:
        for text in (meeting.conversation, meeting.memorable):
            for line in text.split("\n"):
                pieces.append(line)
                topic = wording.as_topic(line, language)
                pieces.append(topic[1:-1] if topic else "")
    return pieces + [promise.text for promise in promises]


def find_review_notes(owner: User, followup: FollowUp) -> ReviewNotes | None:
    """The notes beside a follow-up to one of the owner's contacts; None for a contact gone."""
    if followup.contact_id is None:
        return None
    history = load_history(owner, followup.contact_id)
    if history is None:
        return None
    language = history.language
    meetings = history.meetings
    this = next((m for m in meetings if m.id == followup.encounter_id), meetings[-1] if meetings else None)
    topic = wording.as_topic(this.conversation, language) if this else ""
    lines = wording.mark_notes(followup.body, _snippets(meetings, history.open_promises, language))
    return ReviewNotes(
        language=language, contact_id=history.contact.id, meetings=list(reversed(meetings)),
        open_promises=history.open_promises,
        suggestion=wording.suggest_line(language, has_need=any(m.needs.strip() for m in meetings), topic=topic),
        noted_lines=[line for line in lines if any(marked for _text, marked in line)],
        fill_ins=wording.fill_ins(followup.subject) + wording.fill_ins(followup.body))
