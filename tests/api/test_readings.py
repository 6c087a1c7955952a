"""GET /api/v1/readings: the capture form asks for a name's reading while the user types."""
import pytest

from tests.conftest import bearer, build_app, make_token, make_user
from webapp.extensions import db


@pytest.fixture
def token(app):
    return make_token(make_user())


@pytest.mark.parametrize("name, reading", [("佐藤 花子", "さとう はなこ"), ("Jane Doe", ""), ("サトウ", "")])
def test_the_reading_of_a_name_is_guessed(client, token, name, reading):
    r = client.get("/api/v1/readings", query_string={"name": name}, headers=bearer(token))
    assert r.status_code == 200 and r.get_json() == {"name_reading": reading}


@pytest.mark.parametrize("query", [{}, {"name": "x" * 101}, {"name": "佐藤\x00"}])
def test_a_missing_or_bad_name_is_a_422(client, token, query):
    r = client.get("/api/v1/readings", query_string=query, headers=bearer(token))
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "validation_failed"


def test_it_needs_a_login(client):
    assert client.get("/api/v1/readings", query_string={"name": "佐藤"}).status_code == 401


def test_guessing_is_rate_limited_per_user(tmp_path, backend):
    app = build_app(backend, tmp_path, READING_RATE_LIMIT="3 per minute")
    with app.app_context():
        user, other = make_user(), make_user(email="other@example.com")
        mine, theirs = make_token(user), make_token(other)
        client = app.test_client()
        codes = [client.get("/api/v1/readings?name=佐藤", headers=bearer(mine)).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert client.get("/api/v1/readings?name=佐藤", headers=bearer(theirs)).status_code == 200
        db.session.remove()
        db.engine.dispose()
