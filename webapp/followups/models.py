"""Follow-up emails (the outbox) and the user's templates."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db import TimestampMixin, UTCDateTime
from webapp.extensions import db

STATUSES = ("draft", "queued", "sending", "sent", "failed", "cancelled", "unknown")


class FollowUp(TimestampMixin, db.Model):
    __tablename__ = "follow_ups"
    __table_args__ = (
        # one follow-up per encounter: pressing "draft follow-ups" twice makes no second draft
        Index("uq_follow_ups_encounter", "encounter_id", unique=True,
              sqlite_where=text("encounter_id IS NOT NULL"), postgresql_where=text("encounter_id IS NOT NULL")),
        # the worker's claim: due rows by time
        Index("ix_follow_ups_due", "status", "send_after"),
        # a user's list by status, and the sending caps (worker._load_caps: the day's sent messages,
        # counted from the index alone; the rows hold the MIME and are costly to visit)
        Index("ix_follow_ups_owner_sent", "owner_id", "status", "sent_at", "is_sent_by_hand"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: None only for a digest, which goes to the user themself
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    encounter_id: Mapped[int | None] = mapped_column(ForeignKey("encounters.id", ondelete="SET NULL"), default=None)
    #: followup (to a contact, reviewed by the user) or digest (the user's own reminder email)
    purpose: Mapped[str] = mapped_column(String(16), default="followup", server_default="followup")
    to: Mapped[str] = mapped_column("to_addr", String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    #: draft → queued → sending → sent | failed | cancelled | unknown ("may have been sent")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    send_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: the mail server's reply (or the connection error) of the last attempt, shown to the user
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: fixed when queued and reused on every retry, so a resent copy is recognisable
    message_id: Mapped[str] = mapped_column(String(255), default="")
    #: the message as bytes, composed once when queued
    mime: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    #: the worker holding the row while status is sending, and until when
    lease_owner: Mapped[str] = mapped_column(String(64), default="")
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: fencing token: bumped on every claim; a write carrying an older value changes nothing
    fence: Mapped[int] = mapped_column(Integer, default=0)
    #: set just before the message data goes to the server; after a crash it means "may have been sent"
    data_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: "send from my own mail app": the user sent it and marked it so
    is_sent_by_hand: Mapped[bool] = mapped_column(default=False)
    #: the user changed the subject or body since it was drafted (an untouched draft says so on review)
    is_edited: Mapped[bool] = mapped_column(default=False, server_default=false())


class MessageTemplate(TimestampMixin, db.Model):
    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("owner_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)

