"""User accounts, their browser logins and their API tokens."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import TimestampMixin, UTCDateTime, utcnow
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

    def get_login_id(self) -> str:
        """flask-login's id for the browser login being started (`login_manager.id_attribute`):
        "<user_sessions.id>.<key>", set by webapp.auth.login.start_session just before login_user."""
        return self.__dict__["login_id"]


class UserSession(db.Model):
    """One browser login: its session cookie and its remember cookie carry this row's id and key,
    so deleting the row ends every copy of both at once."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the random key in the cookies; the key itself is never stored
    key_hash: Mapped[str] = mapped_column(String(64))
    #: "Keep me logged in" was ticked: a remember cookie exists and the login lives until expires_at
    is_remembered: Mapped[bool] = mapped_column(default=False)
    #: browser and system, e.g. "Safari, iOS", from a fixed list (webapp.auth.devices); "" if unknown
    device: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: noted at most every few minutes (webapp.auth.sessions.TOUCH_EVERY)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: refused once past (not at) this time, as Flask's signed cookie; a year after the login for a
    #: remembered one, else moved on with each use
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
