"""Keep-in-touch pages: what is due, triage after an event, the yearly review, promises, matches,
cadence and reminder settings; the one-tap actions they post to; and the secret calendar feed."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from webapp.contacts.models import TIERS
from webapp.contacts.services import list_contacts, list_event_choices
from webapp.db import utcnow
from webapp.errors import AppError, NotFound, ValidationFailed
from webapp.forms import form_errors
from webapp.profiles.web import card_link
from webapp.profiles.web import public_base_url
from webapp.relationships import cadence, services
from webapp.relationships import promises as promise_services
from webapp.relationships import settings as reminder_settings
from webapp.relationships.checkin import draft_checkin
from webapp.relationships.due import KINDS, decode_cursor, list_reminders
from webapp.relationships.labels import channel_labels, kind_labels, reminder_label, tier_labels
from webapp.relationships.schemas import InteractionIn, PolicyIn, PromiseIn, ReminderSettingsIn, TierIn
from webapp.urls import safe_next

bp = Blueprint("relationships", __name__)

#: snooze choices offered on a reminder, in days
SNOOZE_DAYS = (1, 7, 30)


def _load(schema, data: dict) -> dict:
    """A one-tap form through its API schema: bad input is a 422 with per-field messages."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(fields=form_errors(exc)) from None


def _back(default: str):
    return redirect(safe_next(request.form.get("next")) if request.form.get("next") else default)


def due_view(items, more: str | None = None) -> dict:
    """What templates/reminders/_due.html needs: the items and the words and helpers to show them."""
    return {"items": items, "more": more, "label": reminder_label, "tiers": tier_labels(), "kinds": kind_labels(),
            "channel_kinds": cadence.CHANNELS, "snooze_days": SNOOZE_DAYS, "tz": current_user.timezone,
            "local_date": cadence.local_date}


@bp.app_template_global("keep_kind_labels")
def keep_kind_labels() -> dict[str, str]:
    """The one-tap touches, for the contact page's keep-in-touch partial."""
    return kind_labels()


@bp.app_template_global("due_reminders")
def due_reminders(limit: int = 5, kinds: tuple = KINDS) -> dict:
    """The home screen's first few reminders (the partial calls it when the page did not pass them)."""
    if not current_user.is_authenticated:
        return due_view([])
    page = services.list_due_for_home(current_user, now=utcnow(), limit=limit, kinds=kinds)
    return due_view(page.items, url_for("relationships.due") if page.next_cursor else None)


# -- what is due ----------------------------------------------------------------------------
@bp.route("/reminders")
@login_required
def due():
    kind = request.args.get("kind") or None
    if kind not in (None, *KINDS):
        kind = None
    cursor = decode_cursor(request.args.get("cursor", ""))
    page = list_reminders(current_user, now=utcnow(), kinds=(kind,) if kind else KINDS, cursor=cursor, limit=30)
    more = url_for("relationships.due", kind=kind, cursor=page.next_cursor) if page.next_cursor else None
    return render_template("relationships/due.html", kind=kind, kind_names=_kind_filter_labels(),
                           keep_due=due_view(page.items, more))


def _kind_filter_labels() -> dict[str, str]:
    return {"touch": _("Touches"), "promise": _("Promises"), "review": _("Reviews"), "sort": _("To sort")}


@bp.route("/reminders/snooze", methods=["POST"])
@login_required
def snooze():
    try:
        contact_id = int(request.form.get("contact_id", ""))
        days = int(request.form.get("days", "7"))
    except ValueError:
        raise ValidationFailed(fields={"days": [_("Not a valid number.")]}) from None
    if not 1 <= days <= 365:
        raise ValidationFailed(fields={"days": [_("From %(low)d to %(high)d.", low=1, high=365)]})
    kind = request.form.get("kind", "")
    if kind not in ("touch", "review", "sort"):
        raise ValidationFailed(fields={"kind": [_("Choose one of the options.")]})
    now = utcnow()
    services.snooze(current_user, contact_id, kind, request.form.get("channel"), now + timedelta(days=days), now=now)
    return _back(url_for("relationships.due"))


# -- one-tap actions on a contact ------------------------------------------------------------
@bp.route("/contacts/<int:contact_id>/touch", methods=["POST"])
@login_required
def touch(contact_id):
    data = _load(InteractionIn(), {"kind": request.form.get("kind", "")})
    services.log_interaction(current_user, contact_id, data["kind"])
    return _back(url_for("contacts.show", contact_id=contact_id))


@bp.route("/contacts/<int:contact_id>/tier", methods=["POST"])
@login_required
def set_tier(contact_id):
    data = _load(TierIn(), {"tier": request.form.get("tier", "")})
    services.set_tier(current_user, contact_id, data["tier"])
    return _back(url_for("contacts.show", contact_id=contact_id))


@bp.route("/contacts/<int:contact_id>/checkin", methods=["POST"])
@login_required
def checkin(contact_id):
    followup = draft_checkin(current_user, contact_id, card_url=card_link(current_user))
    return redirect(url_for("followups.show", followup_id=followup.id))


@bp.route("/contacts/<int:contact_id>/promises", methods=["POST"])
@login_required
def add_promise(contact_id):
    data = _load(PromiseIn(), {"text": request.form.get("text", ""), "due_on": request.form.get("due_on") or None})
    promise_services.create_promise(current_user, contact_id, data["text"], data["due_on"])
    return _back(url_for("contacts.show", contact_id=contact_id))


# -- promises -------------------------------------------------------------------------------
@bp.route("/promises")
@login_required
def promises():
    status = "done" if request.args.get("status") == "done" else "open"
    rows = promise_services.list_promises(current_user, status=status, limit=200)
    names = services.contact_names_for(current_user, {p.contact_id for p in rows})
    today = cadence.local_date(utcnow(), current_user.timezone)
    return render_template("relationships/promises.html", promises=rows, names=names, status=status, today=today,
                           kinds=kind_labels())


@bp.route("/promises/<int:promise_id>/done", methods=["POST"])
@login_required
def promise_done(promise_id):
    data = {"done": request.form.get("done", "1") == "1"}
    log_kind = request.form.get("log_kind") or None
    if log_kind:
        if log_kind not in cadence.INTERACTION_KINDS:
            raise ValidationFailed(fields={"log_kind": [_("Choose one of the options.")]})
        data["log_kind"] = log_kind
    promise_services.update_promise(current_user, promise_id, data)
    return _back(url_for("relationships.promises"))


# -- triage and review ----------------------------------------------------------------------
@bp.route("/reminders/triage")
@login_required
def triage():
    """One tap per person: the unsorted contacts met at an event (or anywhere), with what was said."""
    event_id = request.args.get("event_id", type=int)
    page = list_contacts(current_user, event_id=event_id, tier="unsorted", limit=100)
    events = list_event_choices(current_user)
    return render_template("relationships/triage.html", rows=page.items, events=events, event_id=event_id,
                           tiers=tier_labels())


@bp.route("/reminders/review")
@login_required
def review():
    tier = request.args.get("tier", "grow")
    if tier not in TIERS:
        raise NotFound()
    summaries, cap = services.review_summary(current_user)
    contacts = services.list_for_review(current_user, tier)
    touches = services.recent_touches(current_user, [c.id for c in contacts])
    grow = next(s for s in summaries if s.tier == "grow")
    now = utcnow()
    stale_before = now - timedelta(days=cadence.REVIEW_AFTER_DAYS)
    return render_template("relationships/review.html", tier=tier, summaries=summaries, cap=cap,
                           over_cap=grow.count > cap, contacts=contacts, touches=touches, tiers=tier_labels(),
                           kinds=kind_labels(), stale_before=stale_before)


@bp.route("/reminders/matches")
@login_required
def matches():
    items, has_offers = services.list_matches(current_user)
    return render_template("relationships/matches.html", items=items, has_offers=has_offers)


# -- cadence and settings -------------------------------------------------------------------
@bp.route("/reminders/cadence", methods=["GET", "POST"])
@login_required
def cadence_page():
    errors, status, failed_tier = {}, 200, None
    if request.method == "POST":
        tier = request.form.get("tier", "")
        if tier not in TIERS:
            raise NotFound()
        if request.form.get("reset"):
            services.reset_policy(current_user, tier)
            return redirect(url_for("relationships.cadence_page", saved=tier))
        rhythms = []
        for channel in cadence.CHANNELS:
            every = request.form.get(f"{channel}_every", "").strip()
            if every:
                within = request.form.get(f"{channel}_within", "").strip()
                rhythms.append({"channel": channel, "every_days": _number(every),
                                "within_days": _number(within) if within else None})
        try:
            data = PolicyIn().load({"rhythms": rhythms})
            services.save_policy(current_user, tier, data["rhythms"])
            return redirect(url_for("relationships.cadence_page", saved=tier))
        except ValidationError as exc:
            errors, status, failed_tier = _rhythm_errors(exc, rhythms), 422, tier
    policies = services.list_policies(current_user)
    for policy in policies:
        policy["by_channel"] = {r["channel"]: r for r in policy["rhythms"]}
    return render_template("relationships/cadence.html", policies=policies,
                           channels=channel_labels(), tiers=tier_labels(), errors=errors, failed_tier=failed_tier,
                           form=request.form, saved=request.args.get("saved")), status


def _number(text: str):
    """A whole number typed in a form, else the text itself (the schema refuses it with a message)."""
    return int(text) if text.isdigit() and len(text) < 7 else text


def _rhythm_errors(problem: ValidationError, rhythms: list[dict]) -> dict:
    """rhythms.<i>.<field> errors keyed by the form's input names (<channel>_every, <channel>_within)."""
    out = {}
    for key, msgs in form_errors(problem).items():
        _rhythms, _dot, rest = key.partition(".")
        index, _dot, field = rest.partition(".")
        if not index.isdigit() or not field:
            out["_form"] = msgs
            continue
        channel = rhythms[int(index)]["channel"]
        out[f"{channel}_every" if field == "every_days" else f"{channel}_within"] = msgs
    return out


@bp.route("/reminders/settings", methods=["GET", "POST"])
@login_required
def settings_page():
    errors, status, feed_url = {}, 200, None
    if request.method == "POST":
        action = request.form.get("action", "save")
        if action == "new_feed":
            token = reminder_settings.create_feed_token(current_user)
            feed_url = f"{public_base_url()}{url_for('relationships.feed', token=token)}"
        elif action == "revoke_feed":
            reminder_settings.revoke_feed(current_user)
            return redirect(url_for("relationships.settings_page", saved=1))
        else:
            try:
                cap = request.form.get("grow_cap", "").strip()
                data = ReminderSettingsIn().load({"grow_cap": _number(cap),
                                                  "digest": request.form.get("digest", "off")})
                reminder_settings.update_settings(current_user, data)
                return redirect(url_for("relationships.settings_page", saved=1))
            except ValidationError as exc:
                errors, status = form_errors(exc), 422
    settings = reminder_settings.get_settings(current_user)
    form = request.form if errors else {"grow_cap": settings.grow_cap, "digest": settings.digest}
    return render_template("relationships/settings.html", settings=settings, form=form, errors=errors,
                           feed_url=feed_url, saved=request.args.get("saved")), status


# -- the calendar feed (public: the secret in the URL is the key) ----------------------------
@bp.route("/feeds/<token>.ics")
def feed(token):
    try:
        body = reminder_settings.feed_document(token, base_url=public_base_url())
    except AppError:
        return Response(_("No such calendar feed."), status=404, mimetype="text/plain")
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
