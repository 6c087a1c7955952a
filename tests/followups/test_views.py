"""Follow-up pages: the review list, one follow-up (edit, time, approve, cancel, by hand), templates, drafting."""
import re
import uuid
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import bearer, csrf_token_of, make_token, make_user
from webapp.contacts.models import Interaction
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


def event_with_people(client, user):
    event_id = api(client, user, "POST", "/api/v1/events", json={"name": "PyCon JP"})["id"]
    for name, fields in (("佐藤 花子", {"email": "hanako@example.com", "conversation": "教育AI"}),
                         ("鈴木 一郎", {"conversation": "名刺を切らしていた", "promise": "資料を送る"})):
        api(client, user, "POST", "/api/v1/captures",
            json={"client_id": str(uuid.uuid4()), "name": name, "event_id": event_id, **fields})
    return event_id


@pytest.fixture
def followup_id(client, me):
    event_id = event_with_people(client, me)
    return api(client, me, "POST", f"/api/v1/events/{event_id}/followups")["ids"][0]


def post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_token_of(client, "/followups"), **data})


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def fresh(followup_id) -> FollowUp:
    db.session.rollback()
    return db.session.get(FollowUp, followup_id)


@pytest.mark.parametrize("method,path", [
    ("GET", "/followups"), ("GET", "/followups/1"), ("POST", "/followups/1"), ("GET", "/followups/templates"),
    ("POST", "/followups/approve-all"), ("POST", "/followups/1/resend"), ("POST", "/followups/1/sent-by-hand"),
    ("POST", "/events/1/followups"), ("GET", "/events/1/followups/skipped"),
])
def test_pages_require_login(client, method, path):
    data = {"csrf_token": csrf_token_of(client, "/login")} if method == "POST" else None
    response = client.open(path, method=method, data=data)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_event_button_drafts_and_shows_the_skipped_text_ready_to_copy(client, me):
    event_id = event_with_people(client, me)
    event_page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert f'action="/events/{event_id}/followups"' in event_page and "Draft follow-ups" in event_page

    page = post(client, f"/events/{event_id}/followups")
    html = text_of(page)
    assert page.status_code == 200
    assert "佐藤 花子" in html and "鈴木 一郎" in html
    assert re.search(r"<textarea[^>]*readonly>[^<]*名刺を切らしていた", html)  # the text to copy
    assert "お約束の件（資料を送る）" in html

    again = text_of(post(client, f"/events/{event_id}/followups"))
    assert "1 person already had one" in again and "0 new drafts" in again
    assert db.session.scalar(db.select(db.func.count()).select_from(FollowUp)) == 1


def test_the_drafted_page_names_whom_the_template_failed_for_and_why(client, me):
    template = {"subject": "{{ contact_name }}様", "body": "{% if contact_name == 'Ken' %}{{ conversation }}\n"
                "{{ conversation }}\n{{ conversation }}{% else %}{{ conversation }}{% endif %}"}
    api(client, me, "PUT", "/api/v1/templates/ja", json=template)
    event_id = event_with_people(client, me)
    api(client, me, "POST", "/api/v1/captures", json={"client_id": str(uuid.uuid4()), "name": "Ken",
        "email": "ken@example.com", "conversation": "あ" * 2000, "event_id": event_id, "language": "ja"})

    page = post(client, f"/events/{event_id}/followups")

    html = text_of(page)
    assert page.status_code == 200 and "1 new draft" in html
    assert "Ken" in html and "longer than 5,000 characters" in html and 'href="/followups/templates"' in html
    assert re.search(r"<textarea[^>]*readonly>[^<]*名刺を切らしていた", html)  # the others are all there


def test_many_skipped_people_page_their_texts(client, me, monkeypatch):
    from webapp.followups import views

    monkeypatch.setattr(views, "SKIPPED_PAGE", 1)
    event_id = event_with_people(client, me)
    api(client, me, "POST", "/api/v1/captures", json={"client_id": str(uuid.uuid4()), "name": "高橋 三郎",
        "conversation": "登山の話", "event_id": event_id})
    html = text_of(post(client, f"/events/{event_id}/followups"))
    assert "名刺を切らしていた" in html and "登山" not in html
    more = re.search(r'href="(/events/\d+/followups/skipped\?cursor=\d+)"', html).group(1)
    rest = client.get(more)
    assert rest.status_code == 200 and "「登山」のお話" in text_of(rest) and "名刺を切らしていた" not in text_of(rest)


def test_the_list_shows_sections_names_subjects_and_local_times(client, me, followup_id):
    html = text_of(client.get("/followups"))
    for heading in ("Drafts", "Approved, waiting to go out", "Sent", "Failed", "May have been sent", "Cancelled"):
        assert heading in html
    assert "佐藤 花子" in html and "PyCon JP" in html and "Approve all drafts" in html
    when = fresh(followup_id).send_after.astimezone(TOKYO)
    assert f"{when.hour}:00" in html  # 9:00 in Tokyo, not 0:00 UTC
    assert "<script>" not in html and " style=" not in html


def test_the_list_shows_may_have_been_sent_with_its_reason_and_a_resend_button(client, me, followup_id):
    db.session.execute(db.update(FollowUp).where(FollowUp.id == followup_id).values(
        status="unknown", last_error="The sender stopped after handing this message over"))
    db.session.commit()
    html = text_of(client.get("/followups"))
    assert "The sender stopped after handing this message over" in html
    assert f'action="/followups/{followup_id}/resend"' in html
    response = post(client, f"/followups/{followup_id}/resend")
    assert response.status_code == 302 and fresh(followup_id).status == "queued"


def test_approve_all_button(client, me, followup_id):
    response = post(client, "/followups/approve-all")
    assert response.status_code == 302 and response.headers["Location"] == "/followups?approved=1"
    assert fresh(followup_id).status == "queued"
    assert "1 follow-up approved" in text_of(client.get(response.headers["Location"]))


def test_detail_shows_the_form_with_the_scheduled_time_in_the_users_zone(client, me, followup_id):
    html = text_of(client.get(f"/followups/{followup_id}"))
    local = fresh(followup_id).send_after.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")
    assert f'name="send_after" type="datetime-local"\n      value="{local}"' in html or f'value="{local}"' in html
    assert local.endswith("T09:00")
    assert 'href="mailto:hanako%40example.com?subject=' in html
    assert f'action="/followups/{followup_id}/sent-by-hand"' in html


def test_saving_edits_and_approving_with_the_default_time(client, me, followup_id):
    shown = fresh(followup_id).send_after.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")
    response = post(client, f"/followups/{followup_id}", action="approve", subject="ありがとうございました",
                    body="本文です\r\n二行目", send_after=shown, send_after_shown=shown)
    assert response.status_code == 302
    row = fresh(followup_id)
    assert (row.status, row.subject, row.body) == ("queued", "ありがとうございました", "本文です\n二行目")
    assert row.send_after.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M") == shown and row.message_id


def test_a_night_time_picked_explicitly_is_kept(client, me, followup_id):
    shown = fresh(followup_id).send_after.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")
    post(client, f"/followups/{followup_id}", action="approve", subject="件名", body="本文",
         send_after="2030-05-01T23:30", send_after_shown=shown)
    assert fresh(followup_id).send_after == datetime(2030, 5, 1, 23, 30, tzinfo=TOKYO)


def test_cancel_and_then_the_page_is_read_only(client, me, followup_id):
    response = post(client, f"/followups/{followup_id}", action="cancel")
    assert response.status_code == 302 and fresh(followup_id).status == "cancelled"
    html = text_of(client.get(response.headers["Location"]))
    assert "Cancelled" in html and 'name="subject"' not in html


def test_i_sent_it_marks_it_sent_by_hand(client, me, followup_id):
    response = post(client, f"/followups/{followup_id}/sent-by-hand")
    assert response.status_code == 302
    row = fresh(followup_id)
    assert row.status == "sent" and row.is_sent_by_hand
    assert db.session.scalar(db.select(db.func.count()).select_from(Interaction)) == 1
    again = post(client, f"/followups/{followup_id}/sent-by-hand")
    assert again.status_code == 409 and "already sent" in text_of(again)


@pytest.mark.parametrize("fields,name", [
    ({"subject": ""}, "subject"),
    ({"subject": "あ" * 201}, "subject"),
    ({"body": ""}, "body"),
    ({"send_after": "not a time", "send_after_shown": ""}, "send_after"),
])
def test_bad_form_input_is_shown_again_with_422(client, me, followup_id, fields, name):
    data = {"action": "save", "subject": "件名", "body": "本文", **fields}
    response = post(client, f"/followups/{followup_id}", **data)
    assert response.status_code == 422
    assert f'id="{name}-error"' in response.get_data(as_text=True)
    assert fresh(followup_id).subject != "件名"


def test_another_users_follow_up_pages_are_404(client, me, followup_id, auth):
    auth.logout()
    stranger = make_user()
    auth.login(stranger.email)
    assert client.get(f"/followups/{followup_id}").status_code == 404
    for suffix in ("", "/resend", "/sent-by-hand"):
        assert post(client, f"/followups/{followup_id}{suffix}", action="approve").status_code == 404
    assert fresh(followup_id).status == "draft"
    assert "佐藤 花子" not in text_of(client.get("/followups"))


def test_another_users_event_cannot_be_drafted(client, me, auth):
    event_id = event_with_people(client, me)
    auth.logout()
    auth.login(make_user().email)
    assert post(client, f"/events/{event_id}/followups").status_code == 404
    assert client.get(f"/events/{event_id}/followups/skipped").status_code == 404


def test_templates_page_lists_variables_and_saves_and_resets(client, me):
    html = text_of(client.get("/followups/templates"))
    assert "{{ my_card_url }}" in html and "the link to your card" in html
    assert 'id="body-ja"' in html and 'id="body-en"' in html
    response = post(client, "/followups/templates", locale="en", action="save",
                    subject="Hello {{ contact_name }}", body="Thanks for {{ conversation }}")
    assert response.status_code == 302
    assert "Thanks for {{ conversation }}" in text_of(client.get("/followups/templates"))
    post(client, "/followups/templates", locale="en", action="reset")
    assert "Thanks for {{ conversation }}" not in text_of(client.get("/followups/templates"))


def test_a_broken_template_on_the_page_shows_line_and_reason_with_422(client, me):
    response = post(client, "/followups/templates", locale="ja", action="save", subject="件名",
                    body="一行目\n二行目\n{{ contact_phone }}")
    assert response.status_code == 422
    html = text_of(response)
    assert "Line 3" in html and "contact_phone" in html and 'id="body-ja-error"' in html
    assert "{{ contact_phone }}" in html  # what they typed stays in the form
    api_view = client.get("/api/v1/templates/ja", headers=me.headers).get_json()
    assert api_view["is_default"] is True
