"""The brand profile: one per user, the source of the public card."""
from __future__ import annotations

import secrets

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.db import TimestampMixin
from webapp.extensions import db

SLUG_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789"  # no l/1/0 to misread when spoken


def new_slug() -> str:
    """A random, unguessable card slug: 14 characters, about 70 bits."""
    return "".join(secrets.choice(SLUG_ALPHABET) for _ in range(14))


class Profile(TimestampMixin, db.Model):
    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: public, random and unguessable; the card lives at /c/<slug>
    slug: Mapped[str] = mapped_column(String(32), unique=True, default=new_slug)
    name: Mapped[str] = mapped_column(String(100), default="")
    #: furigana / phonetic reading of the name
    name_reading: Mapped[str] = mapped_column(String(100), default="")
    #: one-line brand keyword, the card's headline
    keyword: Mapped[str] = mapped_column(String(60), default="")
    current_work: Mapped[str] = mapped_column(Text, default="")
    #: default "why I am here"; an event can override it
    why_here: Mapped[str] = mapped_column(Text, default="")
    next_challenge: Mapped[str] = mapped_column(Text, default="")
    #: "#rrggbb"; the QR uses it only when it contrasts enough with white
    signature_color: Mapped[str | None] = mapped_column(String(7), default=None)
    #: the "that person" element: "always wears a blue scarf", an emoji
    signature_text: Mapped[str] = mapped_column(String(60), default="")
    offers: Mapped[str] = mapped_column(Text, default="")
    asks: Mapped[str] = mapped_column(Text, default="")
    #: list of http(s) URLs
    links: Mapped[list] = mapped_column(JSON, default=list)
    public_email: Mapped[str] = mapped_column(String(254), default="")
    public_phone: Mapped[str] = mapped_column(String(40), default="")
    company: Mapped[str] = mapped_column(String(100), default="")
    title: Mapped[str] = mapped_column(String(100), default="")

    user: Mapped[User] = relationship()

    @property
    def is_public(self) -> bool:
        """The card is public once name and keyword are set."""
        return bool(self.name and self.keyword)
