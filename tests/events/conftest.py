"""Event test fixtures: a client with a fresh app context per request, an owner and a stranger."""
import uuid

import pytest
from flask.testing import FlaskClient

from tests.conftest import bearer, make_token, make_user
from webapp.extensions import db


class FreshContextClient(FlaskClient):
    """Each request in its own app context, as in production: no `g` or session leaks between them."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


def _user_with_token(**kw):
    user = make_user(**kw)
    user.token = make_token(user)
    return user


@pytest.fixture
def owner(app):
    return _user_with_token()


@pytest.fixture
def stranger(app):
    return _user_with_token()


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
