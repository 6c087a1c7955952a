"""Follow-up rules without HTTP: drafts per event, templates, scheduling, queueing once, cancel, by hand, send."""
import mailbox
import os
import uuid
from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import make_user
from webapp.captures.schemas import CaptureIn
from webapp.captures.services import capture_contact
from webapp.contacts.models import Interaction
from webapp.db import utcnow
from webapp.errors import Conflict, NotFound, ValidationFailed
from webapp.events.services import create_event
from webapp.extensions import db
from webapp.followups import services
from webapp.followups.models import FollowUp
from webapp.followups.worker import Worker
from webapp.profiles.services import update_profile

TOKYO = ZoneInfo("Asia/Tokyo")
CARD = "https://ichigo.test/c/abcdefghijkl"


def make_owner(**kw):
    user = make_user(**kw)
    update_profile(user, {"name": "山田 太郎", "keyword": "AIと教育を掛け合わせる仕事をしています"})
    return user


def meet(owner, event, name="佐藤 花子", **fields):
    raw = {"client_id": str(uuid.uuid4()), "name": name, "event_id": event.id if event else None, **fields}
    return capture_contact(owner, CaptureIn().load(raw), raw=raw)


def draft_one(owner, event, **fields):
    meet(owner, event, email="hanako@example.com", conversation="教育AI", **fields)
    return services.draft_for_event(owner, event.id, card_url=CARD).created[0]


def maildir_messages(app):
    path = app.config["MAIL_URL"].removeprefix("maildir:")
    if not os.path.isdir(path):  # the worker never opened it: nothing was sent
        return []
    return [BytesParser(policy=policy.default).parsebytes(m.as_bytes()) for m in mailbox.Maildir(path, create=False)]


@pytest.fixture
def owner(app):
    return make_owner()


@pytest.fixture
def event(owner):
    return create_event(owner, {"name": "PyCon JP", "starts_at": datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc),
                                "ends_at": datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)})


# -- drafts -----------------------------------------------------------------------------------
def test_one_draft_per_contact_with_email_and_the_rest_skipped_with_text(owner, event):
    meet(owner, event, "佐藤 花子", email="hanako@example.com", conversation="教育AI", promise="記事を送る",
         needs="エンジニア採用")
    meet(owner, event, "John Smith", email="john@example.com", conversation="PyPI")
    meet(owner, event, "鈴木 一郎", conversation="名刺を切らしていた")
    meet(owner, None, "別のイベントの人", email="other@example.com")

    result = services.draft_for_event(owner, event.id, card_url=CARD)

    assert sorted(f.to for f in result.created) == ["hanako@example.com", "john@example.com"]
    assert all(f.status == "draft" and f.owner_id == owner.id for f in result.created)
    assert result.already == 0
    [skipped] = result.skipped
    assert skipped["name"] == "鈴木 一郎" and result.failed == []
    [text] = services.list_skipped(owner, event.id, card_url=CARD)
    assert text["contact_id"] == skipped["contact_id"] and "名刺を切らしていた" in text["body"] and text["subject"]
    hanako = next(f for f in result.created if f.to == "hanako@example.com")
    assert "教育AI" in hanako.body and "記事を送る" in hanako.body
    assert "エンジニア採用" not in hanako.body  # the need is private: never in the email
    assert CARD in hanako.body and "PyCon JP" in hanako.subject


def test_pressing_draft_twice_makes_no_second_draft(owner, event):
    meet(owner, event, email="hanako@example.com")
    meet(owner, event, "鈴木 一郎")
    services.draft_for_event(owner, event.id, card_url=CARD)
    again = services.draft_for_event(owner, event.id, card_url=CARD)
    assert again.created == [] and again.already == 1 and len(again.skipped) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(FollowUp)) == 1


def test_a_second_press_while_the_first_renders_makes_no_second_draft(owner, event, monkeypatch):
    meet(owner, event, email="hanako@example.com")
    render, other = services.render, []

    def render_while_pressed_again(*args):
        if not other:  # the second press runs, start to end, while the first one renders
            other.append(None)
            other[0] = services.draft_for_event(owner, event.id, card_url=CARD)
        return render(*args)

    monkeypatch.setattr(services, "render", render_while_pressed_again)
    first = services.draft_for_event(owner, event.id, card_url=CARD)
    assert len(other[0].created) == 1 and (first.created, first.ids, first.already) == ([], [], 1)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(FollowUp)) == 1


def test_a_contact_met_twice_at_the_event_gets_one_draft(owner, event):
    meet(owner, event, email="hanako@example.com", conversation="一回目")
    meet(owner, event, email="hanako@example.com", conversation="二回目")
    [draft] = services.draft_for_event(owner, event.id, card_url=CARD).created
    assert "二回目" in draft.body


def test_drafts_are_scheduled_for_the_next_morning_in_the_users_zone(owner, event):
    now = datetime(2026, 5, 1, 13, 0, tzinfo=timezone.utc)  # 22:00 in Tokyo, after the event
    meet(owner, event, email="hanako@example.com")
    [draft] = services.draft_for_event(owner, event.id, card_url=CARD, now=now).created
    assert draft.send_after == datetime(2026, 5, 2, 9, 0, tzinfo=TOKYO)


def test_drafts_follow_the_users_language_and_own_template(app):
    owner = make_owner(locale="en")
    event = create_event(owner, {"name": "PyCon US"})
    meet(owner, event, "Hanako", email="hanako@example.com", conversation="AI in classrooms")
    [draft] = services.draft_for_event(owner, event.id, card_url=CARD).created
    assert draft.subject == "Thank you for our chat at PyCon US – 山田 太郎"
    assert "Thank you for telling me about “AI in classrooms”" in draft.body

    services.save_template(owner, "en", "Hello {{ contact_name }}", "Card: {{ my_card_url }}\n{{ memorable }}")
    meet(owner, event, "Ken", email="ken@example.com", memorable="red hat")
    [second] = services.draft_for_event(owner, event.id, card_url=CARD).created
    assert (second.subject, second.body) == ("Hello Ken", f"Card: {CARD}\nred hat\n")


def test_a_contact_the_template_fails_for_is_reported_and_the_others_are_drafted(owner, event):
    services.save_template(owner, "ja", "{{ contact_name }}様", "{% if contact_name == 'Ken' %}{{ conversation }}\n"
                           "{{ conversation }}\n{{ conversation }}{% else %}{{ conversation }}{% endif %}")
    meet(owner, event, email="hanako@example.com", conversation="教育AI")
    ken = meet(owner, event, "Ken", email="ken@example.com", conversation="あ" * 2000, language="ja")
    meet(owner, event, "鈴木 一郎", conversation="名刺を切らしていた")

    result = services.draft_for_event(owner, event.id, card_url=CARD)

    assert [f.to for f in result.created] == ["hanako@example.com"] and len(result.skipped) == 1
    [failed] = result.failed
    assert failed["contact_id"] == ken.contact_id and failed["name"] == "Ken" and failed["part"] == "body"
    assert "longer than 5,000 characters" in failed["reason"]
    assert db.session.scalar(db.select(db.func.count()).select_from(FollowUp)) == 1


def test_skipped_texts_page_by_contact_and_say_when_the_template_fails(owner, event):
    services.save_template(owner, "ja", "{{ contact_name }}様", "{{ conversation }}\n{{ conversation }}\n"
                           "{% if contact_name == 'Ken' %}{{ conversation }}{% endif %}")
    ids = [meet(owner, event, name, conversation=talk, language="ja").contact_id
           for name, talk in (("A", "話題 A"), ("Ken", "あ" * 2000), ("C", "話題 C"))]
    meet(owner, event, "D", email="d@example.com")
    first = services.list_skipped(owner, event.id, card_url=CARD, limit=2)
    rest = services.list_skipped(owner, event.id, card_url=CARD, after_id=first[-1]["contact_id"], limit=2)
    assert [t["contact_id"] for t in first + rest] == ids
    assert "話題 A" in first[0]["body"] and first[0]["problem"] == ""
    assert first[1]["body"] == "" and "longer than 5,000 characters" in first[1]["problem"]
    with pytest.raises(NotFound):
        services.list_skipped(make_owner(), event.id, card_url=CARD)


def test_list_followups_of_one_event(owner, event):
    other = create_event(owner, {"name": "Other"})
    meet(owner, event, email="hanako@example.com")
    meet(owner, other, "Ken", email="ken@example.com")
    [mine] = services.draft_for_event(owner, event.id, card_url=CARD).created
    services.draft_for_event(owner, other.id, card_url=CARD)
    assert services.list_followups(owner, event_id=event.id) == [mine]
    with pytest.raises(ValidationFailed):
        services.list_followups(make_owner(), event_id=event.id)


def test_another_users_event_is_not_found(owner, event):
    with pytest.raises(NotFound):
        services.draft_for_event(make_owner(), event.id, card_url=CARD)


# -- templates --------------------------------------------------------------------------------
def test_template_defaults_save_and_reset(owner):
    assert services.get_template(owner, "ja")["is_default"] is True
    saved = services.save_template(owner, "ja", "{{ contact_name }}様", "本文 {{ conversation }}")
    assert saved == {"locale": "ja", "subject": "{{ contact_name }}様", "body": "本文 {{ conversation }}",
                     "is_default": False}
    assert services.get_template(owner, "en")["is_default"] is True
    assert services.reset_template(owner, "ja")["is_default"] is True


@pytest.mark.parametrize("body,line,reason", [
    ("一行目\n二行目\n{% if promise %}", 3, "Unexpected end of template"),
    ("{{ contact_name }}\n{{ phone_number }}", 2, "phone_number"),
    ("{{ ''.__class__ }}", 1, "unsafe"),
])
def test_a_broken_template_is_refused_with_line_and_reason_and_nothing_saved(owner, body, line, reason):
    with pytest.raises(ValidationFailed) as caught:
        services.save_template(owner, "ja", "件名", body)
    [message] = caught.value.fields["body"]
    assert f"line {line}" in message and reason in message
    assert services.get_template(owner, "ja")["is_default"] is True


# -- review and queue -------------------------------------------------------------------------
def test_queueing_twice_leaves_one_queued_row_with_the_same_message_id(owner, event):
    draft = draft_one(owner, event)
    first = services.update_followup(owner, draft.id, {"status": "queued"})
    message_id, mime = first.message_id, first.mime
    second = services.update_followup(owner, draft.id, {"status": "queued"})
    assert second.status == "queued" and second.message_id == message_id and message_id.startswith("<")
    assert db.session.scalar(db.select(db.func.count()).select_from(FollowUp)) == 1
    assert message_id.encode() in mime


def test_editing_a_queued_follow_up_recomposes_the_message(owner, event):
    draft = draft_one(owner, event)
    queued = services.update_followup(owner, draft.id, {"status": "queued"})
    message_id = queued.message_id
    edited = services.update_followup(owner, draft.id, {"subject": "New subject line", "body": "Rewritten body."})
    assert edited.status == "queued" and edited.message_id == message_id
    parsed = BytesParser(policy=policy.default).parsebytes(edited.mime)
    assert parsed["Subject"] == "New subject line" and parsed.get_content().strip() == "Rewritten body."


def test_an_explicit_night_time_is_kept_but_the_default_never_falls_at_night(owner, event):
    draft = draft_one(owner, event)
    night = datetime(2030, 5, 1, 23, 30, tzinfo=TOKYO)
    services.update_followup(owner, draft.id, {"send_after": night})  # picked by the user, then approved
    assert services.update_followup(owner, draft.id, {"status": "queued"}).send_after == night

    late_review = datetime(2030, 5, 1, 22, 15, tzinfo=TOKYO)  # the scheduled morning has passed; it is night
    draft2 = services.update_followup(owner, draft.id, {"status": "draft", "send_after": None})
    queued = services.update_followup(owner, draft2.id, {"status": "queued"}, now=late_review)
    assert queued.send_after == datetime(2030, 5, 2, 8, 0, tzinfo=TOKYO)


def test_queueing_for_a_time_that_has_passed_queues_it_for_now(owner, event):
    draft = draft_one(owner, event)
    now = utcnow()
    queued = services.update_followup(owner, draft.id, {"status": "queued", "send_after": now - timedelta(hours=1)},
                                      now=now)
    assert (queued.status, queued.send_after) == ("queued", now)


def test_approve_all_queues_every_draft(owner, event):
    meet(owner, event, "A", email="a@example.com")
    meet(owner, event, "B", email="b@example.com")
    services.draft_for_event(owner, event.id, card_url=CARD)
    assert services.approve_all(owner) == 2
    assert {f.status for f in services.list_followups(owner)} == {"queued"}
    assert services.approve_all(owner) == 0


def test_list_followups_filters_by_status_and_pages_by_id(owner, event):
    for n in range(3):
        meet(owner, event, f"P{n}", email=f"p{n}@example.com")
    created = services.draft_for_event(owner, event.id, card_url=CARD).created
    services.update_followup(owner, created[0].id, {"status": "cancelled"})
    assert [f.status for f in services.list_followups(owner, status="cancelled")] == ["cancelled"]
    first = services.list_followups(owner, limit=2)
    rest = services.list_followups(owner, after_id=first[-1].id, limit=2)
    assert len(first) == 2 and len(rest) == 1 and first[0].id > first[1].id > rest[0].id
    assert services.list_followups(make_owner()) == []


def test_another_users_follow_up_is_not_found_everywhere(owner, event):
    draft = draft_one(owner, event)
    stranger = make_owner()
    for call in (lambda: services.get_followup_for(stranger, draft.id),
                 lambda: services.update_followup(stranger, draft.id, {"status": "queued"}),
                 lambda: services.resend(stranger, draft.id),
                 lambda: services.mark_sent_by_hand(stranger, draft.id)):
        with pytest.raises(NotFound):
            call()
    assert db.session.get(FollowUp, draft.id).status == "draft"


# -- cancel, by hand, resend, and what the worker sends ---------------------------------------
@pytest.mark.parametrize("made_before", [False, True], ids=["brand-new-path", "empty-folder"])
def test_the_embedded_default_delivers_into_a_new_maildir(app, owner, event, made_before):
    """A new user's first follow-up: instance/maildir does not exist yet, or is an empty folder."""
    path = app.config["MAIL_URL"].removeprefix("maildir:")
    assert not os.path.exists(path)
    if made_before:
        os.makedirs(path)
    draft = draft_one(owner, event)
    now = utcnow() - timedelta(seconds=5)
    queued = services.update_followup(owner, draft.id, {"status": "queued", "send_after": now}, now=now)
    assert Worker(app.config).run_once().sent == 1
    [message] = maildir_messages(app)
    assert message["Message-ID"] == queued.message_id


def test_a_cancelled_follow_up_is_never_sent(app, owner, event):
    draft = draft_one(owner, event)
    now = utcnow() - timedelta(seconds=5)
    services.update_followup(owner, draft.id, {"status": "queued", "send_after": now}, now=now)
    assert services.update_followup(owner, draft.id, {"status": "cancelled"}).status == "cancelled"
    stats = Worker(app.config).run_once()
    assert stats.sent == 0 and maildir_messages(app) == []
    with pytest.raises(Conflict):
        services.update_followup(owner, draft.id, {"status": "queued"})


def test_a_queued_follow_up_due_now_lands_in_the_maildir_with_the_right_headers(app, owner, event):
    meet(owner, event, "佐藤 花子", email="hanako@example.com", conversation="教育AI")
    [draft] = services.draft_for_event(owner, event.id, card_url=CARD).created
    now = utcnow() - timedelta(seconds=5)
    queued = services.update_followup(owner, draft.id, {"status": "queued", "send_after": now}, now=now)

    stats = Worker(app.config).run_once()

    assert stats.sent == 1
    [message] = maildir_messages(app)
    assert message["From"].addresses[0].display_name == "山田 太郎"
    assert message["From"].addresses[0].addr_spec == app.config["MAIL_FROM"]
    assert "Reply-To" not in message  # no public email, and no consent to the login email
    assert message["To"].addresses[0].display_name == "佐藤 花子"
    assert message["To"].addresses[0].addr_spec == "hanako@example.com"
    assert message["Subject"] == "PyCon JPではありがとうございました（山田 太郎）"
    assert message["Message-ID"] == queued.message_id
    assert "教育AI" in message.get_content()
    raw = queued.mime.split(b"\r\n\r\n", 1)[0]
    assert raw.isascii() and b"=?utf-8?" in raw.lower()  # RFC 2047 encoded words for the Japanese names
    sent = db.session.get(FollowUp, draft.id)
    db.session.refresh(sent)
    assert sent.status == "sent" and sent.sent_at is not None and sent.is_sent_by_hand is False


def test_sent_by_hand_records_the_touch_and_the_worker_leaves_it(app, owner, event):
    draft = draft_one(owner, event)
    now = utcnow() - timedelta(seconds=5)
    services.update_followup(owner, draft.id, {"status": "queued", "send_after": now}, now=now)
    done = services.mark_sent_by_hand(owner, draft.id)
    assert done.status == "sent" and done.is_sent_by_hand and done.sent_at is not None
    [touch] = db.session.scalars(db.select(Interaction)).all()
    assert (touch.kind, touch.contact_id, touch.follow_up_id) == ("email", draft.contact_id, draft.id)
    assert Worker(app.config).run_once().sent == 0 and maildir_messages(app) == []
    with pytest.raises(Conflict):
        services.mark_sent_by_hand(owner, draft.id)
    with pytest.raises(Conflict):
        services.update_followup(owner, draft.id, {"subject": "too late"})


@pytest.mark.parametrize("status", ["failed", "unknown"])
def test_resend_queues_a_failed_or_uncertain_one_again_with_the_same_message_id(owner, event, status):
    draft = draft_one(owner, event)
    queued = services.update_followup(owner, draft.id, {"status": "queued"})
    message_id = queued.message_id
    db.session.execute(db.update(FollowUp).where(FollowUp.id == draft.id).values(status=status, last_error="550 no"))
    db.session.commit()
    again = services.resend(owner, draft.id)
    assert again.status == "queued" and again.message_id == message_id and again.last_error == ""


def test_resend_refuses_a_draft(owner, event):
    draft = draft_one(owner, event)
    with pytest.raises(Conflict):
        services.resend(owner, draft.id)
