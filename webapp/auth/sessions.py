"""Browser logins (user_sessions): start, recognise, list and end them; what logout rests on."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from webapp.auth.models import User, UserSession
from webapp.db import utcnow
from webapp.db_setup import unit_of_work
from webapp.errors import NotFound
from webapp.extensions import db

#: how stale last_seen_at may get before a request notes the use again (one write per period)
TOUCH_EVERY = timedelta(minutes=10)
#: the largest id an INTEGER column holds on every backend; a bigger one is no login
MAX_ID = 2**31 - 1


class Login(NamedTuple):
    """A browser login recognised from its cookie."""

    user: User
    session_id: int
    is_remembered: bool


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@unit_of_work
def create_user_session(user: User, *, remember: bool, device: str, lifetime: timedelta,
                        now: datetime | None = None) -> tuple[UserSession, str]:
    """Start a browser login; returns its row and the key its cookies carry (stored only hashed).

    The user's expired logins are dropped on the way, so the table holds about one row per device.
    """
    now = now or utcnow()
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                 UserSession.expires_at < now))
    key = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, key_hash=_hash(key), is_remembered=remember, device=device[:60],
                      created_at=now, last_seen_at=now, expires_at=now + lifetime)
    db.session.add(row)
    db.session.flush()
    return row, key


def parse_session_id(raw: str | None) -> int | None:
    """A login's id as a cookie or a form gives it: ASCII digits within the column's range, else None."""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 10 or int(raw) > MAX_ID:
        return None
    return int(raw)


def login_id(row: UserSession, key: str) -> str:
    """What flask-login keeps in the session cookie and signs into the remember cookie."""
    return f"{row.id}.{key}"


def find_login(login_id: str, *, session_lifetime: timedelta, now: datetime | None = None) -> Login | None:
    """The live login a cookie names, or None (unknown, ended, expired, or a wrong key).

    Notes the use at most every TOUCH_EVERY, in a write of its own begun as a writer (as
    services.find_user_by_token does); a login that is not remembered lives `session_lifetime`
    past its last use, a remembered one until the date fixed when it started.
    """
    raw_id, dot, key = (login_id or "").partition(".")
    session_id = parse_session_id(raw_id)
    if not dot or session_id is None or not key or len(key) > 100:
        return None  # also a cookie of the old kind, which named the user alone
    found = db.session.execute(
        select(User, UserSession.key_hash, UserSession.is_remembered, UserSession.last_seen_at,
               UserSession.expires_at)
        .join(UserSession, UserSession.user_id == User.id).where(UserSession.id == session_id)).first()
    if found is None:
        return None
    user, key_hash, is_remembered, last_seen_at, expires_at = found
    now = now or utcnow()
    if not hmac.compare_digest(key_hash, _hash(key)) or expires_at < now:
        return None
    if now - last_seen_at >= TOUCH_EVERY:
        values = {"last_seen_at": now}
        if not is_remembered:
            values["expires_at"] = max(expires_at, now + session_lifetime)
        _note_use(session_id, values)
    return Login(user, session_id, is_remembered)


@unit_of_work
def _note_use(session_id: int, values: dict) -> None:
    db.session.execute(update(UserSession).where(UserSession.id == session_id).values(**values))


def list_user_sessions(user: User, *, now: datetime | None = None) -> list[UserSession]:
    """The user's live browser logins, the most recently used first."""
    return list(db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.expires_at >= (now or utcnow()))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


@unit_of_work
def end_user_session(user: User, session_id: int) -> None:
    """End one of the user's logins: its session and remember cookies, and every copy, stop working."""
    ended = db.session.execute(
        delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)).rowcount
    if not ended:
        raise NotFound(_l("That login has already ended."), code="session_not_found")


@unit_of_work
def end_user_sessions(user: User, *, keep: int | None = None) -> int:
    """End all the user's logins (but `keep`, the caller's own, when given); returns how many ended."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        query = query.where(UserSession.id != keep)
    return db.session.execute(query).rowcount
