"""User accounts and their API tokens."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import TimestampMixin, UTCDateTime
from webapp.extensions import db


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: login address, stored normalised (lower-cased domain and local part); never shown publicly
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str | None] = mapped_column(String(5), default=None)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tokyo")
    #: the user agreed (in Settings) that replies to their follow-ups may go to the login email,
    #: which is then the Reply-To when the profile has no public email; otherwise it never is
    is_login_email_reply_to: Mapped[bool] = mapped_column(default=False, server_default=false())

    tokens: Mapped[list["ApiToken"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )


class ApiToken(TimestampMixin, db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    #: SHA-256 of the token; the token itself is shown once, at creation
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the first characters of the token, so a user can tell tokens apart in a list
    prefix: Mapped[str] = mapped_column(String(16))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    user: Mapped[User] = relationship(back_populates="tokens")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
