"""Event pages: forms in the user's time zone, the active event, people met, delete, other users' 404."""
import re
from datetime import datetime, timezone
from html import unescape

import pytest

from tests.conftest import csrf_token_of, make_token, make_user
from tests.events.conftest import capture, fresh, post_event
from webapp.contacts.models import Contact, Encounter
from webapp.events.models import Event
from webapp.extensions import db


@pytest.fixture
def me(logged_in):
    """The logged-in user, with a token so captures can be made as them."""
    logged_in.token = make_token(logged_in)
    return logged_in


def form_post(client, path, **data):
    token = csrf_token_of(client, "/events")
    return client.post(path, data={"csrf_token": token, **data})


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def only_event():
    db.session.rollback()
    return db.session.scalars(db.select(Event)).one()


@pytest.mark.parametrize("path", ["/events", "/events/new", "/events/1", "/events/1/edit", "/events/1/delete"])
def test_pages_require_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_new_event_form_has_every_field_and_a_csrf_token(client, me):
    html = client.get("/events/new").get_data(as_text=True)
    for name in ("name", "starts_at", "ends_at", "place", "community", "why_here", "goal", "is_active", "csrf_token"):
        assert f'name="{name}"' in html
    assert 'type="datetime-local"' in html


def test_creating_an_event_reads_times_in_the_users_time_zone(client, me):
    assert me.timezone == "Asia/Tokyo"
    response = form_post(client, "/events/new", name="PyCon JP", starts_at="2026-05-01T18:30",
                         ends_at="2026-05-01T21:00", place="東京", community="PyCon", why_here="教育の話を聞きに",
                         goal="3人と話す")
    event = only_event()
    assert response.status_code == 302 and response.headers["Location"] == f"/events/{event.id}"
    assert event.starts_at == datetime(2026, 5, 1, 9, 30, tzinfo=timezone.utc)
    assert event.ends_at == datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
    assert (event.place, event.goal, event.is_active) == ("東京", "3人と話す", False)
    page = text_of(client.get(f"/events/{event.id}"))
    assert "PyCon JP" in page and "Fri 1 May" in page and "18:30" in page  # Tokyo time, not 9:30 UTC


def test_a_user_in_another_zone_gets_their_own_local_time(client, auth):
    user = make_user(timezone="Europe/London")
    auth.login(user.email)
    form_post(client, "/events/new", name="Meetup", starts_at="2026-07-01T18:30")
    assert only_event().starts_at == datetime(2026, 7, 1, 17, 30, tzinfo=timezone.utc)


def test_the_form_can_make_the_event_active(client, me):
    form_post(client, "/events/new", name="Now", is_active="1")
    assert only_event().is_active is True


def test_form_ignores_fields_it_does_not_show(client, me, stranger):
    form_post(client, "/events/new", name="Mine", owner_id=str(stranger.id), code="chosen")
    event = only_event()
    assert event.owner_id == me.id and event.code != "chosen"


@pytest.mark.parametrize("data,field", [
    ({"name": ""}, "name"),
    ({"name": "あ" * 101}, "name"),
    ({"name": "<script>x</script>"}, "name"),
    ({"name": "a\u0000b"}, "name"),
    ({"name": "ok", "why_here": "one\r\ntwo"}, "why_here"),
    ({"name": "ok", "place": "p" * 201}, "place"),
    ({"name": "ok", "starts_at": "soon"}, "starts_at"),
    ({"name": "ok", "starts_at": "2026-05-01T18:00", "ends_at": "2026-05-01T17:59"}, "ends_at"),
])
def test_bad_form_input_is_shown_again_with_422(client, me, data, field):
    response = form_post(client, "/events/new", **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    if field != "name" and "name" in data:
        assert 'value="ok"' in html  # what was typed is kept
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0


def test_edit_form_shows_local_times_and_saves_changes(client, me):
    event = post_event(client, me, starts_at="2026-05-01T09:30:00Z", place="東京")
    html = client.get(f"/events/{event['id']}/edit").get_data(as_text=True)
    assert 'value="2026-05-01T18:30"' in html and 'value="東京"' in html
    response = form_post(client, f"/events/{event['id']}/edit", name="PyCon JP 2026",
                         starts_at="2026-05-01T18:30", place="大阪")
    assert response.status_code == 302
    stored = fresh(Event, event["id"])
    assert (stored.name, stored.place) == ("PyCon JP 2026", "大阪")
    assert stored.starts_at == datetime(2026, 5, 1, 9, 30, tzinfo=timezone.utc)


def test_edit_with_end_before_start_is_422_and_keeps_the_event(client, me):
    event = post_event(client, me, name="Before")
    response = form_post(client, f"/events/{event['id']}/edit", name="After",
                         starts_at="2026-05-01T18:00", ends_at="2026-05-01T10:00")
    assert response.status_code == 422 and 'id="ends_at-error"' in response.get_data(as_text=True)
    assert fresh(Event, event["id"]).name == "Before"


def test_list_page_shows_my_events_and_which_is_active(client, me, stranger):
    post_event(client, me, name="Old one", starts_at="2026-01-01T00:00:00Z")
    post_event(client, me, name="Current one", is_active=True)
    post_event(client, stranger, name="Not mine")
    page = text_of(client.get("/events"))
    assert "Old one" in page and "Current one" in page and "Not mine" not in page
    assert page.count("Active now") == 1


def test_activate_and_deactivate_buttons_move_the_active_event(client, me):
    a = post_event(client, me, name="A", is_active=True)
    b = post_event(client, me, name="B")
    response = form_post(client, f"/events/{b['id']}/activate")
    assert response.status_code == 302 and response.headers["Location"] == f"/events/{b['id']}"
    assert fresh(Event, a["id"]).is_active is False and fresh(Event, b["id"]).is_active is True
    form_post(client, f"/events/{b['id']}/deactivate")
    assert fresh(Event, b["id"]).is_active is False


def test_activate_without_csrf_token_is_refused(client, me):
    event = post_event(client, me)
    assert client.post(f"/events/{event['id']}/activate").status_code == 400
    assert fresh(Event, event["id"]).is_active is False


def test_event_page_lists_the_people_met_there_newest_first(client, me):
    event = post_event(client, me, name="PyCon JP")
    other = post_event(client, me, name="Other")
    first = capture(client, me, event_id=event["id"], name="鈴木 一郎", company="ACME",
                    conversation="Rust で教育ツール", captured_at="2026-01-01T10:00:00+00:00")
    second = capture(client, me, event_id=event["id"], name="高橋 美咲", conversation="PWA の話",
                     captured_at="2026-01-01T11:00:00+00:00")
    capture(client, me, event_id=other["id"], name="別イベントの人")
    html = text_of(client.get(f"/events/{event['id']}"))
    assert f'href="/contacts/{first["contact_id"]}"' in html and f'href="/contacts/{second["contact_id"]}"' in html
    assert html.index("高橋 美咲") < html.index("鈴木 一郎")
    assert "ACME" in html and "Rust で教育ツール" in html and "PWA の話" in html
    assert "別イベントの人" not in html


def test_event_page_shows_the_card_link_with_the_event_code(client, me):
    event = post_event(client, me)
    assert event["card_url"] in text_of(client.get(f"/events/{event['id']}"))


def test_delete_asks_first_then_deletes_and_keeps_contacts(client, me):
    event = post_event(client, me, name="Gone soon")
    met = capture(client, me, event_id=event["id"], conversation="覚えておく話")
    confirm = client.get(f"/events/{event['id']}/delete")
    assert confirm.status_code == 200 and "Gone soon" in text_of(confirm)
    assert re.search(r'<form method="post" action="/events/\d+/delete"', confirm.get_data(as_text=True))
    assert fresh(Event, event["id"]) is not None  # the GET only asks
    response = form_post(client, f"/events/{event['id']}/delete")
    assert response.status_code == 302 and response.headers["Location"].startswith("/events")
    assert fresh(Event, event["id"]) is None
    assert fresh(Contact, met["contact_id"]) is not None
    assert fresh(Encounter, met["encounter_id"]).event_id is None
    assert "still in your contacts" in text_of(client.get(response.headers["Location"]))


@pytest.mark.parametrize("method,suffix", [
    ("GET", ""), ("GET", "/edit"), ("POST", "/edit"), ("POST", "/activate"), ("POST", "/deactivate"),
    ("GET", "/delete"), ("POST", "/delete"),
])
def test_another_users_event_pages_are_404(client, me, stranger, method, suffix):
    theirs = post_event(client, stranger, name="Theirs", is_active=True)
    path = f"/events/{theirs['id']}{suffix}"
    data = {"csrf_token": csrf_token_of(client, "/events"), "name": "mine now"} if method == "POST" else None
    response = client.open(path, method=method, data=data)
    assert response.status_code == 404
    stored = fresh(Event, theirs["id"])
    assert stored is not None and stored.name == "Theirs" and stored.is_active is True


def test_pages_send_no_inline_script(client, me):
    event = post_event(client, me)
    for path in ("/events", "/events/new", f"/events/{event['id']}", f"/events/{event['id']}/edit",
                 f"/events/{event['id']}/delete"):
        response = client.get(path)
        assert response.status_code == 200
        assert "<script>" not in response.get_data(as_text=True)
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def submit_labels(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", label).strip() for label in re.findall(r'<button[^>]*type="submit"[^>]*>([^<]+)</button>', html)]


@pytest.mark.parametrize("locale,make_current,stop,current_state", [
    ("en", "Make this my current event", "Stop using it as my current event", "Active now"),
    ("ja", "このイベントを参加中にする", "参加中のイベントから外す", "参加中"),
])
def test_the_event_buttons_say_what_they_do_and_the_state_is_shown_apart(client, me, locale, make_current, stop,
                                                                        current_state):
    from webapp.auth.services import update_settings

    update_settings(me, {"locale": locale})
    event = post_event(client, me, name="PyCon JP")
    inactive = text_of(client.get(f"/events/{event['id']}"))
    assert submit_labels(inactive) == [make_current] and 'class="notice"' not in inactive
    form_post(client, f"/events/{event['id']}/activate")
    active = text_of(client.get(f"/events/{event['id']}"))
    assert submit_labels(active) == [stop]
    state = re.search(r'<p class="notice" role="status">([^<]+)</p>', active)
    assert state and state.group(1).startswith(current_state)
