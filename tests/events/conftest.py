"""Event test fixtures: a client with a fresh app context per request, an owner and a stranger."""
import uuid

import pytest

from tests.conftest import bearer, make_user_with_token
from webapp.extensions import db


@pytest.fixture
def client(fresh_client):
    return fresh_client


@pytest.fixture
def owner(app):
    return make_user_with_token()


@pytest.fixture
def stranger(app):
    return make_user_with_token()


def fresh(model, object_id):
    """Read a row as the database has it now (the requests committed in their own sessions)."""
    db.session.rollback()
    return db.session.get(model, object_id)


def post_event(client, user, **fields):
    response = client.post("/api/v1/events", json={"name": "PyCon JP", **fields}, headers=bearer(user.token))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def capture(client, user, event_id=None, **fields):
    body = {"client_id": str(uuid.uuid4()), "name": "佐藤 花子", **fields}
    if event_id is not None:
        body["event_id"] = event_id
    response = client.post("/api/v1/captures", json=body, headers=bearer(user.token))
    assert response.status_code == 201, response.get_json()
    return response.get_json()
