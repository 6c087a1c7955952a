"""The review page is where a draft becomes personal: the notes of every meeting beside it, the lines
from notes marked, one personal line to add, an untouched draft that says so, send now or schedule,
and times as people write them."""
import re
import uuid
from datetime import timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import bearer, csrf_token_of, make_token
from webapp.db import utcnow
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.profiles.services import update_profile

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def me(logged_in):
    update_profile(logged_in, {"name": "山田 太郎", "keyword": "AIと教育を掛け合わせる仕事をしています"})
    logged_in.headers = bearer(make_token(logged_in))
    return logged_in


def api(client, user, method, path, **kw):
    response = client.open(path, method=method, headers=user.headers, **kw)
    assert response.status_code < 300, response.get_json()
    return response.get_json()


def capture(client, user, event_id, days_ago, **fields):
    at = (utcnow() - timedelta(days=days_ago)).isoformat()
    return api(client, user, "POST", "/api/v1/captures", json={
        "client_id": str(uuid.uuid4()), "name": "Tom Baker", "email": "tom@example.com", "event_id": event_id,
        "captured_at": at, **fields})


@pytest.fixture
def tom(client, me):
    """Tom Baker met twice; a draft for the second meeting, as the API shows it."""
    first = api(client, me, "POST", "/api/v1/events", json={"name": "Tokyo AI Meetup"})["id"]
    second = api(client, me, "POST", "/api/v1/events", json={"name": "PyCon JP"})["id"]
    capture(client, me, first, 60, conversation="Offline-first tutoring apps", promise="send the pilot deck",
            needs="資金調達に困っている", memorable="blue scarf")
    capture(client, me, second, 1, conversation="Hiring in Osaka", promise="intro to Sato-san")
    [followup_id] = api(client, me, "POST", f"/api/v1/events/{second}/followups")["ids"]
    return api(client, me, "GET", f"/api/v1/followups/{followup_id}")


def post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_token_of(client, "/followups"), **data})


def page_of(client, followup_id) -> str:
    return unescape(client.get(f"/followups/{followup_id}").get_data(as_text=True))


def form_of(followup: dict, **changes) -> dict:
    return {"subject": followup["subject"], "body": followup["body"], "send_after": "", "send_after_shown": "",
            **changes}


def test_a_contact_met_twice_gets_both_promises_and_the_latest_talk_in_english(client, me, tom):
    assert tom["is_edited"] is False
    assert tom["body"].startswith("Hi Tom Baker,\n") and "“Hiring in Osaka”" in tom["body"]
    assert "send the pilot deck; intro to Sato-san" in tom["body"]
    contact = api(client, me, "GET", f"/api/v1/contacts/{tom['contact_id']}")
    assert contact["language"] == "en"


def test_the_notes_of_every_meeting_sit_beside_the_draft(client, me, tom):
    html = page_of(client, tom["id"])
    notes = html[html.index('id="notes"'):html.index('id="draft-form"')]
    for text in ("Tokyo AI Meetup", "PyCon JP", "Offline-first tutoring apps", "Hiring in Osaka",
                 "資金調達に困っている", "blue scarf", "send the pilot deck", "intro to Sato-san"):
        assert text in notes
    assert notes.index("Hiring in Osaka") < notes.index("Offline-first tutoring apps")  # newest first
    assert "English" in html and f'href="/contacts/{tom["contact_id"]}/edit"' in html


def test_the_lines_from_notes_are_marked_and_the_lines_to_write_named(client, me, tom):
    html = page_of(client, tom["id"])
    assert "<mark>Hiring in Osaka</mark>" in html and "<mark>Offline-first tutoring apps</mark>" in html
    assert "<mark>send the pilot deck</mark>" in html
    assert "[[ What I promised (send the pilot deck; intro to Sato-san)" in html[html.index('id="fill-ins"'):]


def test_an_untouched_draft_says_so_until_a_personal_line_is_added(client, me, tom):
    assert "Nobody has changed this draft" in page_of(client, tom["id"])
    line = "If there is anything I can do to help with the challenge you mentioned, just let me know."
    html = page_of(client, tom["id"])
    assert line in html and "資金調達" not in html[html.index('id="suggestion"'):html.index('id="subject"')]

    response = post(client, f"/followups/{tom['id']}", action="add_line", **form_of(tom))

    assert response.status_code == 302
    db.session.rollback()
    row = db.session.get(FollowUp, tom["id"])
    assert line in row.body and row.is_edited and row.status == "draft"
    assert row.body.index(line) < row.body.index("I hope we can talk again soon.")
    assert "Nobody has changed this draft" not in page_of(client, tom["id"])


def test_a_draft_with_lines_to_write_is_refused_with_the_reason(client, me, tom):
    response = post(client, f"/followups/{tom['id']}", action="approve", **form_of(tom))
    assert response.status_code == 422 and "[[ … ]]" in unescape(response.get_data(as_text=True))
    db.session.rollback()
    assert db.session.get(FollowUp, tom["id"]).status == "draft"


def test_send_now_from_the_page(client, me, tom):
    body = re.sub(r"\[\[.*?\]\]", "As promised, the deck: https://example.com/deck", tom["body"], flags=re.S)
    response = post(client, f"/followups/{tom['id']}", action="send_now", **form_of(tom, body=body))
    assert response.status_code == 302
    db.session.rollback()
    row = db.session.get(FollowUp, tom["id"])
    assert row.status == "queued" and row.send_after <= utcnow()
    shown = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "It goes out within a minute." in shown


def test_times_are_shown_without_seconds_in_the_users_zone(client, me, tom):
    html = page_of(client, tom["id"])
    when = db.session.get(FollowUp, tom["id"]).send_after.astimezone(TOKYO)
    day = f"{when.strftime('%a')} {when.day} {when.strftime('%b')}"
    assert re.search(rf"{day}( {when.year})?, 9:00", html)  # "Sat 6 Dec, 9:00"
    shown = re.sub(r'(datetime|value)="[^"]*"', "", html)  # what people read, not what machines do
    assert not re.search(r"\d:\d\d:\d\d", shown)
    listing = unescape(client.get("/followups").get_data(as_text=True))
    assert re.search(rf"{day}( {when.year})?, 9:00", listing)
    assert not re.search(r"\d:\d\d:\d\d", listing)


def test_in_japanese_the_page_and_times_read_japanese(client, me, tom):
    api(client, me, "PATCH", "/api/v1/contacts/{}".format(tom["contact_id"]), json={"language": "ja"})
    me.locale = "ja"
    db.session.commit()
    html = page_of(client, tom["id"])
    when = db.session.get(FollowUp, tom["id"]).send_after.astimezone(TOKYO)
    assert re.search(rf"(\d+年)?{when.month}月{when.day}日\(.\) 9:00", html)
    assert "今すぐ送信" in html and "予約する" in html
