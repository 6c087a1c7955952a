"""What schemathesis found where the server, not the document, was wrong: each is a request a
client following openapi.json would send (or one it says is refused) and the answer it got."""
import uuid

import pytest

from tests.conftest import bearer, make_user_with_token


@pytest.fixture
def user(app):
    return make_user_with_token()


def event(client, user, **fields):
    response = client.post("/api/v1/events", json={"name": "PyCon JP", **fields}, headers=bearer(user.token))
    return response


@pytest.mark.parametrize("method,path", [("PATCH", "/api/v1/reminders/settings"), ("PATCH", "/api/v1/events/{id}"),
                                         ("PUT", "/api/v1/profile"), ("POST", "/api/v1/events")])
def test_a_documented_required_body_that_is_missing_is_a_422(client, user, method, path):
    path = path.format(id=event(client, user).get_json()["id"])
    response = client.open(path, method=method, headers=bearer(user.token))
    assert response.status_code == 422 and "_json" in response.get_json()["error"]["fields"]


def test_a_body_that_is_not_json_is_a_415(client, user):
    response = client.patch("/api/v1/reminders/settings", data="digest=weekly",
                            content_type="application/x-www-form-urlencoded", headers=bearer(user.token))
    assert response.status_code == 415


@pytest.mark.parametrize("value", [0, 1, "", "yes", "true", None])
def test_a_boolean_is_true_or_false_only(client, user, value):
    response = event(client, user, is_active=value)
    assert response.status_code == 422 and "is_active" in response.get_json()["error"]["fields"]


def test_promises_can_be_filtered_by_contact_in_the_query(client, user):
    capture = {"client_id": str(uuid.uuid4()), "name": "佐藤", "promise": "記事を送る"}
    contact_id = client.post("/api/v1/captures", json=capture, headers=bearer(user.token)).get_json()["contact_id"]
    response = client.get(f"/api/v1/promises?contact_id={contact_id}", headers=bearer(user.token))
    assert response.status_code == 200 and [p["text"] for p in response.get_json()["items"]] == ["記事を送る"]


def test_an_empty_card_link_in_a_capture_is_no_link(client, user):
    capture = {"client_id": str(uuid.uuid4()), "name": "佐藤", "card_url": ""}
    assert client.post("/api/v1/captures", json=capture, headers=bearer(user.token)).status_code == 201


@pytest.mark.parametrize("link", ["https://bank.example@evil.example/", "http://[::1/", "http://a.example:port/",
                                  "https://ａ／b.example/", "http://a.example/ x"])
def test_a_link_with_a_user_name_a_broken_host_or_a_space_is_refused(client, user, link):
    capture = {"client_id": str(uuid.uuid4()), "name": "佐藤", "card_url": link}
    response = client.post("/api/v1/captures", json=capture, headers=bearer(user.token))
    assert response.status_code == 422 and "card_url" in response.get_json()["error"]["fields"]


def test_a_colour_with_a_trailing_newline_is_refused(client, user):
    body = {"name": "山田", "keyword": "AIと教育", "signature_color": "#1e6b52\n"}
    response = client.put("/api/v1/profile", json=body, headers=bearer(user.token))
    assert response.status_code == 422 and "signature_color" in response.get_json()["error"]["fields"]


def test_a_line_longer_than_allowed_as_sent_is_refused(client, user):
    response = event(client, user, name="あ" * 100 + " ")  # maxLength is what the document says
    assert response.status_code == 422 and "name" in response.get_json()["error"]["fields"]


def test_a_time_in_2000_written_with_an_offset_is_2000(client, user):
    capture = {"client_id": str(uuid.uuid4()), "name": "佐藤"}
    contact_id = client.post("/api/v1/captures", json=capture, headers=bearer(user.token)).get_json()["contact_id"]
    response = client.post(f"/api/v1/contacts/{contact_id}/interactions", headers=bearer(user.token),
                           json={"kind": "message", "occurred_at": "2000-01-01T00:30:00+01:00"})
    assert response.status_code == 201
