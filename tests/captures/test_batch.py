"""The offline queue's batch: each item stands alone; one that fails is reported in its own result
and never stops, undoes or hides the others."""
import json
import uuid

import pytest

from tests.conftest import bearer, make_user_with_token
from webapp.contacts.models import Contact
from webapp.extensions import db


def cap(name, **kw):
    return {"client_id": str(uuid.uuid4()), "name": name, **kw}


def names():
    db.session.rollback()
    return sorted(db.session.scalars(db.select(Contact.name)))


def post_batch(client, user, body: str):
    return client.post("/api/v1/captures/batch", data=body, content_type="application/json",
                       headers=bearer(user.token))


@pytest.mark.parametrize("spoiled", ['"\\ud83d"', '"a\\u0000b"', '"\\udc00 tail"'])
def test_an_unencodable_item_is_refused_alone_and_the_others_are_stored(fresh_client, spoiled):
    user = make_user_with_token()
    bad = json.dumps(cap("placeholder")).replace('"placeholder"', spoiled)
    body = "[" + ",".join([json.dumps(cap("A")), bad, json.dumps(cap("C"))]) + "]"
    response = post_batch(fresh_client, user, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    items = response.get_json()["items"]
    assert [item["status"] for item in items] == [201, 422, 201]
    assert items[1]["error"]["code"] == "validation_failed" and "name" in items[1]["error"]["fields"]
    assert items[1]["result"] is None
    assert names() == ["A", "C"]


def test_a_replayed_batch_after_a_partial_failure_stores_nothing_twice(fresh_client):
    user = make_user_with_token()
    first, last = cap("A"), cap("C")
    body = "[" + ",".join([json.dumps(first), '{"client_id": "%s", "name": "\\ud83d"}' % uuid.uuid4(),
                           json.dumps(last)]) + "]"
    post_batch(fresh_client, user, body)
    again = post_batch(fresh_client, user, body).get_json()["items"]
    assert [item["status"] for item in again] == [200, 422, 200]
    assert names() == ["A", "C"]


def test_an_unexpected_failure_in_one_item_is_reported_in_its_result_only(fresh_client, monkeypatch):
    from webapp.captures import services

    real = services.capture_contact

    def flaky(owner, data, **kw):
        if data["name"] == "B":
            raise RuntimeError("the disk is on fire")
        return real(owner, data, **kw)

    monkeypatch.setattr(services, "capture_contact", flaky)
    user = make_user_with_token()
    body = json.dumps([cap("A"), cap("B"), cap("C")])
    response = post_batch(fresh_client, user, body)
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [item["status"] for item in items] == [201, 500, 201]
    assert items[1]["error"]["code"] == "internal_error" and "fire" not in json.dumps(items[1])
    assert names() == ["A", "C"]


def test_a_database_error_in_one_item_leaves_the_session_usable_for_the_next(fresh_client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from webapp.captures import services

    real = services.capture_contact

    def failing(owner, data, **kw):
        if data["name"] == "B":
            db.session.execute(db.text("SELECT 1"))
            raise OperationalError("INSERT ...", {}, Exception("database is locked"))
        return real(owner, data, **kw)

    monkeypatch.setattr(services, "capture_contact", failing)
    user = make_user_with_token()
    items = post_batch(fresh_client, user, json.dumps([cap("A"), cap("B"), cap("C")])).get_json()["items"]
    assert [item["status"] for item in items] == [201, 503, 201]
    assert names() == ["A", "C"]


def test_an_item_that_is_not_an_object_is_refused_alone(fresh_client):
    user = make_user_with_token()
    items = post_batch(fresh_client, user, json.dumps([cap("A"), 42, None, [], cap("C")])).get_json()["items"]
    assert [item["status"] for item in items] == [201, 422, 422, 422, 201]


def test_a_batch_that_is_not_an_array_is_a_422(fresh_client):
    user = make_user_with_token()
    response = post_batch(fresh_client, user, json.dumps(cap("A")))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "validation_failed"
