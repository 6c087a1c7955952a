"""Capture over the API: idempotent by client_id, one person many meetings, batches."""
import uuid

import pytest

from tests.conftest import bearer, make_token, make_user
from webapp.contacts.models import Contact, Encounter, Promise
from webapp.extensions import db


@pytest.fixture
def token(app):
    return make_token(make_user())


def cap(**kw):
    return {"client_id": str(uuid.uuid4()), "name": "佐藤 花子", **kw}


def count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_capture_creates_contact_and_encounter(client, token):
    body = cap(email="Hanako@Example.com", conversation="教育AIの話", promise="記事を送る", promise_due="2026-12-01")
    r = client.post("/api/v1/captures", json=body, headers=bearer(token))
    assert r.status_code == 201
    out = r.get_json()
    assert out["client_id"] == body["client_id"] and out["created"] is True
    contact = db.session.get(Contact, out["contact_id"])
    assert contact.email == "hanako@example.com"
    assert [p.text for p in contact.promises] == ["記事を送る"]


def test_replayed_capture_returns_same_contact(client, token):
    body = cap(email="a@example.com")
    first = client.post("/api/v1/captures", json=body, headers=bearer(token)).get_json()
    again = client.post("/api/v1/captures", json=body, headers=bearer(token))
    assert again.status_code == 200
    assert again.get_json()["contact_id"] == first["contact_id"]
    assert again.get_json()["encounter_id"] == first["encounter_id"]
    assert count(Contact) == 1 and count(Encounter) == 1


def test_same_client_id_with_other_body_is_409_and_stores_nothing(client, token):
    body = cap()
    client.post("/api/v1/captures", json=body, headers=bearer(token))
    r = client.post("/api/v1/captures", json={**body, "name": "別の人"}, headers=bearer(token))
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "client_id_reused"
    assert count(Contact) == 1


def test_same_email_at_second_event_adds_an_encounter(client, token):
    client.post("/api/v1/captures", json=cap(email="x@example.com"), headers=bearer(token))
    r = client.post("/api/v1/captures", json=cap(email="X@example.com", name="Sato"), headers=bearer(token))
    assert r.status_code == 201 and r.get_json()["matched"] == "email"
    assert count(Contact) == 1 and count(Encounter) == 2


def test_same_scanned_card_adds_an_encounter(client, token):
    client.post("/api/v1/captures", json=cap(card_url="https://other.example/c/abc"), headers=bearer(token))
    r = client.post("/api/v1/captures", json=cap(card_url="https://OTHER.example/c/abc/"), headers=bearer(token))
    assert r.get_json()["matched"] == "card_url"
    assert count(Contact) == 1


def test_similar_name_is_flagged_not_merged(client, token):
    a = client.post("/api/v1/captures", json=cap(name="ヤマダ　タロウ"), headers=bearer(token)).get_json()
    b = client.post("/api/v1/captures", json=cap(name="やまだ たろう"), headers=bearer(token)).get_json()
    assert b["possible_duplicate_of"] == a["contact_id"]
    assert count(Contact) == 2


@pytest.mark.parametrize("bad", [
    {"client_id": "not-a-uuid"},
    {"captured_at": "2031-01-01T00:00:00+00:00"},
    {"conversation": "あ" * 2001},
    {"name": ""},
    {"email": "nope"},
    {"card_url": "javascript:alert(1)"},
    {"card_url": "data:text/html,hi"},
    {"name": "a\x00b"},
    {"phone": "call me"},
    {"event_id": 999},
    {"event_id": 2**63},
    {"event_id": "1"},
    {"surprise": 1},
])
def test_bad_capture_is_422_and_stores_nothing(client, token, bad):
    r = client.post("/api/v1/captures", json={**cap(), **bad}, headers=bearer(token))
    assert r.status_code == 422
    assert set(bad) <= set(r.get_json()["error"]["fields"])
    assert count(Contact) == 0 and count(Encounter) == 0


def test_batch_answers_one_result_per_item_in_order(client, token):
    good = cap(email="b@example.com")
    items = [good, {"client_id": "bad"}, good, "not an object"]
    r = client.post("/api/v1/captures/batch", json=items, headers=bearer(token))
    assert r.status_code == 200
    statuses = [item["status"] for item in r.get_json()["items"]]
    assert statuses == [201, 422, 200, 422]
    assert count(Contact) == 1


def test_batch_over_500_items_is_refused_whole(client, token):
    r = client.post("/api/v1/captures/batch", json=[cap() for _ in range(501)], headers=bearer(token))
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "batch_too_large"
    assert count(Contact) == 0


def test_batch_of_100000_items_is_refused_quickly(client, token):
    item = '{"client_id":"00000000-0000-4000-8000-000000000000","name":"x"}'
    body = "[" + ",".join([item] * 100_000) + "]"
    r = client.post("/api/v1/captures/batch", data=body, content_type="application/json", headers=bearer(token))
    assert r.status_code in (413, 422)
    assert count(Contact) == 0


def test_another_users_event_is_not_usable(client, token):
    from webapp.events.models import Event

    other = make_user()
    event = Event(owner_id=other.id, name="Their meetup")
    db.session.add(event)
    db.session.commit()
    r = client.post("/api/v1/captures", json=cap(event_id=event.id), headers=bearer(token))
    assert r.status_code == 422 and "event_id" in r.get_json()["error"]["fields"]
