"""Request-side helpers shared by the profile pages and the API: card URLs, advice, form input."""
from __future__ import annotations

import re
from urllib.parse import quote

from flask import current_app, request
from flask_babel import get_locale, gettext

from webapp.profiles import services
from webapp.profiles.models import Profile
from webapp.profiles.schemas import ProfileIn


def public_base_url() -> str:
    """PUBLIC_BASE_URL when configured, else the origin this request came to; no trailing slash."""
    return (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")


def card_url(slug: str, event_code: str | None = None) -> str:
    """Exactly what the QR code encodes: the card, tied to one of its owner's events by `?e=`."""
    url = f"{public_base_url()}/c/{slug}"
    return f"{url}?e={quote(event_code, safe='')}" if event_code else url


def card_link(user) -> str:
    """The user's card URL, to which an event adds ?e=<code>."""
    return card_url(services.get_profile_for(user).slug)


def advice_for(keyword: str) -> list[dict]:
    return services.keyword_advice(keyword, str(get_locale() or "en"), translate=gettext)


def profile_out(profile: Profile) -> dict:
    """The owner's view of their profile (ProfileOut)."""
    data = services.card_data(profile)
    data.update(card_url=card_url(profile.slug), is_public=profile.is_public,
                keyword_advice=advice_for(profile.keyword))
    return data


def card_out(profile: Profile) -> dict:
    """The public view of a card (CardOut)."""
    data = services.card_data(profile)
    data["card_url"] = card_url(profile.slug)
    return data


def form_input(form) -> dict:
    """An HTML form as ProfileIn input: only schema fields, links one per line, colour opt-in."""
    names = set(ProfileIn().fields)
    data = {key: form.get(key) for key in form if key in names and key not in ("links", "signature_color")}
    data["links"] = [line.strip() for line in re.split(r"\r\n|\r|\n", form.get("links") or "") if line.strip()]
    data["signature_color"] = form.get("signature_color") if form.get("use_color") else None
    if "public_email" in data and not (data["public_email"] or "").strip():
        data["public_email"] = None
    return data
