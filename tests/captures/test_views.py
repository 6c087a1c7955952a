"""The quick-capture page: name first, the active event by default, one contact however often posted."""
import re
import uuid

import pytest

from tests.conftest import csrf_token_of
from tests.contacts.helpers import capture, fresh, make_event
from webapp.contacts.models import Contact, Encounter, Promise
from webapp.extensions import db

CLIENT_ID = re.compile(r'name="client_id" value="([0-9a-f-]{36})"')


@pytest.fixture
def client(fresh_client):
    return fresh_client


def count(model):
    fresh()
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def blank_form(client) -> dict:
    html = client.get("/capture").get_data(as_text=True)
    return {"csrf_token": csrf_token_of(client, "/capture"), "client_id": CLIENT_ID.search(html).group(1),
            "event_id": "", "name": "", "email": "", "phone": "", "company": "", "title": "",
            "conversation": "", "needs": "", "promise": "", "promise_due": "", "memorable": ""}


def test_form_focuses_the_name_and_has_a_fresh_client_id_each_time(client, logged_in):
    first = client.get("/capture").get_data(as_text=True)
    second = client.get("/capture").get_data(as_text=True)
    assert re.search(r'<input id="name"[^>]*autofocus', first)
    ids = CLIENT_ID.search(first).group(1), CLIENT_ID.search(second).group(1)
    assert ids[0] != ids[1] and all(uuid.UUID(i) for i in ids)


def test_form_defaults_to_the_active_event(client, logged_in):
    make_event(logged_in, "Old meetup")
    active = make_event(logged_in, "Tonight's Meetup", active=True)
    html = client.get("/capture").get_data(as_text=True)
    assert re.search(rf'<option value="{active}" selected>Tonight', html)


def test_capture_stores_the_person_and_confirms(client, logged_in):
    event = make_event(logged_in, "Meetup", active=True)
    form = {**blank_form(client), "event_id": str(event), "name": "佐藤 花子", "email": "Hanako@Example.com",
            "company": "Acme", "conversation": "教育AIの話", "needs": "testers", "promise": "記事を送る",
            "promise_due": "2026-12-01", "memorable": "青いスカーフ"}
    r = client.post("/capture", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    fresh()
    contact = db.session.scalar(db.select(Contact))
    assert r.headers["Location"] == f"/capture?done={contact.id}"
    assert (contact.email, contact.company) == ("hanako@example.com", "Acme")
    [encounter] = contact.encounters
    assert (encounter.event_id, encounter.conversation, encounter.needs, encounter.memorable) == (
        event, "教育AIの話", "testers", "青いスカーフ")
    assert [(p.text, str(p.due_on)) for p in contact.promises] == [("記事を送る", "2026-12-01")]
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Saved: 佐藤 花子" in html and 'href="/capture"' in html and f"/contacts/{contact.id}" in html


def test_no_event_choice_stores_a_meeting_without_event(client, logged_in):
    make_event(logged_in, "Meetup", active=True)
    client.post("/capture", data={**blank_form(client), "event_id": "", "name": "Nobody's event"})
    fresh()
    assert db.session.scalar(db.select(Encounter)).event_id is None


def test_the_same_form_posted_twice_stores_one_contact(client, logged_in):
    form = {**blank_form(client), "name": "Double Tap", "promise": "call back"}
    first = client.post("/capture", data=form)
    again = client.post("/capture", data=form)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert count(Contact) == 1 and count(Encounter) == 1 and count(Promise) == 1


def test_saved_form_edited_and_resent_asks_before_storing_another(client, logged_in):
    form = {**blank_form(client), "name": "First"}
    client.post("/capture", data=form)
    r = client.post("/capture", data={**form, "name": "Changed after saving"})
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "already saved" in html and CLIENT_ID.search(html).group(1) != form["client_id"]
    assert count(Contact) == 1


@pytest.mark.parametrize("field,value", [
    ("name", ""), ("name", "x" * 101), ("email", "nope"), ("phone", "call me"), ("promise_due", "someday"),
    ("conversation", "<script>alert(1)</script>"), ("event_id", "999"), ("event_id", "abc"),
])
def test_errors_re_render_with_422_and_store_nothing(client, logged_in, field, value):
    form = {**blank_form(client), "name": "Typed Name", "company": "Typed Co", field: value}
    r = client.post("/capture", data=form)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert 'value="Typed Co"' in html and form["client_id"] in html  # what was typed is kept
    assert count(Contact) == 0 and count(Encounter) == 0


def test_another_users_event_cannot_be_chosen(client, logged_in, stranger):
    theirs = make_event(stranger, "Their Event")
    r = client.post("/capture", data={**blank_form(client), "name": "X", "event_id": str(theirs)})
    assert r.status_code == 422 and "Their Event" not in r.get_data(as_text=True)
    assert count(Contact) == 0


def test_confirmation_offers_to_merge_a_look_alike(client, logged_in):
    earlier = capture(logged_in, "ヤマダ タロウ")
    client.post("/capture", data={**blank_form(client), "name": "やまだ たろう"})
    fresh()
    new_id = db.session.scalar(db.select(Contact.id).where(Contact.id != earlier))
    html = client.get(f"/capture?done={new_id}").get_data(as_text=True)
    assert "ヤマダ タロウ" in html and f"/contacts/{earlier}/merge?other={new_id}" in html


def test_confirmation_of_another_users_contact_shows_nothing_of_it(client, logged_in, stranger):
    theirs = capture(stranger, "Their Secret Name")
    html = client.get(f"/capture?done={theirs}").get_data(as_text=True)
    assert "Their Secret Name" not in html and 'name="client_id"' in html


@pytest.fixture
def stranger(app):
    from tests.conftest import make_user

    return make_user(name="Someone Else")


def test_the_first_screen_holds_event_name_reading_and_conversation_and_the_rest_opens_with_a_tap(client, logged_in):
    html = client.get("/capture").get_data(as_text=True)
    html = html[html.index('<main'):]  # the phone's tab bar (with its own <details>) comes before
    order = ['id="event_id"', 'id="name"', 'id="name_reading"', 'id="conversation"', '<details class="more"',
             'id="email"', 'id="promise"', 'type="submit"']
    assert [html.index(mark) for mark in order] == sorted(html.index(mark) for mark in order)
    details = html[html.index('<details class="more"'):]
    details = details[:details.index("</details>")]
    assert "<details class=\"more\" id=\"capture-more\">" in html  # closed on a fresh form
    assert all(f'id="{name}"' in details for name in ("email", "phone", "company", "title", "needs", "promise",
                                                      "promise_due", "memorable"))


def test_a_refused_field_behind_more_shows_it_open(client, logged_in):
    r = client.post("/capture", data={**blank_form(client), "name": "A", "email": "not-an-address"})
    assert r.status_code == 422 and '<details class="more" id="capture-more" open>' in r.get_data(as_text=True)


def test_without_javascript_an_empty_reading_is_guessed_and_a_typed_one_kept(client, logged_in):
    client.post("/capture", data={**blank_form(client), "name": "佐藤 花子", "name_reading": ""})
    client.post("/capture", data={**blank_form(client), "name": "東海林 健", "name_reading": "しょうじ けん"})
    fresh()
    rows = db.session.execute(db.select(Contact.name, Contact.name_reading, Contact.is_reading_guessed)
                              .order_by(Contact.id)).all()
    assert [tuple(r) for r in rows] == [("佐藤 花子", "さとう はなこ", True), ("東海林 健", "しょうじ けん", False)]
