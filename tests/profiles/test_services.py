"""Profile services: one's own profile only, the public card, and what never leaves it."""
import pytest

from tests.conftest import make_user
from tests.profiles.helpers import FULL_PROFILE, fill_profile
from webapp.errors import NotFound
from webapp.extensions import db
from webapp.profiles import services
from webapp.profiles.models import Profile


def test_new_user_has_a_private_card_until_name_and_keyword(app):
    user = make_user()
    profile = services.get_profile_for(user)
    assert profile.name == user.name and not profile.keyword
    assert not profile.is_public
    with pytest.raises(NotFound):
        services.get_public_profile(profile.slug)


def test_update_profile_stores_everything_and_makes_the_card_public(app):
    user = make_user()
    profile = fill_profile(user)
    db.session.expire_all()
    stored = db.session.get(Profile, profile.id)
    for key, value in FULL_PROFILE.items():
        assert getattr(stored, key) == value
    assert services.get_public_profile(stored.slug).id == stored.id


def test_update_profile_replaces_the_whole_profile(app):
    user = make_user()
    fill_profile(user)
    profile = fill_profile(user, company="", links=[], signature_color=None, public_email=None)
    assert (profile.company, profile.links, profile.signature_color, profile.public_email) == ("", [], None, "")


def test_duplicate_links_are_kept_once(app):
    profile = fill_profile(make_user(), links=["https://a.example/", "https://a.example/"])
    assert profile.links == ["https://a.example/"]


def test_slug_never_changes_on_update(app):
    user = make_user()
    slug = services.get_profile_for(user).slug
    assert fill_profile(user).slug == slug
    assert len(slug) >= 10


def test_each_user_only_ever_gets_their_own_profile(app):
    alice, bob = make_user(), make_user()
    fill_profile(alice, keyword="I build AI tools for teachers")
    fill_profile(bob, keyword="I automate bookkeeping for small shops")
    assert services.get_profile_for(alice).keyword == "I build AI tools for teachers"
    assert services.get_profile_for(bob).keyword == "I automate bookkeeping for small shops"
    assert services.get_profile_for(alice).id != services.get_profile_for(bob).id


def test_unknown_slug_is_not_found(app):
    with pytest.raises(NotFound):
        services.get_public_profile("nosuchslug234")
    with pytest.raises(NotFound):
        services.get_card_meta("nosuchslug234")


def test_card_meta_reads_colour_of_public_cards_only(app):
    user = make_user()
    slug = services.get_profile_for(user).slug
    with pytest.raises(NotFound):
        services.get_card_meta(slug)
    fill_profile(user)
    assert services.get_card_meta(slug) == (slug, "#1e6b52", None)


def test_card_meta_gives_back_only_the_owners_own_event_code(app):
    from webapp.events.services import create_event

    owner, stranger = make_user(), make_user()
    fill_profile(owner)
    slug = services.get_profile_for(owner).slug
    mine = create_event(owner, {"name": "Mine"})
    theirs = create_event(stranger, {"name": "Theirs"})
    assert services.get_card_meta(slug, mine.code).event_code == mine.code
    for code in (theirs.code, "nosuch", None, "", "a" * 17, "ab'cd"):
        assert services.get_card_meta(slug, code) == (slug, "#1e6b52", None)


def test_card_data_holds_only_public_fields(app):
    user = make_user(email="private-marker-9c1@example.com")
    data = services.card_data(fill_profile(user))
    assert set(data) == set(services.PUBLIC_FIELDS) | {"slug"}
    assert "private-marker-9c1" not in repr(data)


def test_keyword_advice_warns_without_blocking_a_save(app):
    profile = fill_profile(make_user(), keyword="会社員です")
    assert profile.keyword == "会社員です"
    assert [a["code"] for a in services.keyword_advice(profile.keyword)] == ["generic"]
