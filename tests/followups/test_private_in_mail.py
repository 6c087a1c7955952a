"""What the user keeps private stays out of outgoing mail: the contact's need is never pasted into a
follow-up, and replies go to the public email, or to the login email only once the user agreed."""
from __future__ import annotations

import email
import email.policy
import uuid
from datetime import datetime, timezone

import pytest

from tests.conftest import csrf_token_of, make_user
from webapp.captures.schemas import CaptureIn
from webapp.captures.services import capture_contact
from webapp.errors import ValidationFailed
from webapp.events.services import create_event
from webapp.extensions import db
from webapp.followups import services
from webapp.followups.models import MessageTemplate
from webapp.profiles.services import get_profile_for, update_profile
from webapp.relationships.checkin import draft_checkin

CARD = "https://ichigo.test/c/abcdefghijkl"
SECRET = "内緒の悩み: 資金繰りが厳しい"


@pytest.fixture
def owner(app):
    user = make_user(name="山田 太郎")
    update_profile(user, {"name": "山田 太郎", "keyword": "AIと教育を掛け合わせる仕事をしています"})
    return user


@pytest.fixture
def event(owner):
    return create_event(owner, {"name": "PyCon JP", "starts_at": datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)})


def meet(owner, event, **fields):
    raw = {"client_id": str(uuid.uuid4()), "name": "佐藤 花子", "email": "hanako@example.com",
           "event_id": event.id, "conversation": "教育AI", "needs": SECRET, **fields}
    return capture_contact(owner, CaptureIn().load(raw), raw=raw)


def draft(owner, event):
    meet(owner, event)
    [row] = services.draft_for_event(owner, event.id, card_url=CARD).created
    return row


def approved_headers(owner, row):
    queued = services.update_followup(owner, row.id, {"status": "queued"})
    return email.message_from_bytes(queued.mime, policy=email.policy.default)


# -- the need -------------------------------------------------------------------------------
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_built_in_template_never_puts_the_need_into_the_email(owner, event, locale):
    owner.locale = locale
    db.session.commit()
    row = draft(owner, event)
    assert "教育AI" in row.body  # what was talked about is still there
    assert "資金繰り" not in row.body and "資金繰り" not in row.subject


def test_a_check_in_never_puts_the_need_into_the_email(owner, event):
    result = meet(owner, event)
    row = draft_checkin(owner, result.contact_id, card_url=CARD)
    assert "資金繰り" not in row.body


def test_a_template_that_uses_the_need_is_refused_with_the_reason(owner):
    with pytest.raises(ValidationFailed) as caught:
        services.save_template(owner, "ja", "件名", "{{ contact_name }}様\n{% if needs %}{{ needs }}{% endif %}")
    assert "needs" in caught.value.message and "private" in caught.value.message
    assert services.get_template(owner, "ja")["is_default"] is True


def test_a_template_saved_before_with_the_need_renders_it_empty(owner, event):
    db.session.add(MessageTemplate(owner_id=owner.id, locale="ja", subject="ありがとうございました",
                                   body="{{ contact_name }}様\n「{{ needs }}」の件\n{{ my_name }}"))
    db.session.commit()
    row = draft(owner, event)
    assert "資金繰り" not in row.body and "「」の件" in row.body


def test_the_review_page_shows_the_need_to_the_user_beside_the_draft(client, auth, owner, event):
    row = draft(owner, event)
    auth.login(owner.email)
    page = client.get(f"/followups/{row.id}").get_data(as_text=True)
    assert SECRET in page and "Nothing here goes into the email" in page


# -- Reply-To -------------------------------------------------------------------------------
def test_without_a_public_email_or_consent_there_is_no_reply_to(owner, event):
    row = draft(owner, event)
    message = approved_headers(owner, row)
    assert "Reply-To" not in message
    assert owner.email.encode() not in services.get_followup_for(owner, row.id).mime


def test_the_public_email_is_the_reply_to(owner, event):
    update_profile(owner, {"name": "山田 太郎", "keyword": "AIと教育を掛け合わせる仕事をしています",
                           "public_email": "taro.public@example.org"})
    message = approved_headers(owner, draft(owner, event))
    assert message["Reply-To"].addresses[0].addr_spec == "taro.public@example.org"


def test_the_login_email_is_the_reply_to_only_after_the_user_agreed(owner, event):
    owner.is_login_email_reply_to = True
    db.session.commit()
    message = approved_headers(owner, draft(owner, event))
    assert message["Reply-To"].addresses[0].addr_spec == owner.email


def test_settings_checkbox_agrees_to_replies_to_the_login_email(client, auth, owner):
    auth.login(owner.email)
    form = {"csrf_token": csrf_token_of(client, "/settings"), "name": "山田 太郎", "locale": "ja",
            "timezone": "Asia/Tokyo"}
    assert client.post("/settings", data={**form, "is_login_email_reply_to": "on"}).status_code == 302
    db.session.expire_all()
    assert owner.is_login_email_reply_to is True
    page = client.get("/settings").get_data(as_text=True)
    assert 'name="is_login_email_reply_to"' in page and "checked" in page
    assert client.post("/settings", data=form).status_code == 302  # unticked
    db.session.expire_all()
    assert owner.is_login_email_reply_to is False


def test_the_follow_up_pages_say_where_replies_go(client, auth, owner, event, app):
    row = draft(owner, event)
    auth.login(owner.email)
    for path in (f"/followups/{row.id}", "/followups"):
        page = client.get(path).get_data(as_text=True)
        assert "Replies" in page and 'href="/settings"' in page and 'href="/profile"' in page
    update_profile(owner, {"name": "山田 太郎", "keyword": "AIと教育を掛け合わせる仕事をしています",
                           "public_email": "taro.public@example.org"})
    assert "Replies go to taro.public@example.org" in client.get(f"/followups/{row.id}").get_data(as_text=True)
    assert get_profile_for(owner).public_email == "taro.public@example.org"
