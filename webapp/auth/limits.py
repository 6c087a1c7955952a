"""Log-in limits: one budget per address shared by log-in, sign-up and token creation, and one per
account for wrong passwords, which a browser that logged in to that account before does not share."""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from marshmallow import ValidationError

from webapp.extensions import limiter
from webapp.validation import normalise_email

#: the per-address budget's bucket, shared by /signup, /login, POST /api/v1/auth/signup and /tokens
ADDRESS_SCOPE = "auth"
#: the per-account budget's bucket, shared by /login and POST /api/v1/auth/tokens
ACCOUNT_SCOPE = "auth-account"
#: a browser that logged in to an account keeps this signed cookie (sent to /login only)
DEVICE_COOKIE = "ichigo_device"
DEVICE_MAX_AGE = 365 * 24 * 3600
ACCOUNT_LOCKED = _l("Too many wrong passwords for this account, so logging in to it is paused for a while.")


def address_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


def account_limit() -> str:
    return current_app.config["AUTH_ACCOUNT_LIMIT"]


def _failed(response) -> bool:
    """A log-in or token request that did not succeed; a successful log-in costs nothing."""
    return 400 <= response.status_code < 500 and response.status_code != 429


def _wrong_password(response) -> bool:
    return response.status_code == 401


def _account_key_for(email: str) -> str:
    """Names the account without putting its email into the limit storage (Redis) or a cookie."""
    secret = current_app.config["SECRET_KEY"].encode()
    return "account:" + hmac.new(secret, email.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]


def account_key() -> str:
    """The account this request tries to log in to, normalised as the log-in itself does; an
    unknown address counts the same as a real one (the lock reveals nothing). "" skips the limit
    when there is no valid email (that is a 422, counted per address)."""
    raw = request.form.get("email")
    if raw is None:
        body = request.get_json(silent=True)
        raw = body.get("email") if isinstance(body, dict) else None
    if not isinstance(raw, str):
        return ""
    try:
        return _account_key_for(normalise_email(raw.strip()))
    except ValidationError:
        return ""


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="ichigo-known-device")


def is_known_device() -> bool:
    """This browser logged in to the account it names before, so the account's lock is not for it."""
    cookie, key = request.cookies.get(DEVICE_COOKIE), account_key()
    if not cookie or not key:
        return False
    try:
        remembered = _devices().loads(cookie, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return False
    return isinstance(remembered, str) and hmac.compare_digest(remembered, key)


def remember_device(response, email: str) -> None:
    """After a successful log-in: this browser may log in to the account even while it is locked."""
    response.set_cookie(DEVICE_COOKIE, _devices().dumps(_account_key_for(email)), max_age=DEVICE_MAX_AGE,
                        path="/login", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                        httponly=True, samesite="Lax")


#: sign-up: every attempt spends the address's budget
attempt_budget = limiter.shared_limit(address_limit, ADDRESS_SCOPE, methods=["POST"])


def password_budget(view):
    """Log-in and token creation: failures spend the address's budget, wrong passwords the account's."""
    view = limiter.shared_limit(account_limit, ACCOUNT_SCOPE, key_func=account_key, methods=["POST"],
                                deduct_when=_wrong_password, exempt_when=is_known_device,
                                error_message=ACCOUNT_LOCKED)(view)
    return limiter.shared_limit(address_limit, ADDRESS_SCOPE, methods=["POST"], deduct_when=_failed)(view)
