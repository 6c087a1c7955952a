"""Contacts, their encounters (one per meeting), promises and interactions (touches)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import TimestampMixin, UTCDateTime, utcnow
from webapp.extensions import db

TIERS = ("unsorted", "grow", "maintain", "let_go")
#: the languages a contact can be written to in (the follow-up templates' languages)
LANGUAGES = ("ja", "en")
SOURCES = ("scan", "share_back", "manual", "import")


class Contact(TimestampMixin, db.Model):
    __tablename__ = "contacts"
    __table_args__ = (
        # one contact per address and per scanned card, per owner (concurrent captures included)
        Index("uq_contacts_owner_email", "owner_id", "email", unique=True,
              sqlite_where=text("email <> ''"), postgresql_where=text("email <> ''")),
        Index("uq_contacts_owner_card_url", "owner_id", "card_url_key", unique=True,
              sqlite_where=text("card_url_key <> ''"), postgresql_where=text("card_url_key <> ''")),
        # the contact list, latest met first; tier and search key ride along so a search that matches
        # few people filters the index alone instead of reading every row (contacts.services.list_contacts)
        Index("ix_contacts_owner_list", "owner_id", "last_met_at", "id", "tier", "search_key"),
        # the possible-duplicate look-up of every capture: the first contact with this name or reading;
        # with the id in the index that is one descent in any plan, however many share the name
        Index("ix_contacts_owner_name", "owner_id", "name_key", "id"),
        Index("ix_contacts_owner_reading", "owner_id", "reading_key", "id"),
        # keeping in touch (webapp/relationships/due.py): each tier's rhythms, by the last touch of each
        # channel (covering, so the due list never reads the rows); the yearly review; the unsorted
        Index("ix_contacts_owner_tier_touches", "owner_id", "tier", "last_met_at", "last_touch_at",
              "last_email_at", "last_meet_at"),
        Index("ix_contacts_owner_reviewed", "owner_id", "tier_reviewed_at", "tier"),
        Index("ix_contacts_owner_tier_created", "owner_id", "tier", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    name_reading: Mapped[str] = mapped_column(String(100), default="")
    #: the reading was guessed from the name's kanji (contacts.readings), not typed: shown as "check it"
    is_reading_guessed: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: normalised address ('' when unknown); matches a later capture to this person
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    company: Mapped[str] = mapped_column(String(100), default="")
    title: Mapped[str] = mapped_column(String(100), default="")
    #: their card or profile link, http(s) only
    card_url: Mapped[str] = mapped_column(String(500), default="")
    #: card_url normalised for matching
    card_url_key: Mapped[str] = mapped_column(String(500), default="")
    #: private notes about the person (never public)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: private: unsorted, grow, maintain or let_go
    tier: Mapped[str] = mapped_column(String(16), default="unsorted")
    tier_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: ja or en: the language their follow-ups are drafted in; guessed at capture
    #: (contacts.language.guess_language), changed by the user
    language: Mapped[str] = mapped_column(String(2), default="ja", server_default="ja")
    #: folded name, reading and company (normalize.search_key) for kana/width-insensitive search
    search_key: Mapped[str] = mapped_column(String(400), default="")
    #: folded name and reading, for the "possible duplicate" check
    name_key: Mapped[str] = mapped_column(String(200), default="")
    reading_key: Mapped[str] = mapped_column(String(200), default="")
    #: set when a capture only resembles an existing contact (same name or reading)
    possible_duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), default=None)
    last_met_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: the latest logged touch of each cadence channel (relationships.cadence.CHANNELS): a light
    #: touch, an email or article, a meeting in person; kept by contacts.touches.record_touch
    last_touch_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_email_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_meet_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    encounters: Mapped[list["Encounter"]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Encounter.met_at")
    promises: Mapped[list["Promise"]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Promise.id")


class Encounter(db.Model):
    __tablename__ = "encounters"
    __table_args__ = (
        UniqueConstraint("owner_id", "client_id"),
        # "met at this event?" for one contact is a single probe (the contact list's event filter)
        Index("ix_encounters_event_contact", "event_id", "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="SET NULL"), default=None)
    met_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: scan, share_back, manual or import
    source: Mapped[str] = mapped_column(String(16), default="manual")
    conversation: Mapped[str] = mapped_column(Text, default="")
    #: private: their need or challenge
    needs: Mapped[str] = mapped_column(Text, default="")
    memorable: Mapped[str] = mapped_column(Text, default="")
    #: the capturing device's UUID for this capture; a replay finds this row instead of a new one
    client_id: Mapped[str | None] = mapped_column(String(36), default=None)
    #: SHA-256 of the capture as sent, to tell a replay (same body) from a clash (other body)
    payload_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    contact: Mapped[Contact] = relationship(back_populates="encounters")


class Promise(TimestampMixin, db.Model):
    __tablename__ = "promises"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    encounter_id: Mapped[int | None] = mapped_column(
        ForeignKey("encounters.id", ondelete="SET NULL"), default=None)
    text: Mapped[str] = mapped_column(String(280))
    due_on: Mapped[date | None] = mapped_column(Date, default=None)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    contact: Mapped[Contact] = relationship(back_populates="promises")

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Interaction(db.Model):
    __tablename__ = "interactions"
    __table_args__ = (Index("ix_interactions_contact_kind", "contact_id", "kind", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    #: email, message, meeting, call, like, comment, article
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    follow_up_id: Mapped[int | None] = mapped_column(ForeignKey("follow_ups.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
