"""Accounts and tokens over the JSON API."""
from tests.conftest import bearer, make_token, make_user


def test_signup_creates_account_without_echoing_password(client):
    r = client.post("/api/v1/auth/signup", json={"email": "Hana@Example.com", "password": "s3cret-pass", "name": "花子"})
    assert r.status_code == 201
    body = r.get_json()
    assert body["email"] == "hana@example.com"
    assert "password" not in body and "password_hash" not in body


def test_signup_twice_with_same_email_is_conflict_and_keeps_one_account(client):
    payload = {"email": "a@example.com", "password": "s3cret-pass", "name": "A"}
    assert client.post("/api/v1/auth/signup", json=payload).status_code == 201
    r = client.post("/api/v1/auth/signup", json={**payload, "email": "A@EXAMPLE.COM"})
    assert r.status_code == 409
    assert r.get_json()["error"]["code"] == "email_taken"


def test_signup_bad_input_answers_per_field(client):
    r = client.post("/api/v1/auth/signup", json={"email": "nope", "password": "short", "name": "x\x00y", "slug": "mine"})
    assert r.status_code == 422
    fields = r.get_json()["error"]["fields"]
    assert set(fields) >= {"email", "password", "name", "slug"}


def test_malformed_json_is_400_json(client):
    r = client.post("/api/v1/auth/signup", data="{not json", content_type="application/json")
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "malformed_json"


def test_token_exchange_and_use(client, app):
    user = make_user()
    r = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": user.plain_password})
    assert r.status_code == 201
    token = r.get_json()["token"]
    listed = client.get("/api/v1/auth/tokens", headers=bearer(token))
    assert listed.status_code == 200
    assert [t["prefix"] for t in listed.get_json()["items"]] == [token[:12]]
    assert "token" not in listed.get_json()["items"][0]


def test_wrong_password_gets_401(client, app):
    user = make_user()
    r = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": "wrong-password"})
    assert r.status_code == 401
    assert r.get_json()["error"]["code"] == "invalid_credentials"


def test_revoked_token_stops_working(client, app):
    user = make_user()
    token = make_token(user)
    token_id = client.get("/api/v1/auth/tokens", headers=bearer(token)).get_json()["items"][0]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{token_id}", headers=bearer(token)).status_code == 204
    r = client.get("/api/v1/auth/tokens", headers=bearer(token))
    assert r.status_code == 401
    assert r.get_json()["error"]["code"] == "invalid_token"


def test_other_users_token_cannot_be_revoked(client, app):
    alice, bob = make_user(), make_user()
    alice_token, bob_token = make_token(alice), make_token(bob)
    bob_id = client.get("/api/v1/auth/tokens", headers=bearer(bob_token)).get_json()["items"][0]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{bob_id}", headers=bearer(alice_token)).status_code == 404
    assert client.get("/api/v1/auth/tokens", headers=bearer(bob_token)).status_code == 200


def test_api_without_auth_is_401_json_not_redirect(client):
    r = client.get("/api/v1/auth/tokens")
    assert r.status_code == 401
    assert r.is_json and r.get_json()["error"]["code"] == "unauthorized"


def test_stored_token_is_hashed(client, app):
    from webapp.auth.models import ApiToken
    from webapp.extensions import db

    token = make_token(make_user())
    stored = db.session.scalars(db.select(ApiToken.token_hash)).all()
    assert token not in stored and all(len(h) == 64 for h in stored)


def test_first_use_of_a_token_is_noted_even_after_another_write(app, backend, time_machine):
    """The first use of a token in an hour writes `last_used_at`. On SQLite a read transaction
    that another request wrote past cannot become a write; the note must not turn that into a
    500 (two phones syncing with one token at the same moment did)."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import func, select, text

    from webapp.auth.models import ApiToken, User
    from webapp.auth.services import find_user_by_token
    from webapp.extensions import db

    time_machine.move_to(datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc), tick=False)
    user = make_user()
    token = make_token(user)
    db.session.commit()
    db.session.scalar(select(func.count()).select_from(User))  # this request's read snapshot
    with db.engine.connect() as other:  # meanwhile another request writes
        other.execute(text("UPDATE users SET name = 'x' WHERE id = :id"), {"id": user.id})
        other.commit()
    assert find_user_by_token(token).id == user.id
    noted = db.session.scalar(select(ApiToken.last_used_at))
    assert noted == datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
    time_machine.shift(timedelta(minutes=30))  # within the hour: no second write
    assert find_user_by_token(token).id == user.id
    assert db.session.scalar(select(ApiToken.last_used_at)) == noted
