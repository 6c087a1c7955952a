"""Account rules: sign-up, password check and change, API tokens (stored hashed, listable, revocable)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from blinker import Namespace
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from webapp.auth.models import ApiToken, User
from webapp.auth.sessions import MAX_ID, end_user_sessions
from webapp.db import utcnow
from webapp.db_setup import unit_of_work
from webapp.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from webapp.extensions import db

TOKEN_PREFIX = "ich_"
_HASHERS: dict[bool, tuple[PasswordHasher, str]] = {}
#: sent inside the sign-up transaction with the new, flushed user; webapp.profiles subscribes
user_created = Namespace().signal("user-created")


def _hasher() -> tuple[PasswordHasher, str]:
    """argon2id with the library's RFC 9106 defaults; tests set PASSWORD_HASH_FAST for speed.

    Returns the hasher and a hash to verify against when the email is unknown, so the time
    taken does not reveal which accounts exist.
    """
    fast = bool(current_app.config.get("PASSWORD_HASH_FAST"))
    if fast not in _HASHERS:
        hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else PasswordHasher()
        _HASHERS[fast] = (hasher, hasher.hash("not-a-real-password"))
    return _HASHERS[fast]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


@unit_of_work(retries=1)  # two sign-ups with one address at once: the second finds the first
def create_user(email: str, password: str, name: str, *, locale: str | None = None,
                timezone: str | None = None) -> User:
    """Create an account and its (empty, private) profile; 409 when the email is taken."""
    if find_user_by_email(email) is not None:
        raise Conflict(_l("An account with this email already exists."), code="email_taken",
                       fields={"email": [_l("An account with this email already exists.")]})
    user = User(email=email, password_hash=_hasher()[0].hash(password), name=name, locale=locale,
                timezone=timezone or ("Asia/Tokyo" if locale != "en" else "UTC"))
    db.session.add(user)
    db.session.flush()
    user_created.send(user)  # the profile package gives the new user its profile, in this transaction
    return user


def authenticate(email: str, password: str) -> User:
    """Return the user whose password matches, else raise Unauthorized (same message either way)."""
    user = find_user_by_email(email)
    hasher, dummy = _hasher()
    try:
        hasher.verify(user.password_hash if user else dummy, password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None:
        raise Unauthorized(_l("Email or password is not right."), code="invalid_credentials")
    if hasher.check_needs_rehash(user.password_hash):
        _rehash(user.id, hasher.hash(password))
    return user


@unit_of_work
def _rehash(user_id: int, password_hash: str) -> None:
    """Store a hash made with today's parameters (the password was just verified)."""
    db.session.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))


@unit_of_work
def change_password(user: User, current_password: str, new_password: str, *,
                    keep_session: int | None = None) -> tuple[int, int]:
    """Set a new password once the current one is given; every other browser login of the account
    ends and its API tokens are revoked. Returns (logins ended, tokens revoked)."""
    hasher, _dummy = _hasher()
    try:
        hasher.verify(user.password_hash, current_password)
    except (VerificationError, InvalidHashError):
        message = _l("Your current password is not right.")
        raise ValidationFailed(message, code="wrong_password",
                               fields={"current_password": [message]}) from None
    user.password_hash = hasher.hash(new_password)
    ended = end_user_sessions(user, keep=keep_session)
    revoked = db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())).rowcount
    return ended, revoked


@unit_of_work
def create_token(user: User, name: str = "") -> tuple[str, ApiToken]:
    """Make a Bearer token; the plain token is returned once and only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=hash_token(token), prefix=token[:12])
    db.session.add(row)
    return token, row


def list_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id)
    ))


@unit_of_work
def revoke_token(user: User, token_id: int) -> None:
    """Revoke one of the user's tokens; another user's token is not found."""
    row = db.session.get(ApiToken, token_id) if 0 < token_id <= MAX_ID else None
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise NotFound(_l("No such token."))
    row.revoked_at = utcnow()


def find_user_by_token(token: str, *, now: datetime | None = None) -> User | None:
    """The user a live token belongs to, or None; notes the use at most once an hour.

    One query reads the token and its user. The note is a unit of work of its own, begun as a
    writer: on SQLite a read transaction that turns into a write fails at once when another request
    wrote meanwhile, so two first uses of a token at the same moment were a 500.
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    found = db.session.execute(
        select(User, ApiToken.id, ApiToken.last_used_at).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))).first()
    if found is None:
        return None
    user, token_id, last_used_at = found
    now = now or utcnow()
    if last_used_at is None or now - last_used_at > timedelta(hours=1):
        _note_use(token_id, now)
    return user


@unit_of_work
def _note_use(token_id: int, now: datetime) -> None:
    db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


@unit_of_work
def update_settings(user: User, data: dict) -> User:
    """Change the account's interface language, time zone or where replies may go (the name is the
    profile's: profiles.services.update_profile)."""
    for key in ("locale", "timezone", "is_login_email_reply_to"):
        if key in data:
            setattr(user, key, data[key])
    return user
