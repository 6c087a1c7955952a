"""/api/v1/contacts: list with search, filters and pages; read, edit, delete, merge; 404 for others."""
from datetime import date

import pytest

from tests.conftest import bearer
from tests.contacts.helpers import capture, fresh, make_event
from webapp.contacts.models import Contact, Encounter, Promise
from webapp.extensions import db


def get(client, user, path):
    return client.get(path, headers=bearer(user.token))


def names(response):
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


def test_search_finds_katakana_query_for_a_hiragana_name(client, owner):
    capture(owner, "やまだ 太郎", company="Acme")
    capture(owner, "鈴木 一郎")
    assert names(get(client, owner, "/api/v1/contacts?q=ヤマダ")) == ["やまだ 太郎"]
    assert names(get(client, owner, "/api/v1/contacts?q=ﾔﾏﾀﾞ")) == ["やまだ 太郎"]
    assert names(get(client, owner, "/api/v1/contacts?q=ACME")) == ["やまだ 太郎"]


def test_list_items_carry_the_latest_conversation(client, owner):
    capture(owner, "Sato", conversation="教育AIの話")
    item = get(client, owner, "/api/v1/contacts").get_json()["items"][0]
    assert item["last_conversation"] == "教育AIの話" and item["tier"] == "unsorted"
    assert "notes" not in item and "needs" not in item


def test_filters_by_event_and_tier(client, owner):
    event = make_event(owner)
    at_event = capture(owner, "At the event", event_id=event)
    capture(owner, "Elsewhere", event_id=None)
    client.patch(f"/api/v1/contacts/{at_event}", json={"tier": "grow"}, headers=bearer(owner.token))
    assert names(get(client, owner, f"/api/v1/contacts?event_id={event}")) == ["At the event"]
    assert names(get(client, owner, "/api/v1/contacts?tier=grow")) == ["At the event"]
    assert names(get(client, owner, f"/api/v1/contacts?tier=unsorted&event_id={event}")) == []


def test_next_links_return_every_contact_exactly_once(client, owner):
    ids = {capture(owner, f"P{i}", minutes=i // 2) for i in range(11)}
    seen, url = [], "/api/v1/contacts?limit=4&q=p"
    while url:
        body = get(client, owner, url).get_json()
        assert len(body["items"]) <= 4
        seen += [item["id"] for item in body["items"]]
        url = body["next"]
        assert url is None or "q=p" in url
    assert len(seen) == len(ids) and set(seen) == ids


@pytest.mark.parametrize("query,field", [
    ("tier=gold", "tier"),
    ("limit=101", "limit"),
    ("limit=0", "limit"),
    ("cursor=garbage", "cursor"),
    ("event_id=999", "event_id"),
    ("event_id=99999999999", "event_id"),
])
def test_bad_list_query_is_422(client, owner, query, field):
    r = get(client, owner, f"/api/v1/contacts?{query}")
    assert r.status_code == 422 and field in r.get_json()["error"]["fields"]


def test_get_contact_shows_meetings_and_promises(client, owner):
    event = make_event(owner)
    contact_id = capture(owner, "Sato", email="s@example.com", event_id=event, conversation="AI",
                         needs="hiring", memorable="blue scarf", promise="send the article", promise_due=date(2025, 7, 1))
    body = get(client, owner, f"/api/v1/contacts/{contact_id}").get_json()
    assert body["email"] == "s@example.com" and body["possible_duplicate_of"] is None
    [encounter] = body["encounters"]
    assert (encounter["event_id"], encounter["conversation"], encounter["needs"], encounter["memorable"]) == (
        event, "AI", "hiring", "blue scarf")
    assert body["promises"] == [{"id": body["promises"][0]["id"], "text": "send the article",
                                 "due_on": "2025-07-01", "done": False}]


def test_patch_edits_fields_and_tier_records_review(client, owner):
    contact_id = capture(owner, "Old")
    r = client.patch(f"/api/v1/contacts/{contact_id}", headers=bearer(owner.token), json={
        "name": "新しい 名前", "email": "New@Example.com", "notes": "line one\nline two", "tier": "maintain",
        "card_url": "https://cards.example/c/x"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["name"], body["email"], body["notes"], body["tier"]) == (
        "新しい 名前", "new@example.com", "line one\nline two", "maintain")
    assert body["tier_reviewed_at"] is not None
    r = client.patch(f"/api/v1/contacts/{contact_id}", json={"email": "", "card_url": None},
                     headers=bearer(owner.token))
    assert (r.get_json()["email"], r.get_json()["card_url"]) == ("", "")


@pytest.mark.parametrize("bad", [
    {"name": ""},
    {"name": "a" * 101},
    {"email": "nope"},
    {"phone": "call me"},
    {"card_url": "javascript:alert(1)"},
    {"notes": "あ" * 5001},
    {"notes": "<script>alert(1)</script>"},
    {"tier": "gold"},
    {"language": "fr"},
    {"language": None},
    {"surprise": 1},
])
def test_bad_patch_is_422_per_field_and_changes_nothing(client, owner, bad):
    contact_id = capture(owner, "Unchanged")
    r = client.patch(f"/api/v1/contacts/{contact_id}", json={"company": "Changed", **bad},
                     headers=bearer(owner.token))
    assert r.status_code == 422 and set(bad) <= set(r.get_json()["error"]["fields"])
    fresh()
    assert db.session.get(Contact, contact_id).company == ""


def test_email_another_contact_has_is_409_suggesting_merge(client, owner):
    capture(owner, "First", email="same@example.com")
    second = capture(owner, "Second")
    r = client.patch(f"/api/v1/contacts/{second}", json={"email": "SAME@example.com"}, headers=bearer(owner.token))
    assert r.status_code == 409
    error = r.get_json()["error"]
    assert error["code"] == "email_taken" and "merge" in error["message"] and "email" in error["fields"]


def test_delete_removes_the_contact(client, owner):
    contact_id = capture(owner, promise="something")
    assert client.delete(f"/api/v1/contacts/{contact_id}", headers=bearer(owner.token)).status_code == 204
    assert get(client, owner, f"/api/v1/contacts/{contact_id}").status_code == 404
    fresh()
    assert db.session.scalar(db.select(db.func.count()).select_from(Promise)) == 0


def test_merge_moves_everything_into_the_kept_contact(client, owner):
    keep = capture(owner, "山田 太郎", promise="send slides", conversation="first")
    other = capture(owner, "ヤマダ タロウ", email="taro@example.com", promise="intro", conversation="second",
                    minutes=10)
    r = client.post(f"/api/v1/contacts/{keep}/merge", json={"other_id": other}, headers=bearer(owner.token))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["id"] == keep and body["email"] == "taro@example.com"
    assert [e["conversation"] for e in body["encounters"]] == ["first", "second"]
    assert {p["text"] for p in body["promises"]} == {"send slides", "intro"}
    assert get(client, owner, f"/api/v1/contacts/{other}").status_code == 404
    fresh()
    assert db.session.scalar(db.select(db.func.count()).select_from(Encounter).filter_by(contact_id=other)) == 0


@pytest.mark.parametrize("body", [{}, {"other_id": "x"}, {"other_id": 1, "more": 2}])
def test_bad_merge_body_is_422(client, owner, body):
    keep = capture(owner)
    r = client.post(f"/api/v1/contacts/{keep}/merge", json=body, headers=bearer(owner.token))
    assert r.status_code == 422


def test_merging_into_itself_is_422(client, owner):
    keep = capture(owner)
    r = client.post(f"/api/v1/contacts/{keep}/merge", json={"other_id": keep}, headers=bearer(owner.token))
    assert r.status_code == 422 and "other_id" in r.get_json()["error"]["fields"]


def test_another_users_contact_is_404_everywhere(client, owner, stranger):
    theirs = capture(stranger, "Theirs", email="theirs@example.com")
    mine = capture(owner, "Mine")
    headers = bearer(owner.token)
    responses = [
        client.get(f"/api/v1/contacts/{theirs}", headers=headers),
        client.patch(f"/api/v1/contacts/{theirs}", json={"name": "Stolen"}, headers=headers),
        client.delete(f"/api/v1/contacts/{theirs}", headers=headers),
        client.post(f"/api/v1/contacts/{theirs}/merge", json={"other_id": mine}, headers=headers),
        client.post(f"/api/v1/contacts/{mine}/merge", json={"other_id": theirs}, headers=headers),
        client.get("/api/v1/contacts/99999999999", headers=headers),
    ]
    assert [r.status_code for r in responses] == [404] * 6
    assert all(r.get_json()["error"]["code"] == "not_found" for r in responses)
    assert "theirs@example.com" not in str([r.get_data(as_text=True) for r in responses])
    assert names(get(client, owner, "/api/v1/contacts")) == ["Mine"]
    fresh()
    assert db.session.get(Contact, theirs).name == "Theirs"


def test_openapi_documents_the_contacts_api(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get"} <= set(paths["/api/v1/contacts"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/contacts/{contact_id}"])
    assert "post" in paths["/api/v1/contacts/{contact_id}/merge"]


def test_a_contacts_language_is_guessed_at_capture_and_changed_by_patch(client, owner):
    tom = capture(owner, "Tom Baker", conversation="教育AIの話")
    hanako = capture(owner, "佐藤 花子", conversation="Offline-first apps")
    assert get(client, owner, f"/api/v1/contacts/{tom}").get_json()["language"] == "en"
    assert get(client, owner, f"/api/v1/contacts/{hanako}").get_json()["language"] == "ja"
    r = client.patch(f"/api/v1/contacts/{tom}", json={"language": "ja"}, headers=bearer(owner.token))
    assert r.status_code == 200 and r.get_json()["language"] == "ja"
    fresh()
    assert db.session.get(Contact, tom).language == "ja"
    listed = get(client, owner, "/api/v1/contacts").get_json()["items"]
    assert {item["name"]: item["language"] for item in listed} == {"Tom Baker": "ja", "佐藤 花子": "ja"}
