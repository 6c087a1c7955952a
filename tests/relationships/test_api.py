"""/api/v1 for keeping in touch: reminders, touches, tiers, cadence, promises, snoozes, review, settings.
Another user's object is a 404; bad input a 4xx with a message per field, never a 500."""
from datetime import date

import pytest

from tests.conftest import bearer
from tests.relationships.helpers import T0, days, meet


def get(client, user, path):
    return client.get(path, headers=bearer(user.token))


def send(client, user, method, path, body=None):
    return client.open(path, method=method, json=body, headers=bearer(user.token))


def test_reminders_list_what_is_due(client, owner, clock):
    hanako = meet(owner, tier="grow", email="hanako@example.com", conversation="教育AI", needs="採用",
                  promise="記事を送る", promise_due=date(2025, 6, 10))
    clock.shift(days(31))
    response = get(client, owner, "/api/v1/reminders")
    assert response.status_code == 200
    body = response.get_json()
    assert body["next"] is None
    assert [(i["kind"], i["channel"]) for i in body["items"]] == [("promise", None), ("touch", "touch")]
    touch = body["items"][1]
    assert touch["contact_id"] == hanako and touch["contact_name"] == "佐藤 花子"
    assert (touch["last_conversation"], touch["needs"]) == ("教育AI", "採用")
    assert touch["due_at"] == "2025-07-01T09:00:00+00:00" and touch["is_overdue"] is True
    assert body["items"][0]["text"] == "記事を送る" and body["items"][0]["is_overdue"] is True
    only = get(client, owner, "/api/v1/reminders?kind=touch").get_json()["items"]
    assert [i["kind"] for i in only] == ["touch"]


def test_reminders_page_by_cursor(client, owner, clock):
    for i in range(5):
        meet(owner, f"P{i}")
    clock.shift(days(8))
    first = get(client, owner, "/api/v1/reminders?limit=3").get_json()
    assert len(first["items"]) == 3 and first["next"]
    second = get(client, owner, first["next"]).get_json()
    assert len(second["items"]) == 2 and second["next"] is None


@pytest.mark.parametrize("query,field", [("kind=nope", "kind"), ("limit=0", "limit"), ("limit=x", "limit"),
                                         ("cursor=%%%", "cursor"), ("cursor=bm90IGEgY3Vyc29y", "cursor")])
def test_bad_reminder_queries_are_422_per_field(client, owner, query, field):
    response = get(client, owner, f"/api/v1/reminders?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_one_tap_touch_resets_its_rhythm(client, owner, clock):
    hanako = meet(owner, tier="grow")
    clock.shift(days(31))
    response = send(client, owner, "POST", f"/api/v1/contacts/{hanako}/interactions", {"kind": "comment"})
    assert response.status_code == 201
    assert response.get_json()["channel"] == "touch"
    assert get(client, owner, "/api/v1/reminders").get_json()["items"] == []
    listed = get(client, owner, f"/api/v1/contacts/{hanako}/interactions").get_json()["items"]
    assert [i["kind"] for i in listed] == ["comment"]


@pytest.mark.parametrize("body,field", [({"kind": "fax"}, "kind"), ({}, "kind"),
                                        ({"kind": "call", "occurred_at": "yesterday"}, "occurred_at"),
                                        ({"kind": "call", "note": "<script>"}, "note"),
                                        ({"kind": "call", "extra": 1}, "extra")])
def test_bad_touches_are_422(client, owner, body, field):
    hanako = meet(owner)
    response = send(client, owner, "POST", f"/api/v1/contacts/{hanako}/interactions", body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_tier_put_records_the_review(client, owner, clock):
    hanako = meet(owner)
    clock.shift(days(3))
    response = send(client, owner, "PUT", f"/api/v1/contacts/{hanako}/tier", {"tier": "grow"})
    assert response.status_code == 200
    assert response.get_json()["tier"] == "grow"
    assert response.get_json()["tier_reviewed_at"] == (T0 + days(3)).isoformat()
    assert send(client, owner, "PUT", f"/api/v1/contacts/{hanako}/tier", {"tier": "vip"}).status_code == 422


def test_cadence_policies_are_editable_and_validated(client, owner):
    policies = get(client, owner, "/api/v1/cadence").get_json()["items"]
    grow = next(p for p in policies if p["tier"] == "grow")
    assert grow["is_default"] and [r["channel"] for r in grow["rhythms"]] == ["touch", "email", "meet"]
    body = {"rhythms": [{"channel": "meet", "every_days": 90, "within_days": 120},
                        {"channel": "email", "every_days": 30}]}
    saved = send(client, owner, "PUT", "/api/v1/cadence/maintain", body).get_json()
    assert not saved["is_default"]
    assert [(r["channel"], r["every_days"], r["within_days"]) for r in saved["rhythms"]] == \
        [("email", 30, None), ("meet", 90, 120)]
    assert send(client, owner, "DELETE", "/api/v1/cadence/maintain").get_json()["is_default"]
    assert send(client, owner, "PUT", "/api/v1/cadence/vip", body).status_code == 404


@pytest.mark.parametrize("rhythms", [
    [{"channel": "meet", "every_days": 200, "within_days": 100}],
    [{"channel": "meet", "every_days": 0}],
    [{"channel": "meet", "every_days": "often"}],
    [{"channel": "fax", "every_days": 10}],
    [{"channel": "email", "every_days": 10}, {"channel": "email", "every_days": 20}],
    "weekly",
])
def test_bad_rhythms_are_422(client, owner, rhythms):
    response = send(client, owner, "PUT", "/api/v1/cadence/grow", {"rhythms": rhythms})
    assert response.status_code == 422
    assert "rhythms" in response.get_json()["error"]["fields"]


def test_snooze_through_the_api(client, owner, clock):
    hanako = meet(owner, tier="grow")
    clock.shift(days(31))
    response = send(client, owner, "POST", "/api/v1/reminders/snooze",
                    {"contact_id": hanako, "kind": "touch", "channel": "touch", "days": 7})
    assert response.status_code == 201
    assert response.get_json()["until"] == (T0 + days(38)).isoformat()
    assert get(client, owner, "/api/v1/reminders").get_json()["items"] == []


@pytest.mark.parametrize("body,field", [
    ({"kind": "touch", "days": 7}, "contact_id"),
    ({"contact_id": 1, "kind": "touch", "days": 7}, "channel"),
    ({"contact_id": 1, "kind": "review"}, "days"),
    ({"contact_id": 1, "kind": "review", "days": 7, "until": "2030-01-01T00:00:00+00:00"}, "days"),
    ({"contact_id": 1, "kind": "review", "days": 0}, "days"),
    ({"contact_id": 1, "kind": "promise", "days": 3}, "kind"),
    ({"contact_id": 1, "kind": "review", "until": "2030-01-01T00:00:00"}, "until"),
])
def test_bad_snoozes_are_422(client, owner, body, field):
    meet(owner)
    response = send(client, owner, "POST", "/api/v1/reminders/snooze", body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_promises_open_done_and_closing_logs_the_touch(client, owner, clock):
    hanako = meet(owner, tier="grow")
    created = send(client, owner, "POST", f"/api/v1/contacts/{hanako}/promises",
                   {"text": "記事を送る", "due_on": "2025-06-05"})
    assert created.status_code == 201
    promise = created.get_json()
    assert (promise["done"], promise["due_on"]) == (False, "2025-06-05")
    assert send(client, owner, "POST", f"/api/v1/contacts/{hanako}/promises", {"text": ""}).status_code == 422
    clock.shift(days(31))
    closed = send(client, owner, "PATCH", f"/api/v1/promises/{promise['id']}", {"done": True, "log_kind": "email"})
    assert closed.get_json()["done"] is True
    assert get(client, owner, "/api/v1/promises").get_json()["items"] == []
    assert [p["id"] for p in get(client, owner, "/api/v1/promises?status=done").get_json()["items"]] == \
        [promise["id"]]
    interactions = get(client, owner, f"/api/v1/contacts/{hanako}/interactions").get_json()["items"]
    assert [i["kind"] for i in interactions] == ["email"]
    bad = send(client, owner, "PATCH", f"/api/v1/promises/{promise['id']}", {"due_on": "someday"})
    assert bad.status_code == 422 and "due_on" in bad.get_json()["error"]["fields"]
    assert get(client, owner, "/api/v1/promises?status=maybe").status_code == 422


def test_review_warns_above_the_grow_cap(client, owner):
    assert send(client, owner, "PATCH", "/api/v1/reminders/settings", {"grow_cap": 1}).status_code == 200
    meet(owner, "A", tier="grow")
    assert get(client, owner, "/api/v1/review").get_json()["over_cap"] is False
    meet(owner, "B", tier="grow")
    review = get(client, owner, "/api/v1/review").get_json()
    assert review["over_cap"] is True and review["grow_cap"] == 1
    assert review["tiers"][0] == {"tier": "grow", "count": 2, "to_review": 0}


@pytest.mark.parametrize("body,field", [({"grow_cap": 0}, "grow_cap"), ({"grow_cap": "x"}, "grow_cap"),
                                        ({"digest": "hourly"}, "digest")])
def test_bad_settings_are_422(client, owner, body, field):
    response = send(client, owner, "PATCH", "/api/v1/reminders/settings", body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_checkin_draft_goes_to_the_follow_up_queue(client, owner, clock):
    hanako = meet(owner, tier="grow", email="hanako@example.com", conversation="教育AI")
    nobody = meet(owner, "鈴木 太郎")
    response = send(client, owner, "POST", f"/api/v1/contacts/{hanako}/checkin")
    assert response.status_code == 201
    draft = response.get_json()
    assert draft["status"] == "draft" and draft["to"] == "hanako@example.com" and "教育AI" in draft["body"]
    again = send(client, owner, "POST", f"/api/v1/contacts/{hanako}/checkin").get_json()
    assert again["id"] == draft["id"]  # a draft already waits: no second one
    missing = send(client, owner, "POST", f"/api/v1/contacts/{nobody}/checkin")
    assert missing.status_code == 422 and "contact_id" in missing.get_json()["error"]["fields"]


def test_matches_through_the_api(client, owner):
    send(client, owner, "PUT", "/api/v1/profile", {"name": "山田 太郎", "keyword": "AIと教育", "offers": "採用の相談"})
    hanako = meet(owner, needs="エンジニア採用に困っている")
    body = get(client, owner, "/api/v1/matches").get_json()
    assert body["has_offers"] and [(m["contact_id"], m["offer"]) for m in body["items"]] == [(hanako, "採用の相談")]


@pytest.mark.parametrize("method,path,body", [
    ("POST", "/api/v1/contacts/{c}/interactions", {"kind": "call"}),
    ("GET", "/api/v1/contacts/{c}/interactions", None),
    ("PUT", "/api/v1/contacts/{c}/tier", {"tier": "grow"}),
    ("POST", "/api/v1/contacts/{c}/checkin", None),
    ("POST", "/api/v1/contacts/{c}/promises", {"text": "x"}),
    ("PATCH", "/api/v1/promises/{p}", {"done": True}),
    ("POST", "/api/v1/reminders/snooze", {"contact_id": "{c}", "kind": "review", "days": 3}),
])
def test_another_users_objects_are_404(client, owner, stranger, method, path, body):
    hanako = meet(owner, email="hanako@example.com", promise="記事を送る")
    from webapp.relationships.promises import list_promises

    promise = list_promises(owner)[0].id
    fill = lambda v: int(v.format(c=hanako, p=promise)) if isinstance(v, str) and "{" in v else v  # noqa: E731
    body = {k: fill(v) for k, v in body.items()} if body else body
    response = send(client, stranger, method, path.format(c=hanako, p=promise), body)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_openapi_document_describes_the_reminders(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/reminders", "/api/v1/reminders/snooze", "/api/v1/cadence/{tier}",
                 "/api/v1/contacts/{contact_id}/interactions", "/api/v1/promises/{promise_id}", "/api/v1/review",
                 "/api/v1/matches", "/api/v1/reminders/feed", "/api/v1/reminders/settings"):
        assert path in spec["paths"], path
