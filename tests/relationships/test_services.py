"""Keeping in touch without HTTP, on a fixed clock: rhythms reset one by one, time zones and DST,
29 February, the review after 365 days, sorting, snoozes, promises, the cap, paging, merges."""
from datetime import date, datetime, timezone

import pytest

from tests.conftest import make_user
from tests.relationships.helpers import T0, days, due, fresh, items, meet
from webapp.contacts.models import Contact
from webapp.contacts.services import merge_contacts
from webapp.errors import NotFound, ValidationFailed
from webapp.extensions import db
from webapp.relationships import services
from webapp.relationships import settings as reminder_settings
from webapp.relationships import promises
from webapp.relationships.due import decode_cursor, list_reminders

UTC = timezone.utc


def touches(owner):
    return {(contact_id, channel) for kind, contact_id, channel in due(owner, kinds=("touch",))}


# -- rhythms --------------------------------------------------------------------------------
def test_a_touch_resets_only_the_rhythm_of_its_channel(owner, clock):
    hanako = meet(owner, tier="grow")
    clock.shift(days(29))
    assert touches(owner) == set()
    clock.shift(days(1))  # day 30: the light touch is due; email (90) and meeting (180) are not
    assert touches(owner) == {(hanako, "touch")}
    services.log_interaction(owner, hanako, "like")
    assert touches(owner) == set()
    clock.move_to(T0 + days(91))
    assert touches(owner) == {(hanako, "touch"), (hanako, "email")}
    services.log_interaction(owner, hanako, "article")  # an article counts for the email rhythm only
    assert touches(owner) == {(hanako, "touch")}
    services.log_interaction(owner, hanako, "call")
    assert touches(owner) == set()
    clock.move_to(T0 + days(181))
    assert (hanako, "meet") in touches(owner)
    services.log_interaction(owner, hanako, "meeting")
    assert (hanako, "meet") not in touches(owner)


def test_a_new_meeting_restarts_every_rhythm(owner, clock):
    hanako = meet(owner, email="hanako@example.com", tier="grow")
    clock.shift(days(100))
    assert touches(owner) == {(hanako, "touch"), (hanako, "email")}
    meet(owner, email="hanako@example.com")  # met again at another event: the same person
    assert touches(owner) == set()


def test_a_range_rhythm_is_due_first_and_overdue_after_its_end(owner, clock):
    taro = meet(owner, "鈴木 太郎", tier="maintain")
    clock.shift(days(200))
    (item,) = items(owner, kinds=("touch",))
    assert (item.channel, item.is_overdue) == ("meet", False)
    assert item.since == T0 and item.due_at == T0 + days(180)
    clock.move_to(T0 + days(366))
    (item,) = items(owner, kinds=("touch",))
    assert item.is_overdue and item.contact_id == taro


def test_let_go_and_unsorted_have_no_rhythm(owner, clock):
    meet(owner, "A", tier="let_go")
    meet(owner, "B")
    clock.shift(days(400))
    assert touches(owner) == set()


def test_the_users_own_policy_replaces_the_default(owner, clock):
    hanako = meet(owner, tier="grow")
    services.save_policy(owner, "grow", [{"channel": "email", "every_days": 10, "within_days": None}])
    clock.shift(days(31))
    assert touches(owner) == {(hanako, "email")}
    services.reset_policy(owner, "grow")
    assert touches(owner) == {(hanako, "touch")}


def test_due_today_uses_the_users_calendar_across_dst(app, clock):
    clock.move_to(datetime(2025, 2, 20, 20, 0, tzinfo=UTC))  # 15:00 in New York (EST)
    owner = make_user(timezone="America/New_York")
    hanako = meet(owner, tier="grow")
    clock.move_to(datetime(2025, 3, 22, 3, 30, tzinfo=UTC))  # 21 March, 23:30 EDT
    assert touches(owner) == set()
    clock.move_to(datetime(2025, 3, 22, 12, 0, tzinfo=UTC))  # 22 March, 08:00 EDT: due today at 15:00 local
    (item,) = items(owner, kinds=("touch",))
    assert item.contact_id == hanako
    assert item.due_at == datetime(2025, 3, 22, 19, 0, tzinfo=UTC)  # 15:00 EDT, not 16:00
    assert not item.is_overdue


def test_the_same_moment_is_another_day_in_another_zone(app, clock):
    clock.move_to(datetime(2025, 5, 31, 20, 0, tzinfo=UTC))  # 1 June 05:00 in Tokyo
    tokyo, london = make_user(timezone="Asia/Tokyo"), make_user(timezone="UTC")
    meet(tokyo, tier="grow")
    meet(london, tier="grow")
    clock.move_to(datetime(2025, 6, 30, 14, 0, tzinfo=UTC))  # 30 June: 23:00 in Tokyo, 14:00 in UTC
    assert touches(tokyo) == set()  # due on 1 July in Tokyo
    assert len(touches(london)) == 1  # due at 20:00 today in UTC


def test_29_february(app, clock):
    clock.move_to(datetime(2024, 1, 30, 10, 0, tzinfo=UTC))
    owner = make_user(timezone="UTC")
    hanako = meet(owner, tier="grow")
    clock.move_to(datetime(2024, 2, 28, 12, 0, tzinfo=UTC))
    assert touches(owner) == set()
    clock.move_to(datetime(2024, 2, 29, 12, 0, tzinfo=UTC))
    (item,) = items(owner, kinds=("touch",))
    assert item.due_at.date() == date(2024, 2, 29)
    services.set_tier(owner, hanako, "grow")  # reviewed on 29 February 2024
    clock.move_to(datetime(2025, 2, 27, 12, 0, tzinfo=UTC))
    assert due(owner, kinds=("review",)) == []
    clock.move_to(datetime(2025, 2, 28, 12, 0, tzinfo=UTC))  # 365 days later
    assert due(owner, kinds=("review",)) == [("review", hanako, None)]


# -- review and sorting ---------------------------------------------------------------------
def test_a_tier_asks_for_review_after_365_days(owner, clock):
    hanako = meet(owner, tier="maintain")
    clock.shift(days(364))
    assert due(owner, kinds=("review",)) == []
    clock.shift(days(1))
    assert due(owner, kinds=("review",)) == [("review", hanako, None)]
    services.set_tier(owner, hanako, "maintain")  # kept where it is: that is a review too
    assert due(owner, kinds=("review",)) == []
    fresh()
    assert db.session.get(Contact, hanako).tier_reviewed_at == T0 + days(365)


def test_an_unsorted_contact_asks_to_be_sorted_after_a_week(owner, clock):
    hanako = meet(owner)
    clock.shift(days(6))
    assert due(owner, kinds=("sort",)) == []
    clock.shift(days(1))
    assert due(owner) == [("sort", hanako, None)]
    services.set_tier(owner, hanako, "let_go")
    assert due(owner) == []


def test_grow_cap_warning(owner, clock):
    reminder_settings.update_settings(owner, {"grow_cap": 2})
    for name in ("A", "B"):
        meet(owner, name, tier="grow")
    tiers, cap = services.review_summary(owner)
    assert (tiers[0].tier, tiers[0].count, cap) == ("grow", 2, 2)
    meet(owner, "C", tier="grow")
    tiers, cap = services.review_summary(owner)
    assert tiers[0].count > cap


def test_the_default_grow_cap_is_15(owner):
    assert reminder_settings.get_settings(owner).grow_cap == 15


# -- snoozes --------------------------------------------------------------------------------
def test_a_snooze_hides_one_reminder_until_it_ends(owner, clock):
    hanako = meet(owner, tier="grow")
    clock.shift(days(91))
    assert touches(owner) == {(hanako, "touch"), (hanako, "email")}
    services.snooze(owner, hanako, "touch", "email", T0 + days(98))
    assert touches(owner) == {(hanako, "touch")}
    clock.move_to(T0 + days(98))
    assert touches(owner) == {(hanako, "touch"), (hanako, "email")}


def test_snoozing_a_review_or_sort(owner, clock):
    hanako = meet(owner)
    clock.shift(days(8))
    services.snooze(owner, hanako, "sort", None, T0 + days(9))
    assert due(owner) == []
    clock.shift(days(1))
    assert due(owner) == [("sort", hanako, None)]


def test_snooze_refuses_the_past_and_strangers(owner, stranger, clock):
    hanako = meet(owner, tier="grow")
    with pytest.raises(ValidationFailed) as exc:
        services.snooze(owner, hanako, "touch", "email", T0 - days(1))
    assert "until" in exc.value.fields
    with pytest.raises(ValidationFailed):
        services.snooze(owner, hanako, "touch", None, T0 + days(1))
    with pytest.raises(NotFound):
        services.snooze(stranger, hanako, "touch", "email", T0 + days(1))


# -- promises -------------------------------------------------------------------------------
def test_promises_overdue_first_and_closing_one_logs_the_touch(owner, clock):
    hanako = meet(owner, tier="grow", promise="記事を送る", promise_due=date(2025, 6, 3))
    taro = meet(owner, "鈴木 太郎", tier="grow")
    later = promises.create_promise(owner, taro, "紹介する", date(2025, 6, 20))
    undated = promises.create_promise(owner, taro, "本を貸す")
    clock.shift(days(5))  # 6 June: the article is overdue
    listed = [(i.contact_id, i.text, i.is_overdue) for i in items(owner, kinds=("promise",))]
    # overdue first; the undated one is listed as due a week after it was made
    assert listed == [(hanako, "記事を送る", True), (taro, "本を貸す", False), (taro, "紹介する", False)]
    assert [p.text for p in promises.list_promises(owner)] == ["記事を送る", "紹介する", "本を貸す"]
    first = promises.list_promises(owner)[0]
    clock.shift(days(26))  # the light touch with Hanako is due too
    assert (hanako, "touch") in touches(owner)
    promises.update_promise(owner, first.id, {"done": True, "log_kind": "message"})
    assert (hanako, "touch") not in touches(owner)
    assert [p.text for p in promises.list_promises(owner, status="done")] == ["記事を送る"]
    promises.update_promise(owner, undated.id, {"due_on": date(2025, 7, 30)})
    promises.update_promise(owner, first.id, {"done": False})
    assert [i.promise_id for i in items(owner, kinds=("promise",))] == [first.id, later.id, undated.id]
    assert [i.is_overdue for i in items(owner, kinds=("promise",))] == [True, True, False]


def test_another_users_promise_is_not_found(owner, stranger, clock):
    hanako = meet(owner, promise="記事を送る")
    promise = promises.list_promises(owner)[0]
    with pytest.raises(NotFound):
        promises.update_promise(stranger, promise.id, {"done": True})
    with pytest.raises(NotFound):
        promises.create_promise(stranger, hanako, "x")


# -- paging ---------------------------------------------------------------------------------
def test_pages_follow_each_other_without_gaps_or_repeats(owner, clock):
    for i in range(12):
        meet(owner, f"P{i}", tier="grow" if i % 2 else "maintain", promise=f"p{i}" if i % 3 == 0 else "")
        clock.shift(days(3))
    meet(owner, "unsorted one")
    clock.move_to(T0 + days(400))
    everything = items(owner, limit=200)
    assert len(everything) > 30
    seen, cursor = [], None
    while True:
        fresh()
        page = list_reminders(owner, now=T0 + days(400), limit=7, cursor=cursor)
        seen += page.items
        if not page.next_cursor:
            break
        cursor = decode_cursor(page.next_cursor)
    key = lambda i: (i.kind, i.contact_id, i.channel, i.promise_id)  # noqa: E731
    assert [key(i) for i in seen] == [key(i) for i in everything]
    assert [i.due_at for i in everything] == sorted(i.due_at for i in everything)


def test_items_carry_the_last_conversation_and_needs(owner, clock):
    hanako = meet(owner, tier="grow", conversation="教育AI", needs="採用")
    meet(owner, email=None, name="佐藤 花子 2")
    clock.shift(days(31))
    (item,) = [i for i in items(owner) if i.contact_id == hanako]
    assert (item.contact_name, item.last_conversation, item.needs) == ("佐藤 花子", "教育AI", "採用")


# -- touches kept beside interactions -------------------------------------------------------
def test_a_merge_keeps_the_later_touches(owner, clock):
    keep = meet(owner, "佐藤 花子", tier="grow")
    other = meet(owner, "さとう はなこ", tier="grow")
    clock.shift(days(20))
    services.log_interaction(owner, other, "email")
    clock.shift(days(80))  # day 100: the email rhythm from the other's email (day 20) is not due
    merge_contacts(owner, keep, other)
    assert touches(owner) == {(keep, "touch")}


def test_a_touch_in_the_future_is_refused(owner, clock):
    hanako = meet(owner)
    with pytest.raises(ValidationFailed):
        services.log_interaction(owner, hanako, "call", occurred_at=T0 + days(1))


def test_matches_my_offers_to_their_needs(owner, clock):
    from webapp.profiles.services import update_profile

    hanako = meet(owner, needs="エンジニア採用に困っている")
    meet(owner, "B", needs="資金調達")
    meet(owner, "C", needs="採用の相談をしたい", tier="let_go")
    matches, has_offers = services.list_matches(owner)
    assert (matches, has_offers) == ([], False)
    update_profile(owner, {"name": "山田 太郎", "keyword": "AIと教育", "offers": "採用の相談\nPython"})
    matches, has_offers = services.list_matches(owner)
    assert has_offers and [(m.contact_id, m.offer) for m in matches] == [(hanako, "採用の相談")]


def test_matching_reads_every_meetings_need_not_only_the_latest(owner, clock):
    from webapp.profiles.services import update_profile

    update_profile(owner, {"name": "山田 太郎", "keyword": "AIと教育", "offers": "採用の相談\nPython"})
    hanako = meet(owner, needs="エンジニア採用に困っている", email="hanako@example.com")
    clock.shift(days(30))
    meet(owner, needs="週末の予定を決めたい", email="hanako@example.com")  # met again: a need no offer meets
    matches, _ = services.list_matches(owner)
    assert [(m.contact_id, m.offer, m.needs) for m in matches] == [(hanako, "採用の相談", "エンジニア採用に困っている")]


def test_a_follow_up_sent_by_the_queue_resets_the_email_rhythm(app, owner, clock):
    from webapp.followups.services import mark_sent_by_hand, update_followup
    from webapp.followups.worker import Worker
    from webapp.relationships.checkin import draft_checkin

    hanako = meet(owner, tier="grow", email="hanako@example.com")
    taro = meet(owner, "鈴木 太郎", tier="grow", email="taro@example.com")
    clock.shift(days(91))
    assert touches(owner) == {(hanako, "touch"), (hanako, "email"), (taro, "touch"), (taro, "email")}
    draft = draft_checkin(owner, hanako, card_url="https://ichigo.test/c/x")
    update_followup(owner, draft.id, {"status": "queued", "send_after": T0 + days(91)})
    assert Worker(app.config).run_once().sent == 1
    assert touches(owner) == {(hanako, "touch"), (taro, "touch"), (taro, "email")}
    by_hand = draft_checkin(owner, taro, card_url="https://ichigo.test/c/x")
    mark_sent_by_hand(owner, by_hand.id)
    assert touches(owner) == {(hanako, "touch"), (taro, "touch")}
