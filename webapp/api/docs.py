"""The OpenAPI document's shared parts: the error envelope as webapp.errors writes it, the error
answers every operation can give (added by `DocumentPlugin` from the operation's shape), the
security requirement, and the text rules of webapp.validation written as JSON Schema patterns."""
from __future__ import annotations

from apispec import BasePlugin
from marshmallow import Schema, fields

from webapp import text_patterns as patterns
from webapp.validation import Color, Email, HeaderLine, HttpUrl, Line, Paragraphs


class ErrorBody(Schema):
    code = fields.String(required=True, metadata={"description": "stable, for programs: not_found, "
                                                   "validation_failed, malformed_json, client_id_reused…"})
    message = fields.String(required=True, metadata={"description": "for people"})
    fields_ = fields.Dict(data_key="fields", required=True, metadata={
        "description": "what is wrong with each field sent: field → [messages], or field → {item → …} "
                       "for lists and nested objects; `_json` is about the body as a whole"})


class ErrorOut(Schema):
    error = fields.Nested(ErrorBody, required=True)


def error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}


#: operations that may find what they change in a state that forbids it
CONFLICT = {"409": error("Conflict with what is stored (the error's code says which)")}
RATE_LIMITED = {"429": error("Too many requests; Retry-After says when to try again")}
PROTECTED = {"security": [{"bearer": []}, {"cookie": []}]}
UNSAFE = {"post", "put", "patch", "delete"}


class DocumentPlugin(BasePlugin):
    """Complete the document from the code's shape.

    Each operation gets the error answers its shape allows, so the document lists what the server
    really says: 401 on every operation (a Bearer token that is not valid is refused wherever it is
    sent), 404 where the path names something, 400 (malformed JSON, or a browser session's missing
    CSRF token) on unsafe methods, 413, 415 and 422 where a body is read, 422 where a query is read,
    and `default` (500, 503) everywhere; 409 and 429 are declared by the operations that answer
    them. A schema's OPENAPI_RULES add what its fields cannot say (one of two fields, say)."""

    def schema_helper(self, name, definition, **kwargs):
        return getattr(kwargs.get("schema"), "OPENAPI_RULES", None)

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            wanted = {"401": "Not authenticated, or the Bearer token is not valid"}
            if "{" in (path or ""):
                wanted["404"] = "No such object (or it belongs to someone else)"
            if method in UNSAFE:
                wanted["400"] = "Malformed JSON, or a browser session's CSRF token is missing"
            if "requestBody" in operation:
                wanted.update({"413": "Body too large", "415": "The body is not application/json",
                               "422": "Validation failed"})
            if any(param.get("in") == "query" for param in operation.get("parameters", [])):
                wanted["422"] = "Validation failed"
            for status, description in wanted.items():
                responses.setdefault(status, error(description))
            responses["default"] = error("The server failed (500), or is unavailable for a moment (503)")


def _text_rules(self, field, ret=None, **kwargs) -> dict:
    """The rules of webapp.validation's text fields as JSON Schema (webapp.text_patterns); any other
    string refuses NUL (webapp.inputs refuses it everywhere)."""
    ret = ret or {}
    if "pattern" in ret or ret.get("type") != "string":
        return {}
    if isinstance(field, Email):
        email = {"format": "email", "maxLength": 254, "pattern": patterns.email_pattern(),
                 "description": "an address that can receive mail: a domain with a dot, none for special use (.test…)"}
        return {"anyOf": [email, {"pattern": patterns.BLANK}]} if field.allow_none else email
    if isinstance(field, HttpUrl):
        return {"pattern": patterns.http_url_pattern(allow_empty=field.allow_empty), "maxLength": 500}
    if isinstance(field, Paragraphs):
        return {"pattern": patterns.text_pattern(multiline=True, max_length=field.max_length),
                "description": " ".join(filter(None, [ret.get("description"), f"at most {field.max_length} "
                                                      "characters, a line break (CRLF) counting once"]))}
    if isinstance(field, Line):
        return {"pattern": patterns.text_pattern(required=not field.allow_empty,
                                                 header=isinstance(field, HeaderLine))}
    if isinstance(field, Color):
        return {"pattern": "^(?:#[0-9a-fA-F]{6})?" + patterns.END}
    if ret.get("enum") or ret.get("format"):
        return {}
    return {"pattern": patterns.NO_NUL}


def init_spec(api) -> None:
    """Register the error envelope and document text rules on every field; call after
    Api.init_app, before any blueprint is registered."""
    api.ma_plugin.converter.add_attribute_function(_text_rules)
    if "ErrorOut" not in api.spec.components.schemas:  # Api.init_app registers it for its own error responses
        api.spec.components.schema("ErrorOut", schema=ErrorOut)
