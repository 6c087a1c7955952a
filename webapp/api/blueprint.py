"""The API's Blueprint: flask-smorest's, with `@bp.arguments` reading JSON bodies through
webapp.inputs like every other JSON body: too deep or not standard is a 400 before the schema;
unstorable text (NUL, a lone surrogate) is a 422 reported beside the schema's own errors."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
import flask_smorest
from marshmallow import ValidationError
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import UnsupportedMediaType

from webapp.inputs import merge_problems, parse_body


class Parser(FlaskParser):
    def load_json(self, req, schema):
        """A schema whose `body_optional` is true (an action that takes nothing, `{}` at most) reads
        no body as an empty object; every other operation requires one."""
        if getattr(schema, "body_optional", False) and not req.get_data(cache=True).strip():
            return {}
        return super().load_json(req, schema)

    def _raw_load_json(self, req):
        """The body every `@bp.arguments` operation documents as required: none is a 422, one that
        is not JSON a 415 (webargs would read either as an empty object)."""
        data = req.get_data(cache=True)
        if not is_json_request(req):
            if data:
                raise UnsupportedMediaType(_l("Send the body as application/json."))
            raise ValidationError({"_json": ["Send a JSON body."]})
        if not data.strip():
            raise ValidationError({"_json": ["Send a JSON body."]})
        doc, req.unstorable_text = parse_body(data)
        return doc

    def _process_location_data(self, location_data, schema, req, location, unknown, validators):
        problems = getattr(req, "unstorable_text", None) if location == "json" else None
        try:
            data = super()._process_location_data(location_data, schema, req, location, unknown, validators)
        except ValidationError as error:
            if problems and isinstance(error.messages, dict):
                merge_problems(error.messages, problems)
            raise
        if problems:
            raise ValidationError(problems)
        return data


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()
