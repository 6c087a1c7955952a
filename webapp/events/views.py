"""Event pages: list, create, show (with the people met there), edit, activate, delete."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import to_user_timezone
from flask_login import current_user, login_required
from marshmallow import ValidationError

from webapp.errors import ValidationFailed
from webapp.events import services
from webapp.events.models import Event
from webapp.events.schemas import FORM_TEXT_FIELDS, FORM_TIME_FIELDS, EventIn, event_out, form_input
from webapp.forms import form_errors
from webapp.profiles.web import card_link

bp = Blueprint("events", __name__)

LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def _form_of(event: Event) -> dict:
    """An event as the strings its form shows; times in the user's own zone, as datetime-local wants."""
    form = {key: getattr(event, key) or "" for key in FORM_TEXT_FIELDS}
    for key in FORM_TIME_FIELDS:
        value = getattr(event, key)
        form[key] = to_user_timezone(value).strftime(LOCAL_INPUT_FORMAT) if value else ""
    form["is_active"] = "1" if event.is_active else ""
    return form


def _save(event_id: int | None):
    """Validate the posted form and create or update; None when saved, else the errors."""
    try:
        data = EventIn().load(form_input(request.form, current_user.timezone))
        if event_id is None:
            event = services.create_event(current_user, data)
        else:
            event = services.update_event(current_user, event_id, data)
    except (ValidationError, ValidationFailed) as exc:
        return None, form_errors(exc)
    return event, {}


@bp.route("/events")
@login_required
def index():
    page = services.list_events(current_user, request.args.get("cursor") or None)
    return render_template("events/index.html", events=page.items, next_cursor=page.next_cursor,
                           first_page=not request.args.get("cursor"))


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new():
    if request.method == "GET":
        return render_template("events/form.html", event=None, form={}, errors={})
    event, errors = _save(None)
    if errors:
        return render_template("events/form.html", event=None, form=request.form, errors=errors), 422
    return redirect(url_for("events.show", event_id=event.id))


@bp.route("/events/<int:event_id>")
@login_required
def show(event_id):
    event = services.get_event_for(current_user, event_id)
    people = services.list_people_met(current_user, event_id)
    return render_template("events/show.html", event=event, people=people,
                           card_url=event_out(event, card_link(current_user))["card_url"])


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id):
    event = services.get_event_for(current_user, event_id)
    if request.method == "GET":
        return render_template("events/form.html", event=event, form=_form_of(event), errors={})
    saved, errors = _save(event_id)
    if errors:
        return render_template("events/form.html", event=event, form=request.form, errors=errors), 422
    return redirect(url_for("events.show", event_id=saved.id))


@bp.route("/events/<int:event_id>/activate", methods=["POST"])
@login_required
def activate(event_id):
    services.activate_event(current_user, event_id)
    return redirect(url_for("events.show", event_id=event_id))


@bp.route("/events/<int:event_id>/deactivate", methods=["POST"])
@login_required
def deactivate(event_id):
    services.deactivate_event(current_user, event_id)
    return redirect(url_for("events.show", event_id=event_id))


@bp.route("/events/<int:event_id>/delete", methods=["GET", "POST"])
@login_required
def delete(event_id):
    """GET asks for confirmation; POST deletes (the people met there stay in the contacts)."""
    if request.method == "GET":
        event = services.get_event_for(current_user, event_id)
        return render_template("events/delete.html", event=event,
                               people_count=len(services.list_people_met(current_user, event_id)))
    services.delete_event(current_user, event_id)
    return redirect(url_for("events.index", deleted=1))
