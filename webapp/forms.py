"""What the HTML views share about a refused form: its messages, field by field, as the pages show them."""
from __future__ import annotations

from marshmallow import ValidationError

from webapp.errors import AppError


def form_errors(problem: ValidationError | AppError | dict) -> dict[str, list[str]]:
    """The messages of a refused form (a schema's ValidationError, a service's AppError fields, or
    such a dict) as field -> list of messages (translated where they were raised). A nested field's
    messages are keyed by its path joined with dots (rhythms.0.every_days)."""
    if isinstance(problem, ValidationError):
        messages = problem.messages
    elif isinstance(problem, AppError):
        messages = problem.fields
    else:
        messages = problem
    if not isinstance(messages, dict):  # a schema-level list of messages
        messages = {"_schema": messages}
    out: dict[str, list[str]] = {}
    for key, value in messages.items():
        if isinstance(value, dict):
            for inner, msgs in form_errors(value).items():
                out[f"{key}.{inner}"] = msgs
        else:
            out[key] = [str(m) for m in (value if isinstance(value, list) else [value])]
    return out
