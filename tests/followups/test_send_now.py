"""Send now, and a time in the past means now: a follow-up sent now goes out on the worker's next
pass (the real `flask followups worker --once` against aiosmtpd), even in the quiet hours."""
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import bearer, build_app, make_token, make_user
from tests.followups.smtp_server import smtp_sink  # noqa: F401
from webapp.captures.schemas import CaptureIn
from webapp.captures.services import capture_contact
from webapp.db import utcnow
from webapp.errors import ValidationFailed
from webapp.events.services import create_event
from webapp.extensions import db
from webapp.followups import services
from webapp.followups.models import FollowUp
from webapp.profiles.services import update_profile

TOKYO = ZoneInfo("Asia/Tokyo")
CARD = "https://ichigo.test/c/abcdefghijkl"


@pytest.fixture
def app(backend, tmp_path, smtp_sink):  # noqa: F811
    app = build_app(backend, tmp_path, MAIL_FROM="followups@ichigo.test", MAIL_URL=smtp_sink.url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def owner(app):
    user = make_user(name="山田 太郎")
    update_profile(user, {"name": "山田 太郎", "keyword": "AIと教育を掛け合わせる仕事をしています"})
    user.headers = bearer(make_token(user))
    return user


@pytest.fixture
def draft(owner):
    event = create_event(owner, {"name": "PyCon JP"})
    raw = {"client_id": str(uuid.uuid4()), "name": "Tom Baker", "email": "tom@example.com", "event_id": event.id,
           "conversation": "Hiring in Osaka"}
    capture_contact(owner, CaptureIn().load(raw), raw=raw)
    [row] = services.draft_for_event(owner, event.id, card_url=CARD).created
    return row


def test_send_now_goes_out_on_the_next_worker_pass(app, owner, draft, smtp_sink):  # noqa: F811
    queued = services.update_followup(owner, draft.id, {"send_now": True})
    assert queued.status == "queued" and queued.send_after <= utcnow()

    result = app.test_cli_runner().invoke(args=["followups", "worker", "--once"])

    assert result.exit_code == 0 and "sent 1," in result.output, result.output
    [got] = smtp_sink.delivered
    assert got.rcpt_tos == ["tom@example.com"] and "Hiring in Osaka" in got.message.get_content()
    db.session.expire_all()
    assert db.session.get(FollowUp, draft.id).status == "sent"


def test_send_now_at_night_is_not_held_for_the_morning(owner, draft):
    night = datetime(2030, 5, 1, 23, 30, tzinfo=TOKYO)
    assert services.update_followup(owner, draft.id, {"send_now": True}, now=night).send_after == night


def test_a_time_in_the_past_means_now(owner, draft):
    now = datetime(2030, 5, 1, 10, 0, 30, tzinfo=TOKYO)
    this_minute = now.replace(second=0)  # what a minute picker gives for "now"
    queued = services.update_followup(owner, draft.id, {"status": "queued", "send_after": this_minute}, now=now)
    assert queued.status == "queued" and queued.send_after == now
    services.update_followup(owner, draft.id, {"status": "draft"}, now=now)
    yesterday = services.update_followup(owner, draft.id, {"send_after": now - timedelta(days=1)}, now=now)
    assert yesterday.send_after == now and yesterday.status == "draft"


@pytest.mark.parametrize("data", [{"send_now": True, "status": "cancelled"}, {"send_now": True, "status": "draft"},
                                  {"send_now": True, "send_after": utcnow() + timedelta(hours=1)}])
def test_send_now_with_another_wish_is_refused(owner, draft, data):
    with pytest.raises(ValidationFailed) as caught:
        services.update_followup(owner, draft.id, data)
    assert "send_now" in caught.value.fields
    assert db.session.get(FollowUp, draft.id).status == "draft"


def test_send_now_over_the_api(client, owner, draft):
    path = f"/api/v1/followups/{draft.id}"
    refused = client.patch(path, json={"send_now": True, "status": "cancelled"}, headers=owner.headers)
    assert refused.status_code == 422 and "send_now" in refused.get_json()["error"]["fields"]
    past = client.patch(path, json={"status": "queued", "send_after": "2001-01-01T09:00:00+09:00"},
                        headers=owner.headers)
    assert past.status_code == 200 and past.get_json()["status"] == "queued"
    assert datetime.fromisoformat(past.get_json()["send_after"]) > utcnow() - timedelta(minutes=1)
    client.patch(path, json={"status": "draft"}, headers=owner.headers)
    now = client.patch(path, json={"send_now": True}, headers=owner.headers)
    assert now.status_code == 200 and now.get_json()["status"] == "queued"
    assert client.patch(path, json={"send_now": False}, headers=owner.headers).get_json()["status"] == "queued"
