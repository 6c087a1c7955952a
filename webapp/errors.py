"""The AppError family and the handlers that answer JSON under /api/ and HTML elsewhere."""
from __future__ import annotations

import logging
import re

from flask import jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


log = logging.getLogger(__name__)


class AppError(Exception):
    """A rule was broken; carries an HTTP status, a stable code and a message for people."""

    status = 400
    code = "bad_request"
    message = _l("The request could not be processed.")

    def __init__(self, message: str | None = None, *, fields: dict | None = None, code: str | None = None):
        if message is None:  # not `message or …`: a lazy message is only translated when shown
            message = self.message
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class NotFound(AppError):
    status = 404
    code = "not_found"
    message = _l("Not found.")


class ValidationFailed(AppError):
    status = 422
    code = "validation_failed"
    message = _l("Some fields need attention.")


class Conflict(AppError):
    status = 409
    code = "conflict"
    message = _l("This conflicts with what is already stored.")


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"
    message = _l("Log in or send a valid Bearer token.")


def wants_json() -> bool:
    """API paths and .json resources answer JSON; everything else answers HTML."""
    path = request.path
    return path.startswith("/api/") or path.endswith(".json")


#: what no error body may carry: a lone surrogate (it cannot be encoded) or a NUL (a client's name
#: for a field it sent, echoed back)
_UNPRINTABLE = re.compile(r"[\x00\ud800-\udfff]")


def _string_keys(value):
    """marshmallow keys list items by int and a list's own errors by "_schema" in the same dict;
    JSON sorts keys, so make them all strings ("0", "1", "_schema")."""
    if isinstance(value, dict):
        return {_UNPRINTABLE.sub("\ufffd", str(key)): _string_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_string_keys(item) for item in value]
    if isinstance(value, (str, LazyString)):  # a message marked with _l: in the request's language now
        return _UNPRINTABLE.sub("\ufffd", str(value))
    return value


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    """The error envelope's inside, as every JSON error (and each failed batch item) carries it."""
    return {"code": code, "message": str(message), "fields": _string_keys(fields or {})}


def error_response(status: int, code: str, message: str, fields: dict | None = None, headers=None, *,
                   retry_after: int | None = None):
    fields = _string_keys(fields or {})
    if wants_json():
        response = jsonify({"error": error_body(code, message, fields)})
    else:
        response = make_response(render_template("errors/error.html", status=status, message=message,
                                                  fields=fields or {}, retry_after=retry_after))
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _flatten_webargs(messages) -> dict:
    """webargs nests messages by location ({"json": {...}}); clients want field -> [messages]."""
    fields: dict = {}
    if isinstance(messages, dict):
        for location, value in messages.items():
            if isinstance(value, dict):
                for name, msgs in value.items():
                    fields[str(name)] = msgs if isinstance(msgs, (list, dict)) else [str(msgs)]
            else:
                fields["_" + str(location)] = value if isinstance(value, list) else [str(value)]
    return fields


def handle_app_error(exc: AppError):
    return error_response(exc.status, exc.code, exc.message, exc.fields)


#: what pages and JSON answers say instead of werkzeug's and flask-limiter's English descriptions
PAGE_MESSAGES = {
    404: _l("Not found."),
    400: _l("The request could not be processed."),
    403: _l("You are not allowed to do this."),
    405: _l("This page cannot be used this way."),
    413: _l("What you sent is too large."),
    429: _l("Too many tries in a short time. Wait a moment and try again."),
}


def handle_http_exception(exc: HTTPException):
    status = exc.code or 500
    fields: dict = {}
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and "messages" in data:
        fields = _flatten_webargs(data["messages"])
    code = (exc.name or "error").lower().replace(" ", "_")
    message = exc.description or exc.name
    limit_message = getattr(getattr(exc, "limit", None), "error_message", None) if status == 429 else None
    if limit_message:
        message = str(limit_message)  # a limit that says why (e.g. an account paused after wrong passwords)
    elif status in PAGE_MESSAGES and (status == 429 or exc.description == type(exc).description):
        message = PAGE_MESSAGES[status]
    if isinstance(exc, CSRFError):
        code = "csrf_failed"
        message = _l("The form expired or the CSRF token is missing; reload the page and try again.")
    if status == 422:
        code, message = "validation_failed", _l("Some fields need attention.")
    if status == 400 and "_json" in fields:
        code, message = "malformed_json", _l("The body is not valid JSON.")
    headers = dict(getattr(exc, "headers", None) or {}) if status in (405, 429) else {}
    if status == 405 and exc.get_response().headers.get("Allow"):
        headers["Allow"] = exc.get_response().headers["Allow"]
    return error_response(status, code, message, fields, headers,
                          retry_after=_retry_after() if status == 429 else None)


def _retry_after() -> int | None:
    """Seconds until the breached rate limit lets the client in again (also sent as Retry-After)."""
    import time

    from webapp.extensions import limiter

    breached = limiter.current_limit
    return max(1, int(breached.reset_at - time.time())) if breached else None


def handle_unexpected(exc: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", _l("Something went wrong on our side; nothing was changed."))


def register_errorhandlers(app) -> None:
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
