"""Every field that ends up in a mail header or display name refuses encoded words and invisible
characters at the edge, as a 422 that names the field (never stored, never a 500)."""
import base64
import uuid

import pytest

from tests.conftest import bearer, make_token, make_user

ENCODED = "=?utf-8?b?" + base64.b64encode(b"Eve\r\nBcc: e@evil.example").decode() + "?="
RLO = "Eve\u202eevil"
ZWSP_ONLY = "\u200b\u200b"
ZWJ_EMOJI = "Ana 👩\u200d💻"  # fine in notes, not in a name that goes into To:


@pytest.fixture
def headers(app):
    return bearer(make_token(make_user()))


def event_id(client, headers):
    return client.post("/api/v1/events", json={"name": "PyCon JP"}, headers=headers).get_json()["id"]


def requests(client, headers):
    """(method, path, body for a value) for each header-bound field."""
    yield "POST", "/api/v1/captures", lambda v: {"client_id": str(uuid.uuid4()), "name": v}, "name"
    yield "PUT", "/api/v1/profile", lambda v: {"name": v, "keyword": "AI tools for teachers"}, "name"
    yield "POST", "/api/v1/events", lambda v: {"name": v}, "name"
    yield "POST", "/api/v1/auth/signup", lambda v: {"email": f"{uuid.uuid4().hex}@example.com",
                                                    "password": "a long passphrase", "name": v}, "name"
    yield "PUT", "/api/v1/templates/ja", lambda v: {"subject": v, "body": "本文"}, "subject"


@pytest.mark.parametrize("value", [ENCODED, RLO, ZWSP_ONLY, ZWJ_EMOJI])
def test_header_bound_fields_refuse_encoded_words_and_invisible_characters(client, headers, value):
    for method, path, body, field in requests(client, headers):
        response = client.open(path, method=method, json=body(value), headers=headers)
        assert response.status_code == 422, (path, response.get_json())
        assert field in response.get_json()["error"]["fields"], (path, response.get_json())


def test_a_contact_name_and_a_follow_up_subject_refuse_them_too(client, headers):
    made = client.post("/api/v1/captures", json={"client_id": str(uuid.uuid4()), "name": "Eve",
                                                 "email": "eve@example.net", "event_id": event_id(client, headers)},
                       headers=headers).get_json()
    response = client.patch(f"/api/v1/contacts/{made['contact_id']}", json={"name": RLO}, headers=headers)
    assert response.status_code == 422 and "name" in response.get_json()["error"]["fields"]
    event = client.get("/api/v1/events", headers=headers).get_json()["items"][0]["id"]
    drafted = client.post(f"/api/v1/events/{event}/followups", headers=headers).get_json()
    [draft] = client.get(drafted["drafts_url"], headers=headers).get_json()["items"]
    response = client.patch(f"/api/v1/followups/{draft['id']}", json={"subject": ENCODED}, headers=headers)
    assert response.status_code == 422 and "subject" in response.get_json()["error"]["fields"]


def test_notes_keep_emoji_sequences_but_refuse_bidi_overrides(client, headers):
    ok = client.post("/api/v1/captures", json={"client_id": str(uuid.uuid4()), "name": "Ana",
                                               "conversation": ZWJ_EMOJI}, headers=headers)
    assert ok.status_code == 201
    bad = client.post("/api/v1/captures", json={"client_id": str(uuid.uuid4()), "name": "Ana",
                                                "conversation": f"see {RLO}"}, headers=headers)
    assert bad.status_code == 422 and "conversation" in bad.get_json()["error"]["fields"]


def test_a_share_back_email_with_an_encoded_word_is_refused(client, app):
    from webapp.profiles.services import get_profile_for, update_profile

    owner = make_user()
    update_profile(owner, {"name": "Taro", "keyword": "AI tools for teachers"})
    response = client.post(f"/c/{get_profile_for(owner).slug}/connect",
                           data={"name": "Eve", "email": ENCODED + "@example.net"})
    assert response.status_code == 422 and 'id="email-error"' in response.get_data(as_text=True)
