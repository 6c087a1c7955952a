"""/api/v1/profile: read and replace one's own brand profile; every bad field is a 422 naming it."""
import pytest

from tests.conftest import bearer, make_token, make_user

VALID = {"name": "山田 太郎", "keyword": "AIと教育を掛け合わせる仕事をしています"}

#: every text field and its limit
LIMITS = {
    "name": 100, "name_reading": 100, "keyword": 60, "current_work": 280, "why_here": 280,
    "next_challenge": 280, "signature_text": 60, "offers": 280, "asks": 280, "company": 100,
    "title": 100, "public_phone": 40, "public_email": 254,
}


def too_long(field):
    if field == "public_email":
        return "a" * 64 + "@" + "b" * 190 + ".example"
    if field == "public_phone":
        return "1" * (LIMITS[field] + 1)
    return "あ" * (LIMITS[field] + 1)


BAD_VALUES = {
    "too_long": too_long,
    "wrong_type": lambda field: 12345,
    "list_type": lambda field: ["a"],
    "nul": lambda field: "ab\x00cd",
    "control_char": lambda field: "ab\x1bcd",
    "html": lambda field: "<script>alert(1)</script>",
    "cr_lf": lambda field: "first\r\nsecond",
    "lone_lf": lambda field: "first\nsecond",
}

#: fields that take several lines (tests/profiles/test_several_lines.py): a line break is no error there
SEVERAL_LINES = {"offers", "asks"}
CASES = [pytest.param(field, kind, id=f"{field}-{kind}") for field in LIMITS for kind in BAD_VALUES
         if not (field in SEVERAL_LINES and kind in ("cr_lf", "lone_lf"))]
CASES += [pytest.param("signature_color", kind, value, id=f"signature_color-{kind}") for kind, value in {
    "wrong_type": 12345, "not_hex": "red", "short": "#12345", "nul": "#1e6b5\x00", "html": "<b>#fff</b>",
    "cr_lf": "#1e6b52\r\n",
}.items()]
CASES += [pytest.param("links", kind, value, id=f"links-{kind}") for kind, value in {
    "not_a_list": "https://example.com", "wrong_item_type": [42], "javascript": ["javascript:alert(1)"],
    "data": ["data:text/html;base64,PHNjcmlwdD4="], "ftp": ["ftp://example.com/x"], "no_host": ["https://"],
    "too_many": [f"https://example.com/{i}" for i in range(6)], "nul": ["https://example.com/\x00"],
    "cr_lf": ["https://example.com/\r\nX: y"], "too_long": ["https://example.com/" + "a" * 600],
    "html": ["https://example.com/<script>"],
}.items()]


@pytest.fixture
def token(app):
    return make_token(make_user())


def put(client, token, body):
    return client.put("/api/v1/profile", json=body, headers=bearer(token))


def test_get_profile_shows_slug_card_url_and_advice(client, token):
    body = client.get("/api/v1/profile", headers=bearer(token)).get_json()
    assert body["card_url"] == f"https://ichigo.test/c/{body['slug']}"
    assert body["is_public"] is False
    assert body["keyword_advice"][0]["code"] == "missing"
    assert "email" not in body and "user_id" not in body


def test_put_with_name_and_keyword_makes_the_card_public(client, token):
    response = put(client, token, VALID)
    assert response.status_code == 200
    body = response.get_json()
    assert body["is_public"] is True and body["keyword"] == VALID["keyword"]
    assert body["keyword_advice"] == []
    assert client.get(f"/c/{body['slug']}").status_code == 200


def test_put_round_trips_every_field(client, token):
    from tests.profiles.helpers import FULL_PROFILE

    body = put(client, token, FULL_PROFILE).get_json()
    assert {key: body[key] for key in FULL_PROFILE} == FULL_PROFILE
    again = client.get("/api/v1/profile", headers=bearer(token)).get_json()
    assert again == body


def test_put_normalises_colour_and_trims_text(client, token):
    body = put(client, token, {**VALID, "name": "  Jane Doe  ", "signature_color": "#1E6B52"}).get_json()
    assert body["name"] == "Jane Doe" and body["signature_color"] == "#1e6b52"


def test_generic_keyword_is_saved_with_advice(client, token):
    response = put(client, token, {**VALID, "keyword": "I work in IT"})
    assert response.status_code == 200
    assert [a["code"] for a in response.get_json()["keyword_advice"]] == ["generic"]


@pytest.mark.parametrize("field", ["name", "keyword"])
@pytest.mark.parametrize("value", [None, "", "   "], ids=["missing", "empty", "blank"])
def test_name_and_keyword_are_required(client, token, field, value):
    body = {**VALID, field: value} if value is not None else {k: v for k, v in VALID.items() if k != field}
    response = put(client, token, body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("field,kind,value", [c if len(c.values) == 3 else pytest.param(
    *c.values, None, id=c.id) for c in CASES])
def test_bad_field_is_422_naming_that_field_and_changes_nothing(client, token, field, kind, value):
    if value is None:
        value = BAD_VALUES[kind](field)
    before = client.get("/api/v1/profile", headers=bearer(token)).get_json()
    response = put(client, token, {**VALID, field: value})
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert list(error["fields"]) == [field]
    assert client.get("/api/v1/profile", headers=bearer(token)).get_json() == before


@pytest.mark.parametrize("field", ["slug", "user_id", "id", "email", "is_public", "card_url", "keyword_advice"])
def test_unknown_and_read_only_fields_are_refused(client, token, field):
    response = put(client, token, {**VALID, field: "x"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"][field] == ["Unknown field."]


def test_five_links_are_fine(client, token):
    links = [f"https://example.com/{i}" for i in range(5)]
    assert put(client, token, {**VALID, "links": links}).get_json()["links"] == links


def test_body_that_is_not_an_object_is_refused(client, token):
    assert put(client, token, ["name"]).status_code == 422
    response = client.put("/api/v1/profile", data="{oops", content_type="application/json", headers=bearer(token))
    assert response.status_code == 400


def test_profile_api_requires_login(client, app):
    assert client.get("/api/v1/profile").status_code == 401
    assert client.put("/api/v1/profile", json=VALID).status_code == 401
    assert client.get("/api/v1/profile/keyword-advice?keyword=x").status_code == 401


def test_one_user_cannot_see_or_change_another_users_profile(client, app):
    alice_token, bob_token = make_token(make_user()), make_token(make_user())
    alice = put(client, alice_token, {**VALID, "keyword": "I build AI tools for teachers"}).get_json()
    bob = put(client, bob_token, {**VALID, "keyword": "I automate bookkeeping for small shops"}).get_json()
    assert alice["slug"] != bob["slug"]
    assert client.get("/api/v1/profile", headers=bearer(alice_token)).get_json()["keyword"] == alice["keyword"]
    # no way to aim at someone else's profile: the slug is not an input
    response = put(client, alice_token, {**VALID, "slug": bob["slug"]})
    assert response.status_code == 422
    assert client.get("/api/v1/profile", headers=bearer(bob_token)).get_json() == bob


def test_cookie_session_put_needs_the_csrf_header(client, auth, logged_in):
    assert client.put("/api/v1/profile", json=VALID).status_code == 400
    token = auth.csrf("/profile")
    response = client.put("/api/v1/profile", json=VALID, headers={"X-CSRFToken": token})
    assert response.status_code == 200


@pytest.mark.parametrize("keyword,code", [
    ("エンジニア", "job_title"), ("IT企業で働いています", "generic"), ("I do various things", "vague"), ("", "missing"),
])
def test_keyword_advice_endpoint_coaches_as_you_type(client, token, keyword, code):
    response = client.get("/api/v1/profile/keyword-advice", query_string={"keyword": keyword},
                          headers=bearer(token))
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert code in [item["code"] for item in items]
    assert all(item["message"] and item["example"] for item in items)


def test_specific_keyword_gets_no_advice(client, token):
    response = client.get("/api/v1/profile/keyword-advice", query_string={"keyword": "I build AI tools for teachers"},
                          headers=bearer(token))
    assert response.get_json() == {"items": []}


def test_openapi_documents_the_profile_api(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "put"} <= set(paths["/api/v1/profile"])
    assert "get" in paths["/api/v1/profile/keyword-advice"]
