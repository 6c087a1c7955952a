"""The share-back form on a public card: a visitor without an account leaves their contact."""
import pytest

from tests.captures.helpers import share_back
from tests.conftest import bearer, make_token, make_user
from webapp.contacts.models import Contact, Encounter
from webapp.events.models import Event
from webapp.extensions import db
from webapp.profiles import services as profiles


@pytest.fixture
def owner(app):
    user = make_user(name="田中 一郎")
    profiles.update_profile(user, {"name": "田中 一郎", "keyword": "地方の中小企業にAIを届ける"})
    return user


@pytest.fixture
def slug(owner):
    return profiles.get_profile_for(owner).slug


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_visitor_shares_back_and_owner_sees_contact(client, owner, slug):
    r = share_back(client, slug, {"name": "鈴木 花子", "email": "hana@example.com",
                                  "message": "教育AIの話、ありがとうございました"})
    assert r.status_code == 200 and "鈴木 花子" in r.get_data(as_text=True)
    token = make_token(owner)
    contact = db.session.scalar(db.select(Contact).where(Contact.owner_id == owner.id))
    assert contact.name == "鈴木 花子" and contact.email == "hana@example.com"
    encounter = contact.encounters[0]
    assert encounter.source == "share_back" and "教育AI" in encounter.conversation
    r = client.get(f"/api/v1/contacts/{contact.id}", headers=bearer(token))
    assert r.status_code == 200 and r.get_json()["name"] == "鈴木 花子"


def test_share_back_twice_makes_one_copy(client, owner, slug):
    data = {"name": "A", "email": "a@example.com", "message": "hi"}
    share_back(client, slug, data)
    share_back(client, slug, data)
    assert count(Contact) == 1 and count(Encounter) == 1


def test_share_back_is_tied_to_the_event_in_the_link(client, owner, slug):
    event = Event(owner_id=owner.id, name="AI Meetup", code="meetup01")
    db.session.add(event)
    db.session.commit()
    share_back(client, slug, query="?e=meetup01", data={"name": "B", "email": "b@example.com"})
    assert db.session.scalar(db.select(Encounter.event_id)) == event.id


def test_honeypot_is_refused_and_nothing_stored(client, owner, slug):
    r = share_back(client, slug, {"name": "Bot", "email": "bot@example.com", "leave_empty": "http://spam"})
    assert r.status_code == 422
    assert count(Contact) == 0


@pytest.mark.parametrize("data,field", [
    ({"name": "", "email": "a@example.com"}, "name"),
    ({"name": "A", "email": "nope"}, "email"),
    ({"name": "<script>x</script>", "email": "a@example.com"}, "name"),
    ({"name": "A", "email": "a@example.com", "message": "x" * 501}, "message"),
])
def test_bad_share_back_shows_the_form_again(client, owner, slug, data, field):
    r = share_back(client, slug, data)
    assert r.status_code == 422
    assert f'id="{field}-error"' in r.get_data(as_text=True)
    assert count(Contact) == 0


def test_unknown_card_is_404(client, app):
    r = client.post("/c/doesnotexist99/connect", data={"name": "A", "email": "a@example.com"})
    assert r.status_code == 404


def test_share_back_is_rate_limited_per_address(app, client, owner, slug):
    app.config["SHARE_BACK_LIMIT_PER_ADDRESS"] = "5 per minute"
    statuses = [share_back(client, slug, {"name": f"P{i}", "email": f"p{i}@example.com"}).status_code
                for i in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    assert count(Contact) == 5


def test_other_users_do_not_see_shared_back_contacts(client, owner, slug):
    share_back(client, slug, {"name": "C", "email": "c@example.com"})
    other = make_token(make_user())
    r = client.get("/api/v1/contacts", headers=bearer(other))
    assert "c@example.com" not in r.get_data(as_text=True)


def test_card_page_carries_a_plain_share_back_form(client, owner, slug):
    html = client.get(f"/c/{slug}").get_data(as_text=True)
    assert f'action="/c/{slug}/connect"' in html and 'name="leave_empty"' in html
    assert 'name="e"' not in html  # no event in the link, none in the form


def test_card_link_with_event_code_shows_why_im_here_for_that_event(client, owner, slug):
    profiles.update_profile(owner, {"why_here": "いつもの理由"})
    db.session.add(Event(owner_id=owner.id, name="AI Meetup Tokyo", code="meetup02",
                         why_here="教育×AIの仲間を探しに来ました"))
    db.session.commit()
    html = client.get(f"/c/{slug}?e=meetup02").get_data(as_text=True)
    assert "教育×AIの仲間を探しに来ました" in html and "いつもの理由" not in html
    assert "AI Meetup Tokyo" in html
    assert '<input type="hidden" name="e" value="meetup02">' in html
    # a code that is not one of the owner's events changes nothing
    plain = client.get(f"/c/{slug}?e=nosuchcode").get_data(as_text=True)
    assert "いつもの理由" in plain and 'name="e"' not in plain


def test_another_users_event_code_does_not_show_on_my_card(client, owner, slug):
    other = make_user()
    db.session.add(Event(owner_id=other.id, name="Secret offsite", code="secret01", why_here="内緒"))
    db.session.commit()
    html = client.get(f"/c/{slug}?e=secret01").get_data(as_text=True)
    assert "Secret offsite" not in html and "内緒" not in html
