"""/api/v1 follow-ups and templates: drafting, listing, review, approve, resend, by hand; 404s and 422s."""
import uuid

import pytest

from tests.conftest import bearer, make_token, make_user
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.profiles.services import update_profile


def _user(**kw):
    user = make_user(**kw)
    update_profile(user, {"name": "山田 太郎", "keyword": "AIと教育を掛け合わせる仕事をしています"})
    user.headers = bearer(make_token(user))
    return user


@pytest.fixture
def owner(app):
    return _user()


@pytest.fixture
def stranger(app):
    return _user()


def post_event(client, user, name="PyCon JP"):
    response = client.post("/api/v1/events", json={"name": name}, headers=user.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def capture(client, user, event_id, name="佐藤 花子", **fields):
    body = {"client_id": str(uuid.uuid4()), "name": name, "event_id": event_id, **fields}
    response = client.post("/api/v1/captures", json=body, headers=user.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def draft(client, user, event_id, **kw):
    response = client.post(f"/api/v1/events/{event_id}/followups", headers=user.headers, **kw)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def follow(client, user, path):
    """Every item of a paged list, from its first page to its last."""
    items = []
    while path:
        page = client.get(path, headers=user.headers).get_json()
        items += page["items"]
        path = page["next"]
    return items


@pytest.fixture
def one(client, owner):
    """One draft for 佐藤 花子, as the API shows it."""
    event_id = post_event(client, owner)
    capture(client, owner, event_id, email="hanako@example.com", conversation="教育AI")
    [followup_id] = draft(client, owner, event_id)["ids"]
    return client.get(f"/api/v1/followups/{followup_id}", headers=owner.headers).get_json()


def test_drafting_for_an_event_answers_counts_ids_and_where_to_read_them(client, owner):
    event_id = post_event(client, owner)
    hanako = capture(client, owner, event_id, email="hanako@example.com", conversation="教育AI")
    no_mail = capture(client, owner, event_id, name="鈴木 一郎", conversation="名刺がなかった")
    capture(client, owner, post_event(client, owner, "Other"), name="別の人", email="other@example.com")

    out = draft(client, owner, event_id, json={})

    assert {key: out[key] for key in ("created", "already", "skipped", "failed")} == {
        "created": 1, "already": 0, "skipped": 1, "failed": 0}
    assert len(out["ids"]) == 1 and out["failures"] == []
    [item] = follow(client, owner, out["drafts_url"])
    assert item["id"] == out["ids"][0] and item["contact_id"] == hanako["contact_id"]
    assert item["contact_name"] == "佐藤 花子" and item["to"] == "hanako@example.com"
    assert item["status"] == "draft" and item["attempts"] == 0 and item["message_id"] == ""
    assert "教育AI" in item["body"] and item["mailto"].startswith("mailto:hanako%40example.com?subject=")
    [skipped] = follow(client, owner, out["skipped_url"])
    assert skipped["contact_id"] == no_mail["contact_id"] and skipped["name"] == "鈴木 一郎"
    assert "名刺がなかった" in skipped["body"] and skipped["subject"] and skipped["problem"] == ""

    again = draft(client, owner, event_id)
    assert (again["created"], again["ids"], again["already"], again["skipped"]) == (0, [], 1, 1)


@pytest.mark.parametrize("kw", [
    {"json": {"event_id": 5}},
    {"json": []},
    {"json": "x"},
    {"data": "hello", "content_type": "text/plain"},
    {"data": "{not json", "content_type": "application/json"},
])
def test_drafting_takes_nothing_or_an_empty_object(client, owner, kw):
    event_id = post_event(client, owner)
    capture(client, owner, event_id, email="hanako@example.com")
    response = client.post(f"/api/v1/events/{event_id}/followups", headers=owner.headers, **kw)
    assert response.status_code in (400, 415, 422) and response.get_json()["error"]["code"]
    assert client.get("/api/v1/followups", headers=owner.headers).get_json()["items"] == []
    assert draft(client, owner, event_id, data="", content_type="text/plain")["created"] == 1


def test_a_contact_the_template_fails_for_is_reported_and_the_others_are_drafted(client, owner):
    template = {"subject": "{{ contact_name }}様",
                "body": "{% if contact_name == 'Ken' %}{{ conversation }}\n{{ conversation }}\n{{ conversation }}"
                        "{% else %}{{ conversation }}{% endif %}"}
    assert client.put("/api/v1/templates/ja", json=template, headers=owner.headers).status_code == 200
    event_id = post_event(client, owner)
    capture(client, owner, event_id, email="hanako@example.com", conversation="教育AI")
    ken = capture(client, owner, event_id, name="Ken", email="ken@example.com", conversation="あ" * 2000,
                  language="ja")

    out = draft(client, owner, event_id)

    assert (out["created"], out["failed"]) == (1, 1)
    [failure] = out["failures"]
    assert failure["contact_id"] == ken["contact_id"] and failure["name"] == "Ken" and failure["part"] == "body"
    assert "longer than 5,000 characters" in failure["reason"]
    assert client.delete("/api/v1/templates/ja", headers=owner.headers).status_code == 200
    again = draft(client, owner, event_id)  # once the template is fixed, Ken is drafted too
    assert (again["created"], again["already"], again["failed"]) == (1, 1, 0)


def test_list_filters_by_status_and_event_and_follows_next(client, owner):
    event_id = post_event(client, owner)
    for n in range(3):
        capture(client, owner, event_id, name=f"P{n}", email=f"p{n}@example.com")
    other = post_event(client, owner, "Other")
    capture(client, owner, other, name="Q", email="q@example.com")
    ids = draft(client, owner, event_id)["ids"]
    [other_id] = draft(client, owner, other)["ids"]
    client.patch(f"/api/v1/followups/{ids[0]}", json={"status": "cancelled"}, headers=owner.headers)

    page = client.get(f"/api/v1/followups?limit=2&event_id={event_id}", headers=owner.headers).get_json()
    assert len(page["items"]) == 2 and f"event_id={event_id}" in page["next"]
    rest = client.get(page["next"], headers=owner.headers).get_json()
    assert len(rest["items"]) == 1 and rest["next"] is None
    assert sorted(i["id"] for i in page["items"] + rest["items"]) == sorted(ids)
    assert [i["id"] for i in follow(client, owner, f"/api/v1/followups?event_id={other}")] == [other_id]
    assert len(follow(client, owner, "/api/v1/followups?limit=2")) == 4
    cancelled = client.get("/api/v1/followups?status=cancelled", headers=owner.headers).get_json()
    assert [i["id"] for i in cancelled["items"]] == [ids[0]] and cancelled["next"] is None


def test_skipped_texts_page_and_another_users_event_is_404(client, owner, stranger):
    event_id = post_event(client, owner)
    made = [capture(client, owner, event_id, name=f"名無し {n}", conversation=f"話題 {n}")["contact_id"]
            for n in range(3)]
    first = client.get(f"/api/v1/events/{event_id}/followups/skipped?limit=2", headers=owner.headers).get_json()
    assert len(first["items"]) == 2 and first["next"]
    texts = follow(client, owner, f"/api/v1/events/{event_id}/followups/skipped?limit=2")
    assert [t["contact_id"] for t in texts] == sorted(made)
    assert all(f"話題 {n}" in t["body"] for n, t in enumerate(texts))
    response = client.get(f"/api/v1/events/{event_id}/followups/skipped", headers=stranger.headers)
    assert response.status_code == 404


@pytest.mark.parametrize("query", ["event_id=0", "event_id=x", "event_id=999999"])
def test_list_of_an_unknown_event_is_422(client, owner, query):
    response = client.get(f"/api/v1/followups?{query}", headers=owner.headers)
    assert response.status_code == 422 and "event_id" in response.get_json()["error"]["fields"]


def test_patch_edits_and_approving_twice_queues_once_with_one_message_id(client, owner, one):
    path = f"/api/v1/followups/{one['id']}"
    edited = client.patch(path, json={"subject": "ありがとうございました", "body": "本文\n二行目"}, headers=owner.headers)
    assert edited.status_code == 200 and edited.get_json()["body"] == "本文\n二行目"
    first = client.patch(path, json={"status": "queued"}, headers=owner.headers).get_json()
    second = client.patch(path, json={"status": "queued"}, headers=owner.headers).get_json()
    assert first["status"] == second["status"] == "queued"
    assert first["message_id"] and first["message_id"] == second["message_id"]
    assert db.session.scalar(db.select(db.func.count()).select_from(FollowUp)) == 1


def test_explicit_send_after_is_kept_even_at_night(client, owner, one):
    out = client.patch(f"/api/v1/followups/{one['id']}", json={"status": "queued",
                       "send_after": "2030-05-01T23:30:00+09:00"}, headers=owner.headers).get_json()
    assert out["send_after"] == "2030-05-01T14:30:00+00:00"


def test_cancel_then_approve_is_a_conflict(client, owner, one):
    path = f"/api/v1/followups/{one['id']}"
    assert client.patch(path, json={"status": "cancelled"}, headers=owner.headers).get_json()["status"] == "cancelled"
    response = client.patch(path, json={"status": "queued"}, headers=owner.headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_queueable"


def test_approve_all_and_sent_by_hand(client, owner, one):
    response = client.post("/api/v1/followups/approve-all", headers=owner.headers)
    assert response.status_code == 200 and response.get_json() == {"queued": 1}
    done = client.post(f"/api/v1/followups/{one['id']}/sent-by-hand", headers=owner.headers)
    assert done.status_code == 200
    assert done.get_json()["status"] == "sent" and done.get_json()["is_sent_by_hand"] is True
    again = client.post(f"/api/v1/followups/{one['id']}/sent-by-hand", headers=owner.headers)
    assert again.status_code == 409


def test_resend_only_for_failed_or_unknown(client, owner, one):
    path = f"/api/v1/followups/{one['id']}/resend"
    assert client.post(path, headers=owner.headers).status_code == 409
    db.session.execute(db.update(FollowUp).where(FollowUp.id == one["id"]).values(
        status="unknown", last_error="may have been sent"))
    db.session.commit()
    shown = client.get(f"/api/v1/followups/{one['id']}", headers=owner.headers).get_json()
    assert shown["status"] == "unknown" and shown["last_error"] == "may have been sent"
    out = client.post(path, headers=owner.headers)
    assert out.status_code == 200 and out.get_json()["status"] == "queued" and out.get_json()["last_error"] == ""


@pytest.mark.parametrize("method,suffix,body", [
    ("GET", "", None), ("PATCH", "", {"status": "queued"}), ("POST", "/resend", None),
    ("POST", "/sent-by-hand", None),
])
def test_another_users_follow_up_is_404(client, owner, stranger, one, method, suffix, body):
    response = client.open(f"/api/v1/followups/{one['id']}{suffix}", method=method, json=body,
                           headers=stranger.headers)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert db.session.get(FollowUp, one["id"]).status == "draft"


def test_another_users_event_cannot_be_drafted_and_lists_stay_apart(client, owner, stranger, one):
    event_id = post_event(client, owner, "Mine")
    assert client.post(f"/api/v1/events/{event_id}/followups", headers=stranger.headers).status_code == 404
    assert client.get("/api/v1/followups", headers=stranger.headers).get_json() == {"items": [], "next": None}


@pytest.mark.parametrize("body,field", [
    ({"subject": "a\nb"}, "subject"),
    ({"subject": ""}, "subject"),
    ({"subject": "あ" * 201}, "subject"),
    ({"subject": 5}, "subject"),
    ({"body": "あ" * 5001}, "body"),
    ({"body": ""}, "body"),
    ({"body": "<script>alert(1)</script>"}, "body"),
    ({"send_after": "2030-05-01T10:00:00"}, "send_after"),   # no offset
    ({"send_after": "tomorrow"}, "send_after"),
    ({"send_after": "0001-01-01T00:00:00+01:00"}, "send_after"),
    ({"status": "sent"}, "status"),
    ({"status": "sending"}, "status"),
    ({"to": "other@example.com"}, "to"),                     # unknown fields are refused
    ({"message_id": "<x@y>"}, "message_id"),
])
def test_bad_patch_input_is_422_per_field(client, owner, one, body, field):
    response = client.patch(f"/api/v1/followups/{one['id']}", json=body, headers=owner.headers)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and field in error["fields"]


@pytest.mark.parametrize("query", ["status=nope", "limit=0", "limit=101", "cursor=-1", "cursor=x"])
def test_bad_list_query_is_422(client, owner, query):
    assert client.get(f"/api/v1/followups?{query}", headers=owner.headers).status_code == 422


def test_templates_get_put_delete(client, owner):
    out = client.get("/api/v1/templates/en", headers=owner.headers).get_json()
    assert out["is_default"] is True and "{{ contact_name }}" in out["body"] and "my_card_url" in out["variables"]
    saved = client.put("/api/v1/templates/ja", json={"subject": "{{ contact_name }}様", "body": "本文\n{{ conversation }}"},
                       headers=owner.headers)
    assert saved.status_code == 200 and saved.get_json()["is_default"] is False
    assert client.get("/api/v1/templates/ja", headers=owner.headers).get_json()["subject"] == "{{ contact_name }}様"
    reset = client.delete("/api/v1/templates/ja", headers=owner.headers)
    assert reset.status_code == 200 and reset.get_json()["is_default"] is True


@pytest.mark.parametrize("body,line,words", [
    ("一行目\n二行目\n{% if promise %}", 3, "end of template"),
    ("Hi\n{{ contact_phone }}", 2, "contact_phone"),
    ("{{ ''.__class__ }}", 1, "unsafe"),
])
def test_a_broken_template_is_422_naming_line_and_reason(client, owner, body, line, words):
    response = client.put("/api/v1/templates/ja", json={"subject": "件名", "body": body}, headers=owner.headers)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "template_invalid" and f"line {line}" in error["message"] and words in error["message"]
    assert f"line {line}" in error["fields"]["body"][0]
    assert client.get("/api/v1/templates/ja", headers=owner.headers).get_json()["is_default"] is True


def test_unknown_locale_is_404_and_bad_template_input_422(client, owner):
    assert client.get("/api/v1/templates/fr", headers=owner.headers).status_code == 404
    assert client.put("/api/v1/templates/fr", json={"subject": "a", "body": "b"}, headers=owner.headers).status_code == 404
    assert client.put("/api/v1/templates/ja", json={"subject": "a"}, headers=owner.headers).status_code == 422
    assert client.put("/api/v1/templates/ja", json={"subject": "a", "body": "b", "x": 1},
                      headers=owner.headers).status_code == 422


def test_a_session_json_post_without_csrf_is_refused(client, auth, owner):
    auth.login(owner.email)
    response = client.post("/api/v1/followups/approve-all")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf_failed"
