"""Text no database or mail can hold (lone surrogates, NUL) is refused at the edge, in a JSON body,
a query, a path, a header or a form, with a 4xx naming what was wrong; never a 500 (PostgreSQL
refuses NUL in text, so these run on it too)."""
import json

import pytest

from tests.conftest import bearer, make_user_with_token

CLIENT_ID = "6f1c1f59-6f57-4f1e-9d7a-0d6f0b1f2a3b"

#: (method, path, a valid body, the field to spoil); the body is valid so only the spoiled field can be refused
ENDPOINTS = [
    ("POST", "/api/v1/auth/signup", {"email": "new@example.com", "password": "correct horse battery", "name": "A"},
     "password"),
    ("POST", "/api/v1/auth/signup", {"email": "new@example.com", "password": "correct horse battery", "name": "A",
                                     "timezone": "Asia/Tokyo"}, "timezone"),
    ("POST", "/api/v1/auth/tokens", {"email": "{email}", "password": "correct horse battery"}, "password"),
    ("POST", "/api/v1/events", {"name": "PyCon JP"}, "name"),
    ("PUT", "/api/v1/profile", {"name": "山田 太郎", "keyword": "AIと教育"}, "keyword"),
    ("POST", "/api/v1/captures", {"client_id": CLIENT_ID, "name": "佐藤", "conversation": "教育"}, "conversation"),
    ("POST", "/api/v1/scan", {"payload": "https://example.com/"}, "payload"),
    ("PATCH", "/api/v1/reminders/settings", {"digest": "weekly"}, "digest"),
]


def call(client, user, method, path, body: str):
    return client.open(path, method=method, data=body, content_type="application/json", headers=bearer(user.token))


def spoil(body: dict, field: str, value: str, user) -> str:
    body = {key: (user.email if item == "{email}" else item) for key, item in body.items()}
    body[field] = (body.get(field) or "") + value
    return json.dumps(body)  # ensure_ascii: a lone surrogate is written as the escape \ud83d, as a client would


@pytest.mark.parametrize("method,path,body,field", ENDPOINTS)
@pytest.mark.parametrize("bad", ["\ud83d", "\udc00x", "a\u0000b"], ids=["high_surrogate", "low_surrogate", "nul"])
def test_unencodable_text_in_any_json_field_is_a_422_naming_the_field(client, method, path, body, field, bad):
    user = make_user_with_token()
    response = call(client, user, method, path, spoil(body, field, bad, user))
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and field in error["fields"]


def test_a_lone_surrogate_deep_in_a_list_is_named_by_its_path(client):
    user = make_user_with_token()
    body = '{"name": "A", "keyword": "B", "links": ["https://example.com/", "https://example.com/\\ud83d"]}'
    response = call(client, user, "PUT", "/api/v1/profile", body)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]["links"]) == {"1"}


def test_a_lone_surrogate_in_a_key_is_a_422(client):
    user = make_user_with_token()
    response = call(client, user, "POST", "/api/v1/events", '{"name": "PyCon", "\\ud83d": 1}')
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"
    json.dumps(response.get_json(), ensure_ascii=False).encode()  # the answer itself is encodable


def test_a_surrogate_pair_is_one_character_and_is_accepted(client):
    user = make_user_with_token()
    response = call(client, user, "POST", "/api/v1/events", '{"name": "PyCon \\ud83c\\udf53"}')
    assert response.status_code == 201 and response.get_json()["name"] == "PyCon 🍓"


@pytest.mark.parametrize("path", ["/api/v1/contacts?q=%00", "/api/v1/contacts?q=a%00b&tier=grow",
                                  "/api/v1/events?cursor=%00"])
def test_nul_in_a_query_string_is_a_422(client, path):
    user = make_user_with_token()
    response = client.get(path, headers=bearer(user.token))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"


def test_nul_in_the_contacts_search_page_is_refused(client, auth):
    user = make_user_with_token()
    auth.login(user.email)
    response = client.get("/contacts?q=%00")
    assert response.status_code == 422 and "<html" in response.get_data(as_text=True)


def test_an_invalid_utf8_query_is_read_as_replacement_characters(client):
    user = make_user_with_token()
    response = client.get("/api/v1/contacts?q=%ED%A0%BD", headers=bearer(user.token))  # an encoded surrogate
    assert response.status_code == 200 and response.get_json()["items"] == []


@pytest.mark.parametrize("path", ["/c/%00", "/c/ab%00cd.json", "/c/ab%00cd.vcf", "/c/ab%00cd/qr.svg",
                                  "/feeds/a%00b.ics", "/api/v1/templates/j%00a", "/api/v1/cadence/gr%00ow"])
def test_nul_in_a_path_is_a_404(client, path):
    user = make_user_with_token()
    method = "PUT" if "cadence" in path else "GET"
    response = client.open(path, method=method, json={"rhythms": []}, headers=bearer(user.token))
    assert response.status_code == 404


def test_nul_in_a_card_link_event_code_is_ignored_or_refused(client):
    from webapp.profiles.services import update_profile

    user = make_user_with_token()
    profile = update_profile(user, {"name": "山田", "keyword": "AIと教育"})
    response = client.get(f"/c/{profile.slug}?e=%00")
    assert response.status_code in (200, 404, 422)


def test_nul_in_a_bearer_token_is_a_401(client):
    response = client.get("/api/v1/profile", headers={"Authorization": "Bearer ab\x00cd"})
    assert response.status_code == 401


@pytest.mark.parametrize("form", [{"email": "a\x00@example.com", "password": "x"}, {"email": "{email}", "password": "a\x00b"}])
def test_nul_in_the_log_in_form_is_refused_not_a_500(client, auth, form):
    user = make_user_with_token()
    form = {key: (user.email if value == "{email}" else value) for key, value in form.items()}
    response = client.post("/login", data={**form, "csrf_token": auth.csrf("/login")})
    assert response.status_code in (401, 422)
