"""/api/v1/captures: one capture, or a batch from the phone's offline queue."""
from __future__ import annotations

from flask import request
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields

from webapp.api.docs import PROTECTED
from webapp.captures import services
from webapp.captures.schemas import MAX_BATCH, BatchOut, CaptureIn, CaptureOut
from webapp.errors import AppError, ValidationFailed

bp = Blueprint("api_captures", __name__, description="Quick capture, idempotent by client_id")

#: a full batch of long Japanese notes runs to a few MB; anything larger is refused unread (413)
BATCH_MAX_BYTES = 4 * 1024 * 1024


@bp.route("", methods=["POST"])
@login_required
@bp.arguments(CaptureIn())
@bp.response(201, CaptureOut)
@bp.alt_response(200, schema=CaptureOut, description="A replay: the same client_id and body as before")
@bp.doc(**PROTECTED)
def create(data):
    """Capture a person met. The same client_id again answers 200 with the same ids."""
    result = services.capture_contact(current_user, data, raw=request.get_json())
    return result, 201 if result.created else 200


@bp.route("/batch", methods=["POST"])
@login_required
@bp.doc(**PROTECTED, requestBody={"required": True, "content": {"application/json": {
    "schema": {"type": "array", "maxItems": MAX_BATCH, "items": {"$ref": "#/components/schemas/CaptureIn"}}}}})
@bp.response(200, BatchOut)
def batch():
    """Up to 500 captures; one result per item, in order. Each item stands alone."""
    request.max_content_length = BATCH_MAX_BYTES
    items = request.get_json(silent=True)
    if not isinstance(items, list):
        raise ValidationFailed("Send a JSON array of captures.", fields={"_json": ["Expected an array."]})
    if len(items) > MAX_BATCH:
        raise ValidationFailed(f"At most {MAX_BATCH} captures per batch; split it.", code="batch_too_large",
                       fields={"_json": [f"{len(items)} items; at most {MAX_BATCH}."]})
    results = []
    for raw in items:
        try:
            if not isinstance(raw, dict):
                raise ValidationError({"_schema": ["Each item must be an object."]})
            data = CaptureIn().load(raw)
            result = services.capture_contact(current_user, data, raw=raw)
            results.append({"status": 201 if result.created else 200, "result": result, "error": None})
        except ValidationError as exc:
            results.append({"status": 422, "result": None, "error": {
                "code": "validation_failed", "message": "Some fields need attention.", "fields": exc.messages}})
        except AppError as exc:
            results.append({"status": exc.status, "result": None, "error": {
                "code": exc.code, "message": exc.message, "fields": exc.fields}})
    return {"items": results}
