"""Shared OpenAPI fragments: the error envelope and the security requirement."""
from marshmallow import Schema, fields


class ErrorBody(Schema):
    code = fields.String()
    message = fields.String()
    fields_ = fields.Dict(data_key="fields")


class ErrorOut(Schema):
    error = fields.Nested(ErrorBody)


ERRORS = {
    code: {"description": desc, "content": {"application/json": {"schema": ErrorOut}}}
    for code, desc in {
        "400": "Malformed request",
        "401": "Not authenticated",
        "404": "Not found",
        "409": "Conflict",
        "413": "Body too large",
        "422": "Validation failed",
        "429": "Too many requests",
    }.items()
}

PROTECTED = {"security": [{"bearer": []}, {"cookie": []}], "responses": ERRORS}
