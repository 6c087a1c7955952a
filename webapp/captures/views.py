"""The quick-capture page: one phone screen, name first, stored once however often it is posted."""
from __future__ import annotations

import uuid

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from webapp.captures import services
from webapp.captures.schemas import CaptureIn
from webapp.contacts import services as contacts
from webapp.errors import AppError
from webapp.events.services import find_active_event
from webapp.forms import form_errors

bp = Blueprint("captures", __name__)

#: what the form posts; anything else (csrf_token, buttons) belongs to the page, not the capture
FORM_FIELDS = ("client_id", "event_id", "name", "name_reading", "email", "phone", "company", "title",
               "conversation", "needs", "promise", "promise_due", "memorable")
#: the fields behind "More" (templates/captures/new.html): open when one holds something or an error
MORE_FIELDS = ("email", "phone", "company", "title", "needs", "promise", "promise_due", "memorable")
#: an empty box means "none" for these
BLANK_IS_NONE = ("event_id", "promise_due", "email")


def form_raw(form) -> dict:
    """The capture as the form sent it, strings only: the fingerprint that tells a replay."""
    return {key: form.get(key, "") for key in FORM_FIELDS if key in form}


def form_input(raw: dict) -> dict:
    """Form strings as the schema takes them: blanks are "none", the event a number."""
    data = {key: (None if key in BLANK_IS_NONE and not value.strip() else value) for key, value in raw.items()}
    if data.get("event_id") and data["event_id"].isascii() and data["event_id"].isdigit():
        data["event_id"] = int(data["event_id"])
    return data


@bp.route("/capture", methods=["GET", "POST"])
@login_required
def new():
    if request.method == "GET":
        done = contacts.find_contact_for(current_user, request.args.get("done", type=int))
        if done is not None:
            duplicate = contacts.find_contact_for(current_user, done.possible_duplicate_of_id)
            return render_template("captures/done.html", contact=done, duplicate=duplicate)
        active = find_active_event(current_user)
        form = {"client_id": str(uuid.uuid4()), "event_id": str(active.id) if active else ""}
        return _render(form, {})
    raw = form_raw(request.form)
    try:
        data = CaptureIn().load(form_input(raw))
        result = services.capture_contact(current_user, data, raw=raw)
    except ValidationError as exc:
        return _render(request.form, _field_errors(exc)), 422
    except AppError as exc:
        form = dict(request.form)
        errors = _field_errors(exc)
        if exc.code == "client_id_reused":  # saved before, then edited: saving again is a new person
            form["client_id"] = str(uuid.uuid4())
            errors = {"_form": [_("This form was already saved. Save again to store it as another person.")]}
        return _render(form, errors), exc.status
    return redirect(url_for("captures.new", done=result.contact_id))


def _field_errors(problem) -> dict:
    errors = form_errors(problem)
    if "client_id" in errors or "source" in errors:  # not typed by the user: the page itself is stale
        errors.pop("client_id", None)
        errors.pop("source", None)
        errors["_form"] = [_("This form is out of date; reload the page and try again.")]
    if "event_id" in errors:
        errors["event_id"] = [_("Choose one of your events.")]
    return errors


def _render(form, errors):
    more_open = any(form.get(key) or key in errors for key in MORE_FIELDS)
    return render_template("captures/new.html", form=form, errors=errors, more_open=more_open,
                           events=contacts.list_event_choices(current_user))
