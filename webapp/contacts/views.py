"""Contact pages: the searchable list, one person's story, edit, delete and merge."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from webapp.contacts import services
from webapp.contacts.schemas import ContactPatch, ContactQuery
from webapp.errors import ValidationFailed
from webapp.forms import form_errors

bp = Blueprint("contacts", __name__)

#: what the edit form posts; csrf_token and buttons belong to the page
EDIT_FIELDS = tuple(ContactPatch().fields)


def tier_labels() -> dict[str, str]:
    return {"unsorted": _("Unsorted"), "grow": _("Grow"), "maintain": _("Maintain"), "let_go": _("Let go")}


@bp.route("/contacts")
@login_required
def index():
    form = {key: request.args.get(key, "") for key in ("q", "event_id", "tier")}
    events = services.list_event_choices(current_user)
    try:
        args = ContactQuery().load({key: value for key, value in request.args.items()
                                    if key in ("q", "event_id", "tier", "cursor")})
        page = services.list_contacts(current_user, args["q"], args["event_id"], args["tier"],
                                      args["cursor"], args["limit"])
    except (ValidationError, ValidationFailed) as exc:
        return _render_index(form, events, None, form_errors(exc)), 422
    return _render_index(form, events, page, {})


def _render_index(form, events, page, errors):
    more = None
    if page is not None and page.next_cursor:
        more = url_for("contacts.index", **{k: v for k, v in form.items() if v}, cursor=page.next_cursor)
    return render_template("contacts/index.html", form=form, events=events, page=page, errors=errors,
                           more=more, tiers=tier_labels(), filtered=any(form.values()))


@bp.route("/contacts/<int:contact_id>")
@login_required
def show(contact_id):
    contact = services.get_contact_for(current_user, contact_id)
    return render_template(
        "contacts/show.html", contact=contact, events=services.event_names(current_user, contact),
        duplicate=services.find_contact_for(current_user, contact.possible_duplicate_of_id),
        tiers=tier_labels(), saved=request.args.get("saved"))


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@login_required
def edit(contact_id):
    contact = services.get_contact_for(current_user, contact_id)
    if request.method == "GET":
        form = {key: getattr(contact, key) or "" for key in EDIT_FIELDS}
        return _render_edit(contact, form, {})
    try:
        data = ContactPatch().load({key: request.form[key] for key in EDIT_FIELDS if key in request.form})
        services.update_contact(current_user, contact_id, data)
    except ValidationError as exc:
        return _render_edit(contact, request.form, form_errors(exc)), 422
    except services.ContactClash as exc:
        message = (_("Another contact already has this email address.") if exc.field == "email"
                   else _("Another contact already has this card link."))
        return _render_edit(contact, request.form, {exc.field: [message]}, clash=exc.other_id), 409
    return redirect(url_for("contacts.show", contact_id=contact_id, saved=1))


def _render_edit(contact, form, errors, clash=None):
    return render_template("contacts/edit.html", contact=contact, form=form, errors=errors,
                           tiers=tier_labels(), clash=services.find_contact_for(current_user, clash))


@bp.route("/contacts/<int:contact_id>/delete", methods=["POST"])
@login_required
def delete(contact_id):
    services.delete_contact(current_user, contact_id)
    return redirect(url_for("contacts.index"))


@bp.route("/contacts/<int:contact_id>/merge", methods=["GET", "POST"])
@login_required
def merge(contact_id):
    """Merge ?other= (or the posted other_id) into this contact, after a confirm page."""
    keep = services.get_contact_for(current_user, contact_id)
    source = request.form if request.method == "POST" else request.args
    other_id = source.get("other_id" if request.method == "POST" else "other", type=int)
    if other_id is None:
        abort(404)
    if other_id == keep.id:
        return render_template("contacts/merge.html", keep=keep, other=None,
                               errors={"_form": [_("A contact cannot be merged into itself.")]}), 422
    other = services.get_contact_for(current_user, other_id)
    if request.method == "GET":
        return render_template("contacts/merge.html", keep=keep, other=other, errors={})
    services.merge_contacts(current_user, keep.id, other.id)
    return redirect(url_for("contacts.show", contact_id=keep.id, saved=1))
