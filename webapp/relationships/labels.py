"""Words for tiers, channels, touches and reminders, in the language of the page or the email."""
from __future__ import annotations

from flask_babel import gettext as _


def tier_labels() -> dict[str, str]:
    return {"grow": _("Grow"), "maintain": _("Maintain"), "let_go": _("Let go"), "unsorted": _("Unsorted")}


def channel_labels() -> dict[str, str]:
    return {"touch": _("a light touch"), "email": _("an email or article"), "meet": _("meeting in person")}


def kind_labels() -> dict[str, str]:
    """One-tap touches (Interaction.kind)."""
    return {"email": _("Email"), "article": _("Article shared"), "message": _("Message"), "like": _("Like"),
            "comment": _("Comment"), "call": _("Call"), "meeting": _("Met in person")}


def reminder_label(item) -> str:
    """What a reminder asks for, without any private text (safe for the feed and the digest)."""
    if item.kind == "touch":
        return _("Time for %(what)s", what=channel_labels().get(item.channel, item.channel))
    if item.kind == "promise":
        return _("A promise is due")
    if item.kind == "review":
        return _("Review their tier (a year since the last review)")
    return _("Sort into a tier (unsorted for over a week)")
