"""Drafts that draw on every meeting, in the contact's language: the open promises of any meeting,
the conversation at this event, what was said the time before; lines left to write are never sent."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import make_user
from webapp.captures.schemas import CaptureIn
from webapp.captures.services import capture_contact
from webapp.contacts.models import Contact, Promise
from webapp.contacts.services import update_contact
from webapp.db import utcnow
from webapp.errors import ValidationFailed
from webapp.events.services import create_event
from webapp.extensions import db
from webapp.followups import services
from webapp.followups.models import FollowUp
from webapp.profiles.services import update_profile
from webapp.relationships.checkin import draft_checkin

CARD = "https://ichigo.test/c/abcdefghijkl"


def make_owner(locale="ja"):
    user = make_user(locale=locale)
    update_profile(user, {"name": "山田 太郎", "keyword": "AIと教育を掛け合わせる仕事をしています"})
    return user


def meet(owner, event, name, days_ago, **fields):
    raw = {"client_id": str(uuid.uuid4()), "name": name, "event_id": event.id if event else None,
           "captured_at": (utcnow() - timedelta(days=days_ago)).isoformat(), **fields}
    return capture_contact(owner, CaptureIn().load(raw), raw=raw)


def event_named(owner, name, days_ago):
    return create_event(owner, {"name": name, "starts_at": utcnow() - timedelta(days=days_ago)})


@pytest.fixture
def owner(app):
    return make_owner("ja")


def test_a_contact_met_twice_gets_both_promises_and_the_latest_talk_in_their_language(owner):
    """Tom Baker, met at two events by a Japanese account, gets an English draft that names both
    promises, quotes this event's topic and recalls the earlier one; never his need."""
    first, second = event_named(owner, "Tokyo AI Meetup", 60), event_named(owner, "PyCon JP", 1)
    meet(owner, first, "Tom Baker", 60, email="tom@example.com", conversation="Offline-first tutoring apps",
         promise="send the pilot deck", needs="資金調達に困っている")
    tom = meet(owner, second, "Tom Baker", 1, email="tom@example.com", conversation="Hiring in Osaka",
               promise="intro to Sato-san")

    [draft] = services.draft_for_event(owner, second.id, card_url=CARD).created

    assert db.session.get(Contact, tom.contact_id).language == "en"
    assert draft.subject == "Thank you for our chat at PyCon JP – 山田 太郎"
    assert draft.body.startswith("Hi Tom Baker,\n\nIt was good to see you again at PyCon JP.\n")
    assert "Thank you for telling me about “Hiring in Osaka”" in draft.body
    assert "Last time, at Tokyo AI Meetup, we spoke about “Offline-first tutoring apps”" in draft.body
    assert "send the pilot deck; intro to Sato-san" in draft.body
    assert "資金調達" not in draft.body and "様" not in draft.body


def test_a_japanese_contact_gets_a_japanese_draft_from_an_english_account(app):
    owner = make_owner("en")
    event = event_named(owner, "PyCon JP", 1)
    meet(owner, None, "佐藤 花子", 30, email="hanako@example.com", conversation="教育AIの話", promise="記事を送る")
    meet(owner, event, "佐藤 花子", 1, email="hanako@example.com", conversation="地方の学校でのAI導入")

    [draft] = services.draft_for_event(owner, event.id, card_url=CARD).created

    assert draft.subject == "PyCon JPではありがとうございました（山田 太郎）"
    assert draft.body.startswith("佐藤 花子様\n")
    assert "「地方の学校でのAI導入」のお話" in draft.body
    assert "前回うかがった「教育AI」のお話" in draft.body
    assert "記事を送る" in draft.body


def test_a_promise_kept_is_not_named_again(owner):
    event = event_named(owner, "PyCon JP", 1)
    met = meet(owner, None, "Tom Baker", 30, email="tom@example.com", promise="send the pilot deck")
    meet(owner, event, "Tom Baker", 1, email="tom@example.com", promise="intro to Sato-san")
    db.session.execute(db.update(Promise).where(Promise.encounter_id == met.encounter_id).values(done_at=utcnow()))
    db.session.commit()
    [draft] = services.draft_for_event(owner, event.id, card_url=CARD).created
    assert "intro to Sato-san" in draft.body and "pilot deck" not in draft.body


def test_the_language_the_user_picks_is_the_one_drafted_in(owner):
    event = event_named(owner, "PyCon JP", 1)
    tom = meet(owner, event, "Tom Baker", 1, email="tom@example.com", conversation="Hiring in Osaka")
    update_contact(owner, tom.contact_id, {"language": "ja"})
    [draft] = services.draft_for_event(owner, event.id, card_url=CARD).created
    assert draft.body.startswith("Tom Baker様\n") and "「Hiring in Osaka」のお話" in draft.body


def test_notes_that_are_not_a_topic_leave_a_line_for_the_user_to_write(owner):
    event = event_named(owner, "PyCon JP", 1)
    meet(owner, event, "Tom Baker", 1, email="tom@example.com",
         conversation="He is moving to Osaka. Wants intros to teachers")
    [draft] = services.draft_for_event(owner, event.id, card_url=CARD).created
    assert "[[ Write one line here about what you talked about ]]" in draft.body
    assert "moving to Osaka" not in draft.body


def test_a_draft_with_a_line_left_to_write_is_never_queued(owner):
    event = event_named(owner, "PyCon JP", 1)
    meet(owner, event, "Tom Baker", 1, email="tom@example.com", promise="send the pilot deck")
    meet(owner, event, "Ken Mori", 1, email="ken@example.com", conversation="Rust")
    tom, ken = sorted(services.draft_for_event(owner, event.id, card_url=CARD).created, key=lambda f: f.to, reverse=True)

    with pytest.raises(ValidationFailed) as caught:
        services.update_followup(owner, tom.id, {"status": "queued"})
    assert caught.value.code == "fill_in_left" and "body" in caught.value.fields
    assert services.approve_all(owner) == 1  # Ken's goes; Tom's stays a draft and says why
    db.session.expire_all()
    assert db.session.get(FollowUp, ken.id).status == "queued"
    held = db.session.get(FollowUp, tom.id)
    assert held.status == "draft" and "[[" in held.last_error

    written = held.body.replace(next(line for line in held.body.split("\n") if line.startswith("[[")),
                                "As promised, the pilot deck: https://example.com/deck")
    assert services.update_followup(owner, tom.id, {"body": written, "status": "queued"}).status == "queued"


def test_a_check_in_draws_on_every_meeting_in_their_language(owner):
    event = event_named(owner, "PyCon JP", 200)
    meet(owner, None, "Tom Baker", 300, email="tom@example.com", promise="send the pilot deck")
    tom = meet(owner, event, "Tom Baker", 200, email="tom@example.com", conversation="Hiring in Osaka",
               needs="資金調達")
    row = draft_checkin(owner, tom.contact_id, card_url=CARD)
    assert row.subject == "Checking in – 山田 太郎"
    assert "what you told me about “Hiring in Osaka”" in row.body and "send the pilot deck" in row.body
    assert "資金調達" not in row.body


def test_a_share_back_in_japanese_makes_a_latin_named_contact_japanese(app, owner):
    from webapp.captures.share_back import share_back

    result = share_back(owner, {"name": "Tom Baker", "email": "tom@example.com", "message": "先日はありがとうございました"})
    assert db.session.get(Contact, result.contact_id).language == "ja"
    result = share_back(owner, {"name": "Jane Doe", "email": "jane@example.com", "message": "Great to meet you"})
    assert db.session.get(Contact, result.contact_id).language == "en"
