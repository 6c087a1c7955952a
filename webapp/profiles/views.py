"""Profile edit page, the "show my QR" page and the public card pages (HTML, JSON, vCard, QR)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from webapp.errors import AppError
from webapp.forms import form_errors
from webapp.profiles import qr, services, vcard, web
from webapp.profiles.lru import LRU
from webapp.profiles.schemas import CardOut, ProfileIn
from webapp.security import STAMP_SLOT, form_stamp
from webapp.validation import HEX_COLOR

bp = Blueprint("profiles", __name__)

QR_CACHE = "ichigo_qr_cache"
CARD_CACHE = "ichigo_card_cache"
#: where security.inline_style collects the hashes of this response's <style> blocks
CSP_STYLE_HASHES = "csp_style_hashes"
QR_MAX_AGE = 3600


@bp.record_once
def _init_qr_cache(state) -> None:
    size = state.app.config.get("QR_CACHE_SIZE", 512)
    state.app.extensions[QR_CACHE] = qr.QrCache(size)
    state.app.extensions[CARD_CACHE] = LRU(size)


class BadSize(AppError):
    status = 400
    code = "bad_size"


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def edit():
    profile = services.get_profile_for(current_user)
    if request.method == "GET":
        return _render_edit(profile, form=None, errors={}, saved=bool(request.args.get("saved")))
    try:
        data = ProfileIn().load(web.form_input(request.form))
    except ValidationError as exc:
        return _render_edit(profile, form=request.form, errors=flat_errors(exc.messages)), 422
    services.update_profile(current_user, data)
    return redirect(url_for("profiles.edit", saved=1))


def _render_edit(profile, *, form, errors, saved=False):
    card = services.card_data(profile)
    if form is not None:  # show what was typed, not what is stored
        card.update({key: form.get(key, "") for key in services.EDITABLE_FIELDS if key != "links"})
        card["links_text"] = form.get("links", "")
        colour = form.get("signature_color") or ""
        card["signature_color"] = colour.lower() if form.get("use_color") and HEX_COLOR.fullmatch(colour) else None
    else:
        card["links_text"] = "\n".join(card["links"])
    return render_template(
        "profiles/edit.html", profile=profile, card=card, errors=errors, saved=saved,
        advice=web.advice_for(card["keyword"] or ""), card_url=web.card_url(profile.slug),
    )


def flat_errors(messages: dict) -> dict:
    """marshmallow messages as field -> list of strings ("links": {0: [...]} becomes "Link 1: ...")."""
    links = messages.get("links")
    if isinstance(links, dict):
        messages = {**messages, "links": [_("Link %(n)d: %(message)s", n=int(index) + 1, message=" ".join(msgs))
                                          for index, msgs in links.items()]}
    return form_errors(messages)


@bp.route("/qr")
@login_required
def show_qr():
    """My QR, full screen: tied to the active event when there is one (?plain=1: the plain card).
    The page holds both codes, so static/js/show-qr.js switches between them offline too."""
    profile = services.get_profile_for(current_user)
    event = services.find_qr_event(current_user)
    return render_template("profiles/show_qr.html", profile=profile, event=event,
                           plain=request.args.get("plain") == "1", card_url=web.card_url(profile.slug),
                           event_url=web.card_url(profile.slug, event.code) if event else None)


@bp.route("/c/<slug>")
def card(slug):
    """The public card. The page holds nothing per visitor (no session, no CSRF token), so it is
    rendered once per (card content, language, origin, event code) and then served from memory."""
    card = services.get_public_card(slug)
    event = services.get_card_event(slug, request.args.get("e"))
    if event and event["why_here"]:
        card["why_here"] = event["why_here"]  # my reason for being at this event, not in general
    key = (tuple(sorted((k, repr(v)) for k, v in card.items())), str(get_locale()),
           web.public_base_url(), tuple(sorted(event.items())) if event else None)

    def render():
        html = render_template("profiles/card.html", card=card, card_url=web.card_url(slug),
                               event=event, event_code=event["code"] if event else None,
                               stamp_slot=STAMP_SLOT)
        return html, frozenset(g.get(CSP_STYLE_HASHES, ()))

    html, style_hashes = current_app.extensions[CARD_CACHE].get_or_compute(key, render)
    g.setdefault(CSP_STYLE_HASHES, set()).update(style_hashes)  # the page's <style> stays allowed
    # the share-back form notes when this very response was rendered, not when the cached page was
    return html.replace(STAMP_SLOT, form_stamp(url_for("share.connect", slug=slug)), 1)


@bp.route("/c/<slug>.json")
def card_json(slug):
    card = services.get_public_card(slug)
    card["card_url"] = web.card_url(slug)
    return jsonify(CardOut().dump(card))


@bp.route("/c/<slug>.vcf")
def card_vcf(slug):
    card = services.get_public_card(slug)
    labels = {"current_work": _("Current work"), "why_here": _("Why I'm here"),
              "next_challenge": _("What I'll take on next"), "offers": _("I can offer"),
              "asks": _("I'm looking for")}
    body = vcard.build_vcard(card, web.card_url(slug), labels=labels)
    response = Response(body.encode("utf-8"), content_type="text/vcard; charset=utf-8")
    response.headers["Content-Disposition"] = vcard.content_disposition(card["name"])
    return response


@bp.route("/c/<slug>/qr.svg")
def qr_svg(slug):
    return _qr("svg", slug, default_size=None)


@bp.route("/c/<slug>/qr.png")
def qr_png(slug):
    return _qr("png", slug, default_size=qr.DEFAULT_SIZE)


def _qr(fmt: str, slug: str, *, default_size: int | None):
    size = parse_size(request.args.get("size"), default_size)
    meta = services.get_card_meta(slug, request.args.get("e"))
    cache: qr.QrCache = current_app.extensions[QR_CACHE]
    image = cache.get(fmt, web.card_url(meta.slug, meta.event_code), qr.module_colour(meta.signature_color), size)
    headers = {"ETag": f'"{image.etag}"', "Cache-Control": f"public, max-age={QR_MAX_AGE}"}
    if image.etag in request.if_none_match:
        return Response(status=304, headers=headers)
    return Response(image.body, mimetype=image.media_type, headers=headers)


def parse_size(raw: str | None, default: int | None) -> int | None:
    """?size= in pixels: a whole number within the PNG bounds; anything else is a 400."""
    if raw is None:
        return default
    low, high = qr.PNG_SIZES
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 5 and low <= int(raw) <= high):
        raise BadSize(_("size must be a whole number from %(low)d to %(high)d.", low=low, high=high),
                      fields={"size": [_("From %(low)d to %(high)d.", low=low, high=high)]})
    return int(raw)
