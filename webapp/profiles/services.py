"""Profile rules: one profile per user, edits, the public card and the keyword coach."""
from __future__ import annotations

from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from webapp.auth.models import User
from webapp.db_setup import unit_of_work
from webapp.errors import NotFound
from webapp.events.models import Event
from webapp.extensions import db
from webapp.profiles import coach
from webapp.profiles.models import Profile

#: what the card, its JSON, vCard and QR may show; everything else stays private
PUBLIC_FIELDS = ("name", "name_reading", "keyword", "current_work", "why_here", "next_challenge",
                 "signature_color", "signature_text", "offers", "asks", "links", "public_email",
                 "public_phone", "company", "title")
EDITABLE_FIELDS = PUBLIC_FIELDS


_profiles = Profile.__table__
#: built once: Core statements skip the ORM's per-call work on the hot public paths
_CARD_META = select(_profiles.c.signature_color, _profiles.c.name, _profiles.c.keyword).where(
    _profiles.c.slug == bindparam("slug"))
_CARD = select(_profiles.c.slug, *(_profiles.c[key] for key in PUBLIC_FIELDS)).where(
    _profiles.c.slug == bindparam("slug"))


class CardNotFound(NotFound):
    code = "card_not_found"
    message = _l("No card here.")


class CardMeta(NamedTuple):
    """What the QR endpoints need to know about a card, without loading the profile."""

    slug: str
    signature_color: str | None
    #: the `?e=` code to encode when it names one of the card owner's own events, else None
    event_code: str | None = None


def create_profile_for(user: User) -> Profile:
    """Give a new user an empty profile (the card stays private until name and keyword are set)."""
    profile = Profile(user_id=user.id, name=user.name)
    db.session.add(profile)
    db.session.flush()
    return profile


def on_user_created(user: User) -> None:
    """Subscriber to auth's ``user_created``: every new account gets its profile at sign-up."""
    create_profile_for(user)


def get_profile_for(user: User) -> Profile:
    """The user's own profile; there is no way to ask for another user's."""
    profile = db.session.scalar(select(Profile).where(Profile.user_id == user.id))
    if profile is None:
        raise NotFound(_l("No profile."))
    return profile


@unit_of_work
def update_profile(user: User, data: dict) -> Profile:
    """Replace the user's brand profile with validated ``data`` (a loaded ProfileIn)."""
    profile = get_profile_for(user)
    for key in EDITABLE_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key == "links":
            value = list(dict.fromkeys(value or []))
        elif key == "signature_color":
            value = value or None
        elif value is None:
            value = ""
        setattr(profile, key, value)
    if data.get("name"):
        profile.user.name = profile.name  # the account's copy of the one display name
    return profile


def display_name(user: User) -> str:
    """The user's one name, as on their card: the home greeting, mails, the digest all use it."""
    name = db.session.scalar(select(Profile.name).where(Profile.user_id == user.id))
    return name or user.name


def get_public_profile(slug: str) -> Profile:
    """The public card behind a slug; unknown slugs and unfinished cards are not found."""
    profile = db.session.scalar(select(Profile).where(Profile.slug == slug))
    if profile is None or not profile.is_public:
        raise CardNotFound()
    return profile


def get_public_card(slug: str) -> dict:
    """The public fields of a card as a dict, in one narrow query; unknown or unfinished: not found."""
    row = db.session.execute(_CARD, {"slug": slug}).mappings().first()
    if row is None or not (row["name"] and row["keyword"]):
        raise CardNotFound()
    data = dict(row)
    data["links"] = list(data["links"] or [])
    return data


def _plausible_code(code: str | None) -> bool:
    return bool(code) and len(code) <= 16 and code.isascii() and code.isalnum()


def get_card_event(slug: str, code: str | None) -> dict | None:
    """The event behind a card link's `?e=<code>`: its name and the owner's "why I'm here" for it.

    Only an event of the card's own owner counts; any other code is ignored, so a made-up code
    neither shows anything nor fills the page cache."""
    if not _plausible_code(code):
        return None
    row = db.session.execute(
        select(Event.name, Event.why_here, Event.code)
        .join(Profile, Profile.user_id == Event.owner_id)
        .where(Profile.slug == slug, Event.code == code)
    ).mappings().first()
    return dict(row) if row else None


class QrEvent(NamedTuple):
    """The event the owner's "show my QR" screen is for: the one active now."""

    name: str
    code: str


def find_qr_event(user: User) -> QrEvent | None:
    """The user's active event, whose code "show my QR" puts in the card link; None when none is."""
    row = db.session.execute(select(Event.name, Event.code).where(
        Event.owner_id == user.id, Event.is_active.is_(True))).first()
    return QrEvent(row.name, row.code) if row else None


def get_card_meta(slug: str, event_code: str | None = None) -> CardMeta:
    """Slug and colour of a public card in one narrow query (the QR endpoints are hot), and
    ``event_code`` back when it is one of the owner's events (anyone else's code: None)."""
    if not _plausible_code(event_code):
        row = db.session.execute(_CARD_META, {"slug": slug}).first()
        event_code = None
    else:
        row = db.session.execute(_CARD_META.add_columns(Event.code).outerjoin(
            Event, (Event.owner_id == _profiles.c.user_id) & (Event.code == event_code)), {"slug": slug}).first()
        event_code = row.code if row is not None else None
    if row is None or not (row.name and row.keyword):
        raise CardNotFound()
    return CardMeta(slug, row.signature_color, event_code)


def card_data(profile: Profile) -> dict:
    """The public fields of a profile as a plain dict (for the card page, JSON and vCard)."""
    data = {key: getattr(profile, key) for key in PUBLIC_FIELDS}
    data["links"] = list(data["links"] or [])
    data["slug"] = profile.slug
    return data


def keyword_advice(keyword: str, locale: str = "en", translate=None) -> list[dict]:
    """The coach's advice on a keyword as dicts (code, message, example); never blocks a save."""
    return [advice.as_dict() for advice in coach.advise(keyword, locale, translate=translate)]
