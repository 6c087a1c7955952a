"""Contact pages: list with search and filters, detail, edit, delete and merge; 404 for others."""
import pytest

from tests.conftest import csrf_token_of
from tests.contacts.helpers import capture, fresh, make_event
from webapp.contacts.models import Contact, Encounter
from webapp.extensions import db


def page(client, path, status=200):
    r = client.get(path)
    assert r.status_code == status, r.get_data(as_text=True)[:500]
    return r.get_data(as_text=True)


def post(client, path, data):
    return client.post(path, data={"csrf_token": csrf_token_of(client, "/contacts"), **data})


def test_list_shows_name_company_and_last_conversation(client, logged_in):
    capture(logged_in, "やまだ 太郎", company="Acme", conversation="教育AIと採点の話")
    html = page(client, "/contacts")
    assert "やまだ 太郎" in html and "Acme" in html and "教育AIと採点の話" in html


def test_search_box_finds_katakana_and_half_width_queries(client, logged_in):
    capture(logged_in, "やまだ 太郎")
    capture(logged_in, "鈴木 一郎")
    for query in ("ヤマダ", "ﾔﾏﾀﾞ"):
        html = page(client, f"/contacts?q={query}")
        assert "やまだ 太郎" in html and "鈴木 一郎" not in html


def test_filters_by_event_and_tier_with_empty_filters_ignored(client, logged_in):
    event = make_event(logged_in, "Kyoto Meetup")
    capture(logged_in, "At Kyoto", event_id=event)
    capture(logged_in, "Elsewhere", event_id=None)
    html = page(client, f"/contacts?q=&tier=&event_id={event}")
    assert "At Kyoto" in html and "Elsewhere" not in html and "Kyoto Meetup" in html
    html = page(client, "/contacts?tier=grow")
    assert "At Kyoto" not in html and "Nobody matches" in html


def test_search_comes_first_and_the_filters_are_folded_until_used(client, logged_in):
    import re

    event = make_event(logged_in, "Kyoto Meetup")
    capture(logged_in, "At Kyoto", event_id=event)
    html = page(client, "/contacts")
    main = html.split("<main", 1)[1]
    assert main.index('id="q"') < main.index("<details") < main.index('id="event_id"') < main.index("At Kyoto")
    assert re.search(r'<details class="filters">', main)  # folded
    for path in (f"/contacts?event_id={event}", "/contacts?tier=grow"):
        assert re.search(r'<details class="filters" open>', page(client, path))  # a filter in use shows
    assert re.search(r'<details class="filters" open>', page(client, "/contacts?tier=gold", status=422))


def test_bad_filter_re_renders_with_422(client, logged_in):
    html = page(client, "/contacts?tier=gold", status=422)
    assert 'id="tier-error"' in html


def test_more_link_walks_every_contact_once(client, logged_in):
    for i in range(53):
        capture(logged_in, f"Person {i:02d}", minutes=i)
    first = page(client, "/contacts")
    assert "Person 52" in first and "Person 02" not in first
    more = first.split('class="button" href="')[1].split('"')[0].replace("&amp;", "&")
    second = page(client, more)
    assert "Person 02" in second and "Person 03" not in second and "cursor=" not in second


def test_detail_shows_meetings_with_event_promises_and_notes(client, logged_in):
    event = make_event(logged_in, "Tokyo AI Meetup")
    contact_id = capture(logged_in, "Sato", email="s@example.com", event_id=event, conversation="AI in schools",
                         needs="needs testers", memorable="blue scarf", promise="send the article")
    capture(logged_in, "Sato", email="s@example.com", conversation="second chat", minutes=60)
    html = page(client, f"/contacts/{contact_id}")
    for text in ("Tokyo AI Meetup", "AI in schools", "needs testers", "blue scarf", "send the article",
                 "second chat", f"/contacts/{contact_id}/edit", f"/contacts/{contact_id}/delete"):
        assert text in html
    assert html.index("AI in schools") < html.index("second chat")


def test_detail_offers_to_merge_a_possible_duplicate(client, logged_in):
    first = capture(logged_in, "ヤマダ タロウ")
    second = capture(logged_in, "やまだ たろう")
    html = page(client, f"/contacts/{second}")
    assert f"/contacts/{first}/merge?other={second}" in html


def test_edit_saves_and_shows_the_contact(client, logged_in):
    contact_id = capture(logged_in, "Old")
    html = page(client, f"/contacts/{contact_id}/edit")
    assert 'value="Old"' in html
    r = post(client, f"/contacts/{contact_id}/edit", {
        "name": "New", "name_reading": "", "email": "", "phone": "", "company": "Initech", "title": "",
        "card_url": "", "notes": "met twice", "tier": "grow"})
    assert r.status_code == 302 and r.headers["Location"].startswith(f"/contacts/{contact_id}")
    fresh()
    contact = db.session.get(Contact, contact_id)
    assert (contact.name, contact.company, contact.notes, contact.tier) == ("New", "Initech", "met twice", "grow")


@pytest.mark.parametrize("field,value", [
    ("name", ""), ("email", "nope"), ("card_url", "javascript:alert(1)"), ("tier", "gold"), ("notes", "x" * 5001),
    ("language", "fr"),
])
def test_bad_edit_re_renders_with_field_error_and_changes_nothing(client, logged_in, field, value):
    contact_id = capture(logged_in, "Keep me")
    r = post(client, f"/contacts/{contact_id}/edit", {"name": "Changed", "company": "Changed", field: value})
    assert r.status_code == 422
    assert f'id="{field}-error"' in r.get_data(as_text=True)
    fresh()
    assert db.session.get(Contact, contact_id).company == ""


def test_edit_to_another_contacts_email_is_409_with_merge_link(client, logged_in):
    first = capture(logged_in, "First", email="same@example.com")
    second = capture(logged_in, "Second")
    r = post(client, f"/contacts/{second}/edit", {"name": "Second", "email": "same@example.com"})
    assert r.status_code == 409
    assert f"/contacts/{second}/merge?other={first}" in r.get_data(as_text=True)


def test_delete_form_deletes_and_returns_to_the_list(client, logged_in):
    contact_id = capture(logged_in)
    r = post(client, f"/contacts/{contact_id}/delete", {})
    assert r.status_code == 302 and r.headers["Location"] == "/contacts"
    fresh()
    assert db.session.get(Contact, contact_id) is None


def test_merge_page_confirms_then_merges(client, logged_in):
    keep = capture(logged_in, "Keep", conversation="first")
    other = capture(logged_in, "Other", conversation="second", minutes=5)
    html = page(client, f"/contacts/{keep}/merge?other={other}")
    assert "Keep" in html and "Other" in html and f'value="{other}"' in html
    r = post(client, f"/contacts/{keep}/merge", {"other_id": str(other)})
    assert r.status_code == 302
    fresh()
    assert db.session.get(Contact, other) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Encounter).filter_by(contact_id=keep)) == 2


def test_merge_page_refuses_merging_a_contact_into_itself(client, logged_in):
    keep = capture(logged_in)
    assert page(client, f"/contacts/{keep}/merge?other={keep}", status=422)
    assert post(client, f"/contacts/{keep}/merge", {"other_id": str(keep)}).status_code == 422


def test_another_users_contact_pages_are_404(client, logged_in, stranger):
    theirs = capture(stranger, "Their Secret Name")
    mine = capture(logged_in, "Mine")
    responses = [
        client.get(f"/contacts/{theirs}"),
        client.get(f"/contacts/{theirs}/edit"),
        post(client, f"/contacts/{theirs}/edit", {"name": "Stolen"}),
        post(client, f"/contacts/{theirs}/delete", {}),
        client.get(f"/contacts/{theirs}/merge?other={mine}"),
        client.get(f"/contacts/{mine}/merge?other={theirs}"),
        post(client, f"/contacts/{mine}/merge", {"other_id": str(theirs)}),
        post(client, f"/contacts/{theirs}/merge", {"other_id": str(mine)}),
        client.get(f"/contacts/{mine}/merge"),
    ]
    assert [r.status_code for r in responses] == [404] * len(responses)
    assert not any("Their Secret Name" in r.get_data(as_text=True) for r in responses)
    assert "Their Secret Name" not in page(client, "/contacts")
    fresh()
    assert db.session.get(Contact, theirs).name == "Their Secret Name"


def test_a_guessed_reading_says_so_until_the_edit_is_saved(client, logged_in):
    import re

    contact_id = capture(logged_in, "佐藤 花子")
    assert "reading guessed from the name" in client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    html = client.get(f"/contacts/{contact_id}/edit").get_data(as_text=True)
    assert 'value="さとう はなこ"' in html and "Saving keeps it as yours" in html
    form = {key: value for key, value in re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', html)}
    form["notes"], form["tier"] = "", "unsorted"
    assert client.post(f"/contacts/{contact_id}/edit", data=form).status_code == 302
    assert "reading guessed" not in client.get(f"/contacts/{contact_id}").get_data(as_text=True)


def test_the_edit_page_shows_and_changes_their_language(client, logged_in):
    contact_id = capture(logged_in, "Tom Baker")
    html = page(client, f"/contacts/{contact_id}/edit")
    assert '<option value="en" lang="en" selected>English</option>' in html
    r = post(client, f"/contacts/{contact_id}/edit", {"name": "Tom Baker", "language": "ja"})
    assert r.status_code == 302
    fresh()
    assert db.session.get(Contact, contact_id).language == "ja"
