"""Headers on every response, CSRF on cookie-authenticated JSON, none on Bearer calls."""
import pytest

from tests.conftest import bearer, make_token, make_user


@pytest.mark.parametrize("path", ["/", "/login", "/healthz", "/api/v1/openapi.json", "/no-such-page"])
def test_security_headers_on_every_response(client, path):
    r = client.get(path)
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"]


def test_pages_carry_no_inline_script(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html


def test_cookie_authenticated_json_post_without_csrf_header_is_refused(client, logged_in):
    r = client.post("/api/v1/auth/tokens", json={"email": logged_in.email, "password": logged_in.plain_password})
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "csrf_failed"


def test_cookie_authenticated_json_with_csrf_header_is_accepted(client, logged_in, auth):
    token = auth.csrf("/")
    tokens = client.get("/api/v1/auth/tokens").get_json()["items"]
    r = client.post("/api/v1/auth/tokens", json={"email": logged_in.email, "password": logged_in.plain_password},
                    headers={"X-CSRFToken": token})
    assert r.status_code == 201
    assert len(client.get("/api/v1/auth/tokens").get_json()["items"]) == len(tokens) + 1


def test_bearer_calls_need_no_csrf(client, app):
    token = make_token(make_user())
    tid = client.get("/api/v1/auth/tokens", headers=bearer(token)).get_json()["items"][0]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{tid}", headers=bearer(token)).status_code == 204


def test_a_bad_bearer_token_is_401_even_with_a_session(client, logged_in):
    r = client.get("/api/v1/auth/tokens", headers=bearer("ich_forged"))
    assert r.status_code == 401


def test_unknown_api_route_is_json_404(client):
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_json_405(client):
    r = client.put("/api/v1/auth/signup", json={})
    assert r.status_code == 405 and r.get_json()["error"]["code"] == "method_not_allowed"


def test_oversized_body_is_413_json(client):
    r = client.post("/api/v1/auth/signup", data="x" * (2 * 1024 * 1024), content_type="application/json")
    assert r.status_code == 413
    assert r.get_json()["error"]["code"] == "request_entity_too_large"


def test_healthz_answers_ok(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
