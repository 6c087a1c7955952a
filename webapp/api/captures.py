"""/api/v1/captures: one capture, or a batch from the phone's offline queue."""
from __future__ import annotations

import logging

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask import request
from flask_login import current_user, login_required
from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError

from webapp.api.blueprint import Blueprint
from webapp.api.docs import CONFLICT, PROTECTED
from webapp.captures import services
from webapp.captures.schemas import MAX_BATCH, BatchOut, CaptureIn, CaptureOut
from webapp.errors import AppError, ValidationFailed, error_body
from webapp.inputs import merge_problems, parse_body

log = logging.getLogger(__name__)
bp = Blueprint("api_captures", __name__, description="Quick capture, idempotent by client_id")

#: a full batch of long Japanese notes runs to a few MB; anything larger is refused unread (413)
BATCH_MAX_BYTES = 4 * 1024 * 1024


@bp.route("", methods=["POST"])
@login_required
@bp.arguments(CaptureIn())
@bp.response(201, CaptureOut)
@bp.alt_response(200, schema=CaptureOut, description="A replay: the same client_id and body as before")
@bp.doc(**PROTECTED, responses=CONFLICT)
def create(data):
    """Capture a person met. The same client_id again answers 200 with the same ids."""
    result = services.capture_contact(current_user, data, raw=request.get_json())
    return result, 201 if result.created else 200


@bp.route("/batch", methods=["POST"])
@login_required
@bp.doc(**PROTECTED, requestBody={"required": True, "content": {"application/json": {
    "schema": {"type": "array", "maxItems": MAX_BATCH, "items": {
        "anyOf": [{"$ref": "#/components/schemas/CaptureIn"}, {}],
        "description": "a capture; one that is not is refused in its own result, not the whole batch"}}}}})
@bp.response(200, BatchOut)
def batch():
    """Up to 500 captures; one result per item, in order. Each item stands alone: one that is refused
    or fails says so in its own result (its status and error) and the others are stored all the same."""
    request.max_content_length = BATCH_MAX_BYTES
    if not request.is_json:
        raise ValidationFailed(_l("Send a JSON array of captures."), fields={"_json": [_l("Send a JSON array here.")]})
    items, problems = parse_body(request.get_data())  # an item's unstorable text is that item's error
    if not isinstance(items, list):
        raise ValidationFailed(_l("Send a JSON array of captures."), fields={"_json": [_l("Send a JSON array here.")]})
    if len(items) > MAX_BATCH:
        raise ValidationFailed(_("At most %(n)d captures per batch; split it.", n=MAX_BATCH), code="batch_too_large",
                               fields={"_json": [_("%(count)d items; at most %(n)d.", count=len(items), n=MAX_BATCH)]})
    return {"items": [_capture_item(raw, problems.get(str(i))) for i, raw in enumerate(items)]}


def _failed(status: int, code: str, message: str, fields=None) -> dict:
    return {"status": status, "result": None, "error": error_body(code, message, fields)}


def _capture_item(raw, problems: dict | None) -> dict:
    """One item of a batch, its own unit of work (rolled back by it on any error): whatever happens to
    it, the next one still runs."""
    try:
        if not isinstance(raw, dict):
            raise ValidationError({"_schema": ["Each item must be an object."]})
        try:
            data = CaptureIn().load(raw)
        except ValidationError as error:
            raise ValidationError(merge_problems(error.messages, problems or {})) from None
        if problems:
            raise ValidationError(problems)
        result = services.capture_contact(current_user, data, raw=raw)
        return {"status": 201 if result.created else 200, "result": result, "error": None}
    except ValidationError as exc:
        return _failed(422, "validation_failed", _("Some fields need attention."), exc.messages)
    except AppError as exc:
        return _failed(exc.status, exc.code, exc.message, exc.fields)
    except OperationalError:  # the database is busy or gone for a moment: worth sending again
        log.warning("capture %r: database unavailable", raw.get("client_id"), exc_info=True)
        return _failed(503, "unavailable", "The server could not store this capture now; send it again later.")
    except Exception:
        log.exception("capture %r failed", raw.get("client_id"))
        return _failed(500, "internal_error", "Something went wrong on our side; this capture was not stored.")
