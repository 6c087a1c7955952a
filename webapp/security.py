"""Security headers, the strict CSP (with per-response style hashes), CSRF, Bearer auth, and
the render stamps that tell a person filling in a public form from a bot."""
from __future__ import annotations

import base64
import hashlib
import secrets
import time
from enum import Enum

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer
from flask_login import current_user
from markupsafe import Markup, escape

from webapp.extensions import csrf

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
#: public forms that act for no account: the share-back form on a card is a contact form for
#: visitors, cached offline with the card page; bots are held off by a honeypot, a render stamp
#: and rate limits
CSRF_EXEMPT_ENDPOINTS = {"share.connect"}
#: answers that are the same for every visitor, logged in or not (cards, the shell, static files):
#: they keep their own caching; every other answer to a logged-in browser is `no-store`
SHARED_ENDPOINTS = {
    "static", "profiles.card", "profiles.card_json", "profiles.card_vcf", "profiles.qr_svg",
    "profiles.qr_png", "pwa.offline", "pwa.manifest", "pwa.service_worker", "pwa.healthz",
}
#: stands for the render stamp in a page cached on the server; each response gets its own stamp
STAMP_SLOT = "stamp-slot-" + secrets.token_hex(12)
#: a form older than this is sent back once with a fresh stamp (what was typed is kept)
STAMP_MAX_AGE = 7 * 24 * 3600


class Stamp(Enum):
    OK = "ok"
    TOO_FAST = "too_fast"
    EXPIRED = "expired"
    INVALID = "invalid"


def _stamps() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="ichigo-form-stamp")


def form_stamp(action: str, *, now: float | None = None) -> str:
    """A signed note of when a form posting to the path `action` was rendered."""
    return _stamps().dumps([action, round(time.time() if now is None else now, 1)])


def check_form_stamp(value: str | None, action: str, *, min_age: float, now: float | None = None) -> Stamp:
    """Did we render this form, for this action, at least `min_age` seconds ago (and not ages ago)?

    Only too fast is refused for good: a page the phone kept offline for days is still fine.
    """
    try:
        stamped_action, rendered_at = _stamps().loads(value or "")
        age = (time.time() if now is None else now) - float(rendered_at)
    except (BadSignature, TypeError, ValueError):
        return Stamp.INVALID
    if stamped_action != action:
        return Stamp.INVALID
    if age < min_age:
        return Stamp.TOO_FAST
    if age > STAMP_MAX_AGE:
        return Stamp.EXPIRED
    return Stamp.OK


def inline_style(css: str) -> Markup:
    """Render a <style> block and allow exactly it through the CSP by its hash."""
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    g.setdefault("csp_style_hashes", set()).add(f"'sha256-{digest}'")
    return Markup(f"<style>{escape(css)}</style>")


def content_security_policy() -> str:
    styles = " ".join(["'self'", *sorted(g.get("csp_style_hashes", ()))])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {styles}",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            "connect-src 'self'",
            "media-src 'self' blob:",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if "Cache-Control" not in headers and is_private_answer():
        headers["Cache-Control"] = "no-store"
    return response


def is_private_answer() -> bool:
    """Every API answer, and every answer to a logged-in caller but the shared ones, is kept by no
    cache: not the browser's (back button, disk), not a proxy's. The service worker keeps the
    user's own screens itself (static/sw.js) and drops them at logout."""
    if request.path.startswith("/api/"):
        return True
    if request.endpoint in SHARED_ENDPOINTS:
        return False
    return bool(getattr(g, "auth_via_bearer", False) or current_user.is_authenticated)


def bearer_auth():
    """Authenticate `Authorization: Bearer <token>`; a bad token is a 401, never a fallback."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    from webapp.auth.services import find_user_by_token
    from webapp.errors import Unauthorized

    user = find_user_by_token(header[7:].strip())
    if user is None:
        raise Unauthorized("The Bearer token is not valid or was revoked.", code="invalid_token")
    g._login_user = user  # flask-login reads the request's user from here
    g.auth_via_bearer = True
    return None


def csrf_guard():
    """CSRF on every form and on cookie-authenticated JSON; Bearer calls carry no ambient cookie.

    An API call with no logged-in session (signup, token creation by a script) has no ambient
    authority to abuse, and a cross-site page cannot send a JSON body without a CORS preflight,
    which this server never grants; so only cookie-authenticated API calls need the header.
    """
    if request.method in SAFE_METHODS or getattr(g, "auth_via_bearer", False):
        return None
    if request.path.startswith("/api/") and not current_user.is_authenticated:
        return None
    if request.endpoint in CSRF_EXEMPT_ENDPOINTS:
        return None
    csrf.protect()
    return None


def read_unread_body(response):
    """Read what is left of the request's body before answering. A view that never reads it (an
    action whose body is `{}`) would otherwise leave bytes unread; gunicorn's sync worker then closes
    the connection on them, the kernel resets it, and the client can lose the answer. Bodies over
    MAX_CONTENT_LENGTH are not read (they were already refused with a 413, or never will be)."""
    length, limit = request.content_length, request.max_content_length
    if length and (limit is None or length <= limit):
        exhaust = getattr(request.stream, "exhaust", None)
        if exhaust is not None:
            try:
                exhaust()
            except (OSError, ValueError):  # the client went away: nothing to protect
                pass
    return response


def register_security(app) -> None:
    app.before_request(bearer_auth)
    app.before_request(csrf_guard)
    app.after_request(set_security_headers)
    app.after_request(read_unread_body)
    app.jinja_env.globals["inline_style"] = inline_style
    app.jinja_env.globals["current_user"] = current_user
