"""Follow-up pages: the review list, one follow-up (edit, schedule, approve, by hand), templates, drafting
and the texts for the people without an email."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user, login_required
from marshmallow import ValidationError

from webapp.errors import Conflict, ValidationFailed
from webapp.events.schemas import local_to_iso
from webapp.profiles.web import card_link
from webapp.followups import services
from webapp.followups.models import FollowUp
from webapp.followups.outgoing import find_reply_to
from webapp.followups.review import find_review_notes
from webapp.followups.schemas import FAILURES_SHOWN, LOCALES, FollowUpPatch, TemplateIn
from webapp.followups.templating import VARIABLES, TemplateProblem
from webapp.followups.wording import insert_line
from webapp.forms import form_errors
from webapp.validation import MAX_ID

bp = Blueprint("followups", __name__)

#: the list page's sections, in the order a person works through them
SECTIONS = ("draft", "queued", "unknown", "failed", "sent", "cancelled")
LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"
#: each language named in itself
LANGUAGE_NAMES = {"ja": "日本語", "en": "English"}
PAGE = 50
#: people without an email whose texts one page shows
SKIPPED_PAGE = 20


def status_labels() -> dict[str, str]:
    """The list's section names (plural where English has one)."""
    return {"draft": _("Drafts"), "queued": _("Approved, waiting to go out"), "sending": _("Sending"),
            "sent": _("Sent"), "failed": _("Failed"), "unknown": _("May have been sent"),
            "cancelled": _("Cancelled")}


def status_name(status: str) -> str:
    """One follow-up's status, as its page shows it."""
    return {**status_labels(), "draft": _("Draft")}.get(status, status)


def variable_meanings() -> dict[str, str]:
    """What each template variable holds, in the user's language."""
    return {"contact_name": _("their name"), "contact_company": _("their company (empty when unknown)"),
            "event_name": _("the event where you met (empty when none)"),
            "conversation": _("what you talked about at this event, as you noted it"),
            "topic": _("the same as a short quoted topic (「…」 or “…”); empty when your note is longer than a "
                       "topic: then write that line yourself"),
            "earlier_conversation": _("what you talked about the time before (empty when nothing was noted)"),
            "earlier_topic": _("the same as a short quoted topic"),
            "earlier_event_name": _("where you met the time before (empty when unknown)"),
            "met_before": _("“yes” when you had met before (empty the first time)"),
            "promise": _("what you promised and have not done yet, from every meeting (empty when nothing)"),
            "memorable": _("something memorable about them"), "my_name": _("your name"),
            "my_keyword": _("your brand keyword"), "my_card_url": _("the link to your card")}


def _local(value) -> str:
    return to_user_timezone(value).strftime(LOCAL_INPUT_FORMAT) if value else ""


@bp.route("/followups")
@login_required
def index():
    """Every follow-up by status; `?status=` shows one section, with older ones behind `cursor`."""
    only = request.args.get("status")
    if only is not None and only not in status_labels():
        abort(404)
    cursor = request.args.get("cursor", type=int)
    sections = []
    for status in ([only] if only else SECTIONS):
        rows = services.list_followups(current_user, status=status, after_id=cursor if only else None,
                                       limit=PAGE + 1)
        more = url_for("followups.index", status=status, cursor=rows[PAGE - 1].id) if len(rows) > PAGE else None
        sections.append({"status": status, "items": rows[:PAGE], "more": more})
    names = services.contact_names(current_user, [f for section in sections for f in section["items"]])
    return render_template("followups/index.html", sections=sections, names=names, labels=status_labels(),
                           only=only, approved=request.args.get("approved", type=int),
                           reply_to=find_reply_to(current_user))


@bp.route("/followups/approve-all", methods=["POST"])
@login_required
def approve_all():
    try:
        count = services.approve_all(current_user)
    except Conflict:  # one of them changed meanwhile: nothing was queued; show the list again
        count = 0
    return redirect(url_for("followups.index", approved=count))


def _render_show(followup: FollowUp, form: dict, errors: dict, status: int = 200, message: str = ""):
    names = services.contact_names(current_user, [followup])
    return render_template(
        "followups/show.html", followup=followup, contact_name=names.get(followup.contact_id, ""),
        form=form, errors=errors, message=message, status_name=status_name,
        mailto=services.mailto_link(followup), editable=followup.status in services.EDITABLE,
        saved=request.args.get("saved"), reply_to=find_reply_to(current_user),
        notes=find_review_notes(current_user, followup), language_names=LANGUAGE_NAMES), status


@bp.route("/followups/<int:followup_id>", methods=["GET", "POST"])
@login_required
def show(followup_id):
    """Review one follow-up: edit, pick a time, save, approve, cancel or go back to draft."""
    followup = services.get_followup_for(current_user, followup_id)
    if request.method == "GET":
        shown = _local(followup.send_after)
        return _render_show(followup, {"subject": followup.subject, "body": followup.body, "send_after": shown,
                                       "send_after_shown": shown}, {})
    action = request.form.get("action", "save")
    actions = {"save": None, "approve": "queued", "send_now": None, "add_line": None, "cancel": "cancelled",
               "draft": "draft"}
    if action not in actions:
        abort(400)
    raw: dict = {}
    if action != "cancel":
        raw = {key: request.form.get(key, "") for key in ("subject", "body")}
        chosen = (request.form.get("send_after") or "").strip()
        # a time the user changed is an explicit choice (the quiet hours do not apply to it);
        # the one shown by default is left to the rules
        if chosen != (request.form.get("send_after_shown") or "").strip() and action != "send_now":
            raw["send_after"] = local_to_iso(chosen, current_user.timezone) if chosen else None
    if action == "add_line":  # the suggested personal line, into the text as typed so far
        notes = find_review_notes(current_user, followup)
        if notes is not None:
            raw["body"] = insert_line(raw["body"], notes.suggestion)
    if action == "send_now":
        raw["send_now"] = True
    if actions[action]:
        raw["status"] = actions[action]
    try:
        services.update_followup(current_user, followup_id, FollowUpPatch().load(raw))
    except ValidationError as exc:
        return _render_show(followup, request.form, form_errors(exc), 422)
    except ValidationFailed as exc:
        return _render_show(services.get_followup_for(current_user, followup_id), request.form,
                            form_errors(exc), 422)
    except Conflict as exc:
        followup = services.get_followup_for(current_user, followup_id)
        shown = _local(followup.send_after)
        return _render_show(followup, {"subject": followup.subject, "body": followup.body, "send_after": shown,
                                       "send_after_shown": shown}, {}, 409, exc.message)
    return redirect(url_for("followups.show", followup_id=followup_id, saved=action))


def _post_only_action(followup_id: int, service):
    services.get_followup_for(current_user, followup_id)  # another user's: 404 before anything else
    try:
        service(current_user, followup_id)
    except Conflict as exc:
        followup = services.get_followup_for(current_user, followup_id)
        shown = _local(followup.send_after)
        return _render_show(followup, {"subject": followup.subject, "body": followup.body, "send_after": shown,
                                       "send_after_shown": shown}, {}, 409, exc.message)
    return None


@bp.route("/followups/<int:followup_id>/resend", methods=["POST"])
@login_required
def resend(followup_id):
    return _post_only_action(followup_id, services.resend) or redirect(
        url_for("followups.show", followup_id=followup_id, saved="resend"))


@bp.route("/followups/<int:followup_id>/sent-by-hand", methods=["POST"])
@login_required
def sent_by_hand(followup_id):
    return _post_only_action(followup_id, services.mark_sent_by_hand) or redirect(
        url_for("followups.show", followup_id=followup_id, saved="by_hand"))


def _render_templates(forms: dict, errors: dict, status: int = 200, saved: str | None = None):
    return render_template("followups/templates.html", forms=forms, errors=errors, saved=saved,
                           variables=variable_meanings(), names=list(VARIABLES),
                           locale_names={"ja": "日本語", "en": "English"}), status


@bp.route("/followups/templates", methods=["GET", "POST"])
@login_required
def templates():
    """Edit the ja and en templates; a broken one is refused with its line and reason (422)."""
    forms = {locale: services.get_template(current_user, locale) for locale in LOCALES}
    if request.method == "GET":
        return _render_templates(forms, {}, saved=request.args.get("saved"))
    locale = request.form.get("locale")
    if locale not in LOCALES:
        abort(400)
    if request.form.get("action") == "reset":
        services.reset_template(current_user, locale)
        return redirect(url_for("followups.templates", saved=locale) + f"#template-{locale}")
    raw = {key: request.form.get(key, "") for key in ("subject", "body")}
    forms[locale] = {**forms[locale], **raw}
    try:
        services.save_template(current_user, locale, **TemplateIn().load(raw))
    except ValidationError as exc:
        return _render_templates(forms, {locale: form_errors(exc)}, 422)
    except ValidationFailed as exc:
        problem = exc.__cause__
        if isinstance(problem, TemplateProblem):
            text = (_("Line %(line)d: %(reason)s", line=problem.line, reason=problem.reason) if problem.line
                    else problem.reason)
            return _render_templates(forms, {locale: {problem.part: [text]}}, 422)
        return _render_templates(forms, {locale: form_errors(exc)}, 422)
    return redirect(url_for("followups.templates", saved=locale) + f"#template-{locale}")


def _skipped_page(event_id: int, cursor: int | None) -> tuple[list[dict], str | None]:
    rows = services.list_skipped(current_user, event_id, card_url=card_link(current_user), after_id=cursor,
                                 limit=SKIPPED_PAGE + 1)
    more = None
    if len(rows) > SKIPPED_PAGE:
        rows = rows[:SKIPPED_PAGE]
        more = url_for("followups.skipped", event_id=event_id, cursor=rows[-1]["contact_id"])
    return rows, more


@bp.route("/events/<int:event_id>/followups", methods=["POST"])
@login_required
def draft_for_event(event_id):
    """Draft a follow-up for everyone met at the event; show what was made, whom the template failed
    for and why, and the text for the people without an email (a page of them)."""
    result = services.draft_for_event(current_user, event_id, card_url=card_link(current_user))
    names = services.contact_names(current_user, result.created[:PAGE])
    skipped, more = _skipped_page(event_id, None) if result.skipped else ([], None)
    return render_template("followups/drafted.html", result=result, names=names, event_id=event_id,
                           shown=PAGE, failures=result.failed[:FAILURES_SHOWN], skipped=skipped, more=more)


@bp.route("/events/<int:event_id>/followups/skipped")
@login_required
def skipped(event_id):
    """The texts for the people met at the event who have no email, a page at a time."""
    cursor = request.args.get("cursor", type=int)
    if cursor is not None and not 0 < cursor <= MAX_ID:
        abort(404)
    rows, more = _skipped_page(event_id, cursor)
    return render_template("followups/skipped.html", event_id=event_id, skipped=rows, more=more)
