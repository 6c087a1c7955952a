"""Keeping in touch: cadence policies per tier, snoozed reminders, and the user's reminder settings."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db import TimestampMixin, UTCDateTime, utcnow
from webapp.extensions import db

DIGESTS = ("off", "daily", "weekly")
SNOOZABLE = ("touch", "review", "sort")


class CadencePolicy(TimestampMixin, db.Model):
    """The user's own rhythms for one tier; without a row the tier keeps the built-in defaults."""

    __tablename__ = "cadence_policies"
    __table_args__ = (UniqueConstraint("owner_id", "tier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: grow, maintain, let_go or unsorted
    tier: Mapped[str] = mapped_column(String(16))
    #: [{"channel": "touch"|"email"|"meet", "every_days": int, "within_days": int|null}], one per channel
    rhythms: Mapped[list] = mapped_column(JSON, default=list)


class ReminderSnooze(db.Model):
    """A reminder put off until a moment: a rhythm of one contact, its review, or its sorting."""

    __tablename__ = "reminder_snoozes"
    # not unique: a merge moves a contact's snoozes onto another that may have its own; any row
    # still running hides the reminder
    __table_args__ = (Index("ix_reminder_snoozes_contact_kind", "contact_id", "kind", "channel", "until_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    #: touch, review or sort
    kind: Mapped[str] = mapped_column(String(16))
    #: the rhythm's channel for a touch; '' otherwise
    channel: Mapped[str] = mapped_column(String(16), default="")
    until_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReminderSettings(TimestampMixin, db.Model):
    """Per user: the grow cap, the opt-in digest, and the secret calendar feed."""

    __tablename__ = "reminder_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: the yearly review warns when "grow" holds more people than this
    grow_cap: Mapped[int] = mapped_column(Integer, default=15)
    #: off, daily or weekly
    digest: Mapped[str] = mapped_column(String(8), default="off")
    #: the last period a digest was queued for ("2025-06-01" daily, "2025-W23" weekly)
    digest_period: Mapped[str] = mapped_column(String(16), default="")
    #: SHA-256 of the calendar feed's secret (the URL is shown once); None: no feed
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    feed_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
