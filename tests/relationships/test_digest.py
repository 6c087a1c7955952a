"""The opt-in digest: queued once per day or week in the follow-up outbox, sent by the worker."""
import mailbox
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser

from sqlalchemy import select

from tests.conftest import make_user
from tests.relationships.helpers import days, fresh, meet
from webapp.contacts.models import Interaction
from webapp.extensions import db
from webapp.followups.models import FollowUp
from webapp.followups.services import get_followup_for, list_followups
from webapp.followups.worker import Worker
from webapp.relationships import services
from webapp.relationships import settings as reminder_settings
from webapp.relationships.digest import digest_period, enqueue_digests

UTC = timezone.utc


def digests(user):
    fresh()
    return list(db.session.scalars(select(FollowUp).where(FollowUp.owner_id == user.id,
                                                          FollowUp.purpose == "digest")))


def test_periods_begin_at_eight_local():
    at = lambda h: datetime(2025, 6, 1, h, 0, tzinfo=UTC)  # noqa: E731  (Sunday; Tokyo is +9)
    assert digest_period("daily", at(22), "Asia/Tokyo") is None  # 2 June 07:00 in Tokyo
    assert digest_period("daily", at(23), "Asia/Tokyo") == "2025-06-02"
    assert digest_period("weekly", at(22), "Asia/Tokyo") is None  # Monday 07:00
    assert digest_period("weekly", at(23), "Asia/Tokyo") == "2025-W23"
    assert digest_period("weekly", at(12), "Asia/Tokyo") == "2025-W22"  # Sunday evening: last week's
    assert digest_period("off", at(23), "Asia/Tokyo") is None


def test_daily_digest_is_queued_once_and_sent_by_the_worker(app, owner, clock):
    meet(owner, tier="grow", email="hanako@example.com", promise="転職の件を紹介する", needs="内緒の悩み")
    reminder_settings.update_settings(owner, {"digest": "daily"})
    clock.move_to(datetime(2025, 7, 2, 22, 0, tzinfo=UTC))  # 3 July 07:00 in Tokyo: not yet
    assert enqueue_digests(now=datetime(2025, 7, 2, 22, 0, tzinfo=UTC)).queued == 0
    clock.move_to(datetime(2025, 7, 2, 23, 30, tzinfo=UTC))  # 08:30
    now = datetime(2025, 7, 2, 23, 30, tzinfo=UTC)
    assert enqueue_digests(now=now, base_url="https://ichigo.test").queued == 1
    assert enqueue_digests(now=now).queued == 0  # the same day again: nothing
    (digest,) = digests(owner)
    assert (digest.status, digest.contact_id, digest.to) == ("queued", None, owner.email)
    assert "佐藤 花子" in digest.body and "https://ichigo.test/reminders" in digest.body
    assert "転職の件を紹介する" not in digest.body and "内緒の悩み" not in digest.body
    assert list_followups(owner) == []  # not one of the user's follow-ups to review
    path = app.config["MAIL_URL"].removeprefix("maildir:")
    stats = Worker(app.config).run_once()
    assert stats.sent == 1
    assert digests(owner)[0].status == "sent"
    assert db.session.scalars(select(Interaction)).all() == []  # a digest is no touch on anyone
    (message,) = [BytesParser(policy=policy.default).parsebytes(m.as_bytes()) for m in mailbox.Maildir(path)]
    assert message["To"].addresses[0].addr_spec == owner.email
    next_day = datetime(2025, 7, 3, 23, 30, tzinfo=UTC)
    clock.move_to(next_day)
    assert enqueue_digests(now=next_day).queued == 1


def test_digest_is_opt_in_and_skips_an_empty_day(app, owner, clock):
    meet(owner, tier="grow")
    now = datetime(2025, 6, 1, 23, 30, tzinfo=UTC)
    clock.move_to(now)
    assert enqueue_digests(now=now).queued == 0  # off by default
    reminder_settings.update_settings(owner, {"digest": "weekly"})
    run = enqueue_digests(now=now)
    assert (run.queued, run.empty) == (0, 1)  # nothing due this Monday
    clock.move_to(now + days(35))
    assert enqueue_digests(now=now + days(35)).queued == 1  # a Monday five weeks on


def test_a_digest_cannot_be_edited_as_a_follow_up(app, owner, clock):
    import pytest

    from webapp.errors import NotFound

    meet(owner)
    reminder_settings.update_settings(owner, {"digest": "daily"})
    now = datetime(2025, 6, 10, 0, 0, tzinfo=UTC)
    clock.move_to(now)
    enqueue_digests(now=now)
    (digest,) = digests(owner)
    with pytest.raises(NotFound):
        get_followup_for(owner, digest.id)


def test_each_user_gets_their_own(app, owner, clock):
    other = make_user(timezone="UTC", locale="en")
    for user in (owner, other):
        meet(user)
        reminder_settings.update_settings(user, {"digest": "daily"})
    now = datetime(2025, 6, 10, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo, 00:00 in UTC
    clock.move_to(now)
    assert enqueue_digests(now=now).queued == 1
    clock.move_to(now + days(1) / 3)  # 08:00 UTC
    assert enqueue_digests(now=now + days(1) / 3).queued == 1
    assert len(digests(owner)) == len(digests(other)) == 1


def test_cli_command(runner, owner, clock):
    result = runner.invoke(args=["reminders", "digest"])
    assert result.exit_code == 0 and "digests queued 0" in result.output


def test_the_digest_greets_and_addresses_the_name_on_the_card(app, owner, clock):
    from tests.profiles.helpers import fill_profile

    fill_profile(owner, name="Taro Yamada")  # signed up as 山田 太郎, renamed on the profile
    meet(owner, tier="grow", email="hanako@example.com", promise="資料を送る")
    reminder_settings.update_settings(owner, {"digest": "daily"})
    now = datetime(2025, 7, 2, 23, 30, tzinfo=UTC)
    clock.move_to(now)
    assert enqueue_digests(now=now).queued == 1
    (digest,) = digests(owner)
    assert "Taro Yamada" in digest.body.splitlines()[0] and "山田" not in digest.body
    message = BytesParser(policy=policy.default).parsebytes(digest.mime)
    assert message["To"].addresses[0].display_name == "Taro Yamada"


def test_a_japanese_users_digest_reads_as_japanese(app, clock):
    from tests.test_i18n_sweep import latin_sentences

    user = make_user(locale="ja", timezone="Asia/Tokyo")
    meet(user, tier="grow", email="hanako@example.com", promise="資料を送る")
    reminder_settings.update_settings(user, {"digest": "daily"})
    now = datetime(2025, 7, 2, 23, 30, tzinfo=UTC)
    clock.move_to(now)
    enqueue_digests(now=now, base_url="https://ichigo.test")
    (digest,) = digests(user)
    assert "佐藤 花子" in digest.body
    assert latin_sentences(digest.subject + "\n" + digest.body) == []
