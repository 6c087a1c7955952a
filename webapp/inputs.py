"""Request input refused at the edge, before any schema: JSON nested too deep or not standard, and
text no database or mail can hold (lone UTF-16 surrogates, NUL) in a JSON body, a query or a path.

Every JSON body is read by `parse_body`: Flask's `request.get_json` through `JSONProvider` (and
`decode`), the API's argument parser through `webapp.api.blueprint` (which reports unstorable text
beside the schema's own errors), the capture batch item by item.
"""
from __future__ import annotations

import json
import re

from flask import request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.errors import AppError, NotFound, ValidationFailed

#: the deepest nesting of arrays and objects a body may have; ours need 3 (a batch of captures: 2).
#: Python's parser gives up (RecursionError) near 1,000 levels, and every recursive walk after it
#: (schemas, error messages) would need stack too.
MAX_DEPTH = 32
#: a lone surrogate cannot be encoded as UTF-8 (the database, mail, the JSON answer); PostgreSQL
#: refuses NUL in text
UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
NUL_MESSAGE = _l("Control characters are not allowed.")
SURROGATE_MESSAGE = _l("This text holds a broken character (a lone UTF-16 surrogate).")


class MalformedJSON(AppError):
    status = 400
    code = "malformed_json"
    message = _l("The body is not valid JSON.")


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _why(text: str) -> str:
    return NUL_MESSAGE if "\x00" in text else SURROGATE_MESSAGE


def _printable(key: str) -> str:
    return UNSTORABLE.sub("\ufffd", key)


def _walk(doc) -> tuple[int, dict]:
    """The document's nesting depth (stopping past MAX_DEPTH) and the unstorable text in it, as
    marshmallow nests field errors: {"links": {"1": [message]}}."""
    problems: dict = {}
    deepest = 0
    stack = [(doc, 1, ())]
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, dict):
            items = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        for key, value in items:
            if isinstance(key, str) and UNSTORABLE.search(key):
                _note(problems, (*path, _printable(key)), _why(key))
            elif isinstance(value, str):
                if UNSTORABLE.search(value):
                    _note(problems, (*path, str(key)), _why(value))
            elif isinstance(value, (dict, list)):
                stack.append((value, depth + 1, (*path, str(key))))
    return deepest, problems


def _note(problems: dict, path: tuple, message: str) -> None:
    node = problems
    for name in path[:-1]:
        node = node.setdefault(name, {})
        if not isinstance(node, dict):
            return
    node.setdefault(path[-1], [message])


def _may_hold_unstorable(data) -> bool:
    """False when the raw body cannot decode to a NUL or a lone surrogate: neither a \\u escape,
    nor a NUL byte, nor UTF-8's lead byte of U+D800..U+DFFF (which json.loads lets through)."""
    if isinstance(data, str):
        return "\\u" in data or bool(UNSTORABLE.search(data))
    return b"\\u" in data or b"\x00" in data or b"\xed" in data


def _brackets(data) -> int:
    """How many arrays and objects the body opens at most (brackets inside strings count too)."""
    if isinstance(data, str):
        return data.count("[") + data.count("{")
    return data.count(b"[") + data.count(b"{")


def parse_body(data: bytes | str) -> tuple[object, dict]:
    """Parse a JSON body and find its unstorable text: (document, {field: [message]}). Raise
    MalformedJSON (400) when it is not standard JSON or nests deeper than MAX_DEPTH."""
    try:
        doc = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise MalformedJSON(fields={"_json": [_("Nested deeper than %(n)d levels.", n=MAX_DEPTH)]}) from None
    except json.JSONDecodeError as exc:
        raise MalformedJSON(fields={"_json": [_("Not valid JSON at line %(line)d, column %(column)d.", line=exc.lineno, column=exc.colno)]}) from None
    except ValueError:  # UnicodeDecodeError, NaN, a 5,000-digit number
        raise MalformedJSON(fields={"_json": [_l("The body is not valid JSON.")]}) from None
    could_hold = _may_hold_unstorable(data)
    if isinstance(doc, str):
        return doc, ({"_json": [_why(doc)]} if could_hold and UNSTORABLE.search(doc) else {})
    if not isinstance(doc, (dict, list)) or (not could_hold and _brackets(data) <= MAX_DEPTH):
        return doc, {}
    deepest, problems = _walk(doc)
    if deepest > MAX_DEPTH:
        raise MalformedJSON(fields={"_json": [_("Nested deeper than %(n)d levels.", n=MAX_DEPTH)]})
    return doc, problems


def decode(data: bytes | str):
    """Parse a JSON body (see parse_body); unstorable text is a ValidationFailed (422) naming its fields."""
    doc, problems = parse_body(data)
    if problems:
        raise ValidationFailed(fields=problems)
    return doc


def merge_problems(errors: dict, problems: dict) -> dict:
    """Add unstorable-text problems to a schema's errors; a field the schema refused keeps its reason."""
    index = {_printable(str(key)): key for key in errors}  # marshmallow keys list items by int
    for key, value in problems.items():
        same = index.get(key)
        if same is None:
            errors[key] = value
        elif isinstance(errors[same], dict) and isinstance(value, dict):
            merge_problems(errors[same], value)
    return errors


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading request bodies through `decode`."""

    def loads(self, s, **kwargs):
        if kwargs:  # the session cookie's tagged JSON (our own, signed)
            return super().loads(s, **kwargs)
        return decode(s)


def refuse_unstorable_url_text() -> None:
    """A NUL (or a lone surrogate) in a path names nothing: 404; in a query string: 422."""
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and UNSTORABLE.search(value):
            raise NotFound()
    problems = {}
    for key, values in request.args.lists():
        for text in (key, *values):
            if UNSTORABLE.search(text):
                problems[_printable(key)] = [_why(text)]
    if problems:
        raise ValidationFailed(fields=problems)


def init_app(app) -> None:
    app.json = JSONProvider(app)
    app.before_request(refuse_unstorable_url_text)
