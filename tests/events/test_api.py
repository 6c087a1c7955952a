"""/api/v1/events: CRUD, validation per field, the one active event, pages, other users' events."""
import pytest

from tests.conftest import bearer, csrf_token_of
from tests.events.conftest import capture, fresh, post_event
from webapp.contacts.models import Contact, Encounter
from webapp.events.models import Event
from webapp.profiles.services import get_profile_for


def test_event_crud_round_trip(client, owner):
    created = post_event(client, owner, starts_at="2026-05-01T18:00:00+09:00", ends_at="2026-05-01T21:00:00+09:00",
                         place="東京・渋谷", community="PyCon JP", why_here="教育×AIの人に会いに", goal="3人と深く話す")
    assert created["name"] == "PyCon JP" and created["is_active"] is False
    assert created["starts_at"] == "2026-05-01T09:00:00+00:00"
    assert created["ends_at"] == "2026-05-01T12:00:00+00:00"
    path = f"/api/v1/events/{created['id']}"

    got = client.get(path, headers=bearer(owner.token))
    assert got.status_code == 200 and got.get_json() == created

    patched = client.patch(path, json={"place": "大阪", "ends_at": None}, headers=bearer(owner.token))
    assert patched.status_code == 200
    assert patched.get_json()["place"] == "大阪" and patched.get_json()["ends_at"] is None
    assert patched.get_json()["goal"] == "3人と深く話す"  # untouched fields stay

    deleted = client.delete(path, headers=bearer(owner.token))
    assert deleted.status_code == 204 and deleted.data == b""
    assert client.get(path, headers=bearer(owner.token)).status_code == 404


def test_only_a_name_is_needed(client, owner):
    out = post_event(client, owner, name="もくもく会")
    assert out["starts_at"] is None and out["place"] == "" and out["why_here"] == ""


def test_event_out_carries_code_and_card_url_with_it(client, owner):
    out = post_event(client, owner)
    slug = get_profile_for(owner).slug
    assert out["code"] and out["card_url"] == f"https://ichigo.test/c/{slug}?e={out['code']}"
    assert set(out) == {"id", "name", "starts_at", "ends_at", "place", "community", "why_here", "goal",
                        "code", "is_active", "card_url"}


def test_text_is_trimmed_and_normalised(client, owner):
    out = post_event(client, owner, name="  ＰｙＣｏｎ　JP ", place=" 東京 ")
    assert out["place"] == "東京" and not out["name"].startswith(" ")


def test_missing_name_is_422_on_name(client, owner):
    r = client.post("/api/v1/events", json={"place": "東京"}, headers=bearer(owner.token))
    assert r.status_code == 422 and list(r.get_json()["error"]["fields"]) == ["name"]


BAD_FIELDS = [
    ("name", "あ" * 101), ("name", ""), ("name", "   "), ("name", None), ("name", 123), ("name", ["PyCon"]),
    ("name", "Py\u0000Con"), ("name", "<script>alert(1)</script>"), ("name", "<b>bold</b>"),
    ("name", "line\nbreak"), ("name", "carriage\rreturn"), ("name", "tab\tbed"),
    ("place", "あ" * 201), ("place", "a\r\nb"), ("place", 5), ("place", None),
    ("community", "c" * 101), ("community", "<img src=x onerror=alert(1)>"),
    ("why_here", "w" * 281), ("why_here", "one\ntwo"), ("why_here", "javascript:alert(1)"),
    ("goal", "g" * 201), ("goal", "\u0007bell"),
    ("starts_at", "tomorrow"), ("starts_at", "2026-05-01T18:00:00"), ("starts_at", 1714550400),
    ("ends_at", "2026-13-01T00:00:00Z"),
    ("is_active", "perhaps"), ("is_active", [True]),
    ("owner_id", 1), ("code", "mine"), ("id", 7), ("card_url", "https://evil.example"),
    ("created_at", "2020-01-01T00:00:00Z"),
]


@pytest.mark.parametrize("field,value", BAD_FIELDS, ids=[f"{f}={v!r}"[:40] for f, v in BAD_FIELDS])
def test_bad_field_on_create_is_422_naming_it(client, owner, field, value):
    body = {"name": "PyCon JP", field: value}
    r = client.post("/api/v1/events", json=body, headers=bearer(owner.token))
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "validation_failed" and field in error["fields"]
    assert fresh(Event, 1) is None


@pytest.mark.parametrize("field,value", BAD_FIELDS, ids=[f"{f}={v!r}"[:40] for f, v in BAD_FIELDS])
def test_bad_field_on_patch_is_422_naming_it_and_changes_nothing(client, owner, field, value):
    event = post_event(client, owner, place="東京")
    r = client.patch(f"/api/v1/events/{event['id']}", json={"place": "大阪", field: value}, headers=bearer(owner.token))
    assert r.status_code == 422 and field in r.get_json()["error"]["fields"]
    assert fresh(Event, event["id"]).place == "東京"


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '"name"'])
def test_a_body_that_is_not_an_object_is_a_4xx(client, owner, body):
    r = client.post("/api/v1/events", data=body, content_type="application/json", headers=bearer(owner.token))
    assert r.status_code in (400, 422) and "error" in r.get_json()


def test_end_before_start_is_422_on_ends_at(client, owner):
    r = client.post("/api/v1/events", json={"name": "A", "starts_at": "2026-05-01T18:00:00+09:00",
                                            "ends_at": "2026-05-01T08:59:00Z"}, headers=bearer(owner.token))
    assert r.status_code == 422 and list(r.get_json()["error"]["fields"]) == ["ends_at"]


def test_patching_the_start_after_the_stored_end_is_422_on_ends_at(client, owner):
    event = post_event(client, owner, starts_at="2026-05-01T09:00:00Z", ends_at="2026-05-01T12:00:00Z")
    r = client.patch(f"/api/v1/events/{event['id']}", json={"starts_at": "2026-05-02T09:00:00Z"},
                     headers=bearer(owner.token))
    assert r.status_code == 422 and "ends_at" in r.get_json()["error"]["fields"]
    assert fresh(Event, event["id"]).starts_at.day == 1


def test_setting_b_active_deactivates_a(client, owner):
    a = post_event(client, owner, name="A", is_active=True)
    b = post_event(client, owner, name="B")
    r = client.patch(f"/api/v1/events/{b['id']}", json={"is_active": True}, headers=bearer(owner.token))
    assert r.status_code == 200 and r.get_json()["is_active"] is True
    assert client.get(f"/api/v1/events/{a['id']}", headers=bearer(owner.token)).get_json()["is_active"] is False
    c = post_event(client, owner, name="C", is_active=True)
    actives = [e["id"] for e in client.get("/api/v1/events", headers=bearer(owner.token)).get_json()["items"]
               if e["is_active"]]
    assert actives == [c["id"]]


def test_captures_default_to_the_active_event(client, owner):
    event = post_event(client, owner, is_active=True)
    result = capture(client, owner)
    assert fresh(Encounter, result["encounter_id"]).event_id == event["id"]


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_another_users_event_is_404_and_untouched(client, owner, stranger, method):
    theirs = post_event(client, stranger, name="Theirs", is_active=True)
    r = client.open(f"/api/v1/events/{theirs['id']}", method=method,
                    json={"name": "mine now"} if method == "PATCH" else None, headers=bearer(owner.token))
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "event_not_found"
    stored = fresh(Event, theirs["id"])
    assert stored.name == "Theirs" and stored.is_active is True


def test_a_missing_event_answers_the_same_404_as_another_users(client, owner, stranger):
    theirs = post_event(client, stranger)
    missing = client.get("/api/v1/events/999999", headers=bearer(owner.token))
    other = client.get(f"/api/v1/events/{theirs['id']}", headers=bearer(owner.token))
    assert missing.status_code == other.status_code == 404
    assert missing.get_json() == other.get_json()


def test_list_shows_only_my_events(client, owner, stranger):
    post_event(client, stranger, name="Theirs")
    mine = post_event(client, owner, name="Mine")
    out = client.get("/api/v1/events", headers=bearer(owner.token)).get_json()
    assert [e["id"] for e in out["items"]] == [mine["id"]] and out["next"] is None


def test_list_pages_follow_next_until_null(client, owner):
    ids = [post_event(client, owner, name=f"e{i}", starts_at=f"2026-05-0{i + 1}T09:00:00Z")["id"] for i in range(5)]
    seen, url = [], "/api/v1/events?limit=2"
    while url:
        page = client.get(url, headers=bearer(owner.token))
        assert page.status_code == 200
        out = page.get_json()
        assert len(out["items"]) <= 2
        seen += [e["id"] for e in out["items"]]
        url = out["next"]
    assert seen == list(reversed(ids))


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=many", "cursor=garbage"])
def test_bad_list_query_is_422_naming_the_parameter(client, owner, query):
    r = client.get(f"/api/v1/events?{query}", headers=bearer(owner.token))
    assert r.status_code == 422
    assert query.split("=")[0] in r.get_json()["error"]["fields"]


def test_deleting_an_event_keeps_the_contacts_met_there(client, owner):
    event = post_event(client, owner)
    result = capture(client, owner, event_id=event["id"], conversation="教育AIの話")
    assert client.delete(f"/api/v1/events/{event['id']}", headers=bearer(owner.token)).status_code == 204
    assert fresh(Contact, result["contact_id"]).name == "佐藤 花子"
    encounter = fresh(Encounter, result["encounter_id"])
    assert encounter.event_id is None and encounter.conversation == "教育AIの話"


def test_browser_session_needs_the_csrf_header_to_write(client, auth, logged_in):
    refused = client.post("/api/v1/events", json={"name": "A"})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    token = csrf_token_of(client, "/events")
    accepted = client.post("/api/v1/events", json={"name": "A"}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_events_require_authentication(client):
    assert client.get("/api/v1/events").status_code == 401
    assert client.post("/api/v1/events", json={"name": "A"}).status_code == 401


def test_openapi_documents_the_event_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/events"])
    assert {"get", "patch", "delete"} <= set(spec["paths"]["/api/v1/events/{event_id}"])
    schemas = spec["components"]["schemas"]
    assert schemas["EventIn"]["required"] == ["name"] and "required" not in schemas["EventPatch"]
    assert "card_url" in schemas["EventOut"]["properties"]
