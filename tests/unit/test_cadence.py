"""Cadence rules without a database: calendar days in the user's zone, DST, 29 February, overdue."""
from datetime import date, datetime, timezone

from webapp.relationships import cadence

UTC = timezone.utc


def test_days_are_calendar_days_in_the_users_zone_across_dst():
    # 15:00 in New York on 20 February (EST, UTC-5) + 30 days = 15:00 on 22 March (EDT, UTC-4)
    start = datetime(2025, 2, 20, 20, 0, tzinfo=UTC)
    assert cadence.add_days(start, 30, "America/New_York") == datetime(2025, 3, 22, 19, 0, tzinfo=UTC)
    # and back over the autumn change: 10:00 EDT on 20 October + 30 days = 10:00 EST
    autumn = datetime(2025, 10, 20, 14, 0, tzinfo=UTC)
    assert cadence.add_days(autumn, 30, "America/New_York") == datetime(2025, 11, 19, 15, 0, tzinfo=UTC)


def test_a_zone_without_dst_keeps_the_utc_hour():
    start = datetime(2025, 2, 20, 20, 0, tzinfo=UTC)
    assert cadence.add_days(start, 30, "Asia/Tokyo") == datetime(2025, 3, 22, 20, 0, tzinfo=UTC)


def test_29_february_is_a_day_like_any_other():
    assert cadence.local_date(cadence.add_days(datetime(2024, 1, 30, 1, 0, tzinfo=UTC), 30, "UTC"), "UTC") == \
        date(2024, 2, 29)
    # a year of 365 days from 29 February 2024 ends on 28 February 2025, from 1 March 2023 on 29 February 2024
    assert cadence.add_days(datetime(2024, 2, 29, 12, 0, tzinfo=UTC), 365, "UTC").date() == date(2025, 2, 28)
    assert cadence.add_days(datetime(2023, 3, 1, 12, 0, tzinfo=UTC), 365, "UTC").date() == date(2024, 2, 29)


def test_end_of_today_is_local_midnight():
    now = datetime(2025, 6, 30, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo
    assert cadence.end_of_today(now, "Asia/Tokyo") == datetime(2025, 6, 30, 15, 0, tzinfo=UTC)
    assert cadence.end_of_today(now, "UTC") == datetime(2025, 7, 1, 0, 0, tzinfo=UTC)


def test_anchor_bound_never_hides_an_anchor_that_falls_due():
    """The SQL bound is generous: every anchor whose due moment is before `until` is under it."""
    from datetime import timedelta

    for until in (datetime(2025, 3, 10, 4, 0, tzinfo=UTC), datetime(2025, 11, 3, 5, 0, tzinfo=UTC)):
        for days in (1, 30, 90, 180, 365):
            bound = cadence.anchor_bound(until, days, "America/New_York")
            anchor = until - timedelta(days=days + 2)
            while anchor < until:
                if cadence.add_days(anchor, days, "America/New_York") < until:
                    assert anchor < bound
                anchor += timedelta(minutes=30)


def test_overdue_from_the_day_after_the_late_limit():
    anchor = datetime(2025, 1, 1, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
    assert not cadence.is_overdue(anchor, 30, datetime(2025, 1, 31, 14, 59, tzinfo=UTC), "Asia/Tokyo")
    assert cadence.is_overdue(anchor, 30, datetime(2025, 1, 31, 15, 0, tzinfo=UTC), "Asia/Tokyo")


def test_each_kind_resets_one_channel():
    assert cadence.channel_of("like") == "touch"
    assert cadence.channel_of("article") == "email"
    assert cadence.channel_of("meeting") == "meet"
    assert cadence.channel_of("telegram") is None
    assert sorted(kind for kinds in cadence.CHANNELS.values() for kind in kinds) == \
        sorted(cadence.INTERACTION_KINDS)


def test_defaults_follow_the_design():
    grow = {r.channel: r for r in cadence.rhythms_from(cadence.DEFAULT_RHYTHMS["grow"])}
    assert (grow["touch"].every_days, grow["email"].every_days) == (30, 90)
    assert (grow["meet"].every_days, grow["meet"].late_days) == (180, 365)
    assert [r.channel for r in cadence.rhythms_from(cadence.DEFAULT_RHYTHMS["maintain"])] == ["meet"]
    assert cadence.rhythms_from(cadence.DEFAULT_RHYTHMS["let_go"]) == ()


def test_promise_due_dates():
    now = datetime(2025, 6, 2, 0, 0, tzinfo=UTC)  # 09:00 on 2 June in Tokyo
    assert cadence.promise_overdue(date(2025, 6, 1), now, "Asia/Tokyo")
    assert not cadence.promise_overdue(date(2025, 6, 2), now, "Asia/Tokyo")
    assert not cadence.promise_overdue(None, now, "Asia/Tokyo")
    assert cadence.promise_due_at(date(2025, 6, 2), now, "Asia/Tokyo") == datetime(2025, 6, 1, 15, 0, tzinfo=UTC)
