"""JSON nested too deep, or not standard, is a 400 before any schema reads it, on every JSON
endpoint (the batch included); it never reaches the database, so SQLite is enough here."""
import json

import pytest

from tests.api.test_json_input import CLIENT_ID, call
from tests.conftest import make_user_with_token
from webapp.contacts.models import Contact
from webapp.extensions import db


@pytest.fixture
def backend():
    return "sqlite"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


DEEP_BODIES = {
    "array_2000": nested(2000),
    "object_2000": '{"a":' * 2000 + "1" + "}" * 2000,
    "field_100": '{"name": ' + nested(100) + "}",
    "field_33": '{"name": ' + nested(32) + "}",
}
JSON_ENDPOINTS = [("POST", "/api/v1/captures"), ("POST", "/api/v1/captures/batch"), ("POST", "/api/v1/events"),
                  ("PUT", "/api/v1/profile"), ("POST", "/api/v1/auth/signup"), ("POST", "/api/v1/auth/tokens"),
                  ("PATCH", "/api/v1/reminders/settings"), ("PUT", "/api/v1/cadence/grow")]


@pytest.mark.parametrize("method,path", JSON_ENDPOINTS)
@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
def test_deeply_nested_json_is_a_400_before_any_schema(client, method, path, body):
    user = make_user_with_token()
    response = call(client, user, method, path, body)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "malformed_json"


def test_a_batch_nested_as_deep_as_allowed_is_read(client):
    user = make_user_with_token()
    body = json.dumps([{"client_id": CLIENT_ID, "name": "佐藤"}])
    response = call(client, user, "POST", "/api/v1/captures/batch", body)
    assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(Contact)) == 1


@pytest.mark.parametrize("body", ['{"name": NaN}', '{"name": Infinity}', '{"name": -Infinity}'])
def test_non_standard_json_constants_are_malformed(client, body):
    user = make_user_with_token()
    response = call(client, user, "POST", "/api/v1/events", body)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed_json"


@pytest.mark.parametrize("method,path", JSON_ENDPOINTS)
def test_malformed_json_is_a_400_everywhere(client, method, path):
    user = make_user_with_token()
    response = call(client, user, method, path, '{"name": ')
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed_json"


def test_every_api_blueprint_reads_json_through_the_guarded_parser(app):
    from webapp.api.blueprint import Blueprint

    api_blueprints = [bp for name, bp in app.blueprints.items() if name.startswith("api_")]
    assert len(api_blueprints) >= 10
    assert all(isinstance(bp, Blueprint) for bp in api_blueprints), "use webapp.api.blueprint.Blueprint"
