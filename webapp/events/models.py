"""An event the user attends; at most one is active (captures default to it)."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db import TimestampMixin, UTCDateTime
from webapp.extensions import db

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_event_code() -> str:
    """A short code for card links, /c/<slug>?e=<code>."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


class Event(TimestampMixin, db.Model):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("owner_id", "code"),
        # one active event per user, enforced by the database on SQLite and PostgreSQL alike
        Index("uq_events_one_active", "owner_id", unique=True,
              sqlite_where=text("is_active"), postgresql_where=text("is_active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    place: Mapped[str] = mapped_column(String(200), default="")
    community: Mapped[str] = mapped_column(String(100), default="")
    #: my "why I'm here" for this event; the card shows it when opened with ?e=<code>
    why_here: Mapped[str] = mapped_column(Text, default="")
    #: what I want from it, e.g. "three real conversations"
    goal: Mapped[str] = mapped_column(String(200), default="")
    code: Mapped[str] = mapped_column(String(16), default=new_event_code)
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
