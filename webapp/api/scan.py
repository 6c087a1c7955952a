"""/api/v1/scan: what a scanned QR code holds, ready to fill the capture form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import login_required
from marshmallow import Schema, fields

from webapp.api.blueprint import Blueprint
from webapp.api.docs import PROTECTED
from webapp.captures.scan import ScanError, read_payload
from webapp.errors import NotFound, ValidationFailed
from webapp.profiles import services as profiles
from webapp.profiles.web import card_out, public_base_url

bp = Blueprint("api_scan", __name__, description="Read a scanned QR code")


class ScanIn(Schema):
    payload = fields.String(required=True, metadata={
        "description": "the text the QR code holds: an Ichigo card or any link, a vCard or a MECARD"})


class ScanOut(Schema):
    kind = fields.String(metadata={"description": "ichigo_card, url, vcard or mecard"})
    capture = fields.Dict(metadata={"description": "fields for POST /api/v1/captures"})
    card = fields.Dict(allow_none=True, metadata={"description": "the public card, for a card of this server"})
    warnings = fields.List(fields.String())


@bp.route("", methods=["POST"])
@login_required
@bp.arguments(ScanIn())
@bp.response(200, ScanOut)
@bp.doc(**PROTECTED)
def scan(data):
    """Classify and read a scanned payload. Nothing is fetched from the network."""
    try:
        result = read_payload(data["payload"], own_origin=public_base_url())
    except ScanError as exc:
        raise ValidationFailed(str(exc), code="unreadable_code", fields={"payload": [str(exc)]}) from exc
    card = None
    if result.slug:
        try:
            card = card_out(profiles.get_public_profile(result.slug))
        except NotFound as exc:
            raise ValidationFailed(_l("This card is not public (any more)."), code="card_not_found",
                           fields={"payload": [_l("No public card at this address.")]}) from exc
        for key in ("name", "name_reading", "company", "title", "card_url"):
            if card.get(key):
                result.capture[key] = card[key]
        if card.get("public_email"):
            result.capture["email"] = card["public_email"]
        if card.get("public_phone"):
            result.capture["phone"] = card["public_phone"]
    result.capture["source"] = "scan"
    return {"kind": result.kind, "capture": result.capture, "card": card, "warnings": result.warnings}
