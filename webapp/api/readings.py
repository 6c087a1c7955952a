"""/api/v1/readings: a name's reading (furigana) guessed while the capture form is typed in."""
from __future__ import annotations

from flask import current_app
from flask_login import current_user, login_required
from marshmallow import Schema, fields

from webapp.api.blueprint import Blueprint
from webapp.api.docs import PROTECTED, RATE_LIMITED
from webapp.contacts.readings import guess_reading
from webapp.extensions import limiter
from webapp.validation import Line

bp = Blueprint("api_readings", __name__, description="Guess the reading of a Japanese name")


class ReadingQuery(Schema):
    name = Line(100, required=True, metadata={"description": "a person's name as typed"})


class ReadingOut(Schema):
    name_reading = fields.String(metadata={
        "description": "the reading in hiragana, a space between the parts the name separates; "
                       "empty when there is nothing to guess (no kanji, a Latin name)"})


def _limit() -> str:
    return current_app.config["READING_RATE_LIMIT"]


def _per_user() -> str:
    return f"readings:{current_user.get_id()}"


@bp.route("", methods=["GET"])
@login_required
@limiter.limit(_limit, key_func=_per_user)
@bp.arguments(ReadingQuery(), location="query")
@bp.response(200, ReadingOut)
@bp.doc(**PROTECTED, responses=RATE_LIMITED)
def guess(args):
    """The reading of a name written with kanji, as a capture would store it when none is typed.
    Nothing is stored."""
    return {"name_reading": guess_reading(args["name"])}
