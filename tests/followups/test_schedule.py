"""When follow-ups go out: the next morning at 09:00 local, never in the quiet hours 21:00–08:00 (pure)."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from webapp.followups.schedule import default_send_after, in_quiet_hours, next_allowed

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")


def local(zone, *args) -> datetime:
    return datetime(*args, tzinfo=zone)


def test_default_is_next_morning_nine_in_tokyo():
    ends = local(TOKYO, 2026, 5, 1, 21, 30)
    now = local(TOKYO, 2026, 5, 1, 22, 0)
    when = default_send_after(ends, "Asia/Tokyo", now)
    assert when == local(TOKYO, 2026, 5, 2, 9, 0)
    assert when.tzinfo == timezone.utc and when == datetime(2026, 5, 2, 0, 0, tzinfo=timezone.utc)


def test_default_morning_after_the_clocks_spring_forward_in_new_york():
    # the clocks went from 02:00 EST to 03:00 EDT on 8 March 2026: 09:00 that morning is 13:00 UTC, not 14:00
    ends = local(NEW_YORK, 2026, 3, 7, 20, 0)
    when = default_send_after(ends, "America/New_York", now=local(NEW_YORK, 2026, 3, 7, 21, 0))
    assert when == datetime(2026, 3, 8, 13, 0, tzinfo=timezone.utc)
    assert when.astimezone(NEW_YORK).hour == 9


def test_default_morning_after_the_clocks_fall_back_in_new_york():
    # back from EDT to EST on 1 November 2026: 09:00 is 14:00 UTC
    ends = local(NEW_YORK, 2026, 10, 31, 23, 0)
    when = default_send_after(ends, "America/New_York", now=local(NEW_YORK, 2026, 10, 31, 23, 30))
    assert when == datetime(2026, 11, 1, 14, 0, tzinfo=timezone.utc)


def test_without_an_end_time_the_morning_after_now_is_used():
    now = local(TOKYO, 2026, 5, 1, 15, 0)
    assert default_send_after(None, "Asia/Tokyo", now) == local(TOKYO, 2026, 5, 2, 9, 0)


def test_a_passed_morning_becomes_now_in_the_daytime():
    ends = local(TOKYO, 2026, 4, 1, 20, 0)
    now = local(TOKYO, 2026, 5, 1, 14, 0)
    assert default_send_after(ends, "Asia/Tokyo", now) == now


def test_a_passed_morning_reviewed_at_night_waits_for_eight():
    ends = local(TOKYO, 2026, 4, 1, 20, 0)
    now = local(TOKYO, 2026, 5, 1, 23, 15)
    assert default_send_after(ends, "Asia/Tokyo", now) == local(TOKYO, 2026, 5, 2, 8, 0)


@pytest.mark.parametrize("clock,expected", [
    ((2026, 5, 1, 21, 0), (2026, 5, 2, 8, 0)),    # quiet hours start
    ((2026, 5, 1, 23, 59), (2026, 5, 2, 8, 0)),
    ((2026, 5, 2, 0, 30), (2026, 5, 2, 8, 0)),    # after midnight: the same morning
    ((2026, 5, 2, 7, 59), (2026, 5, 2, 8, 0)),
    ((2026, 5, 2, 8, 0), (2026, 5, 2, 8, 0)),     # allowed again
    ((2026, 5, 2, 20, 59), (2026, 5, 2, 20, 59)),
    ((2026, 5, 2, 12, 0), (2026, 5, 2, 12, 0)),
])
def test_quiet_hours_are_pushed_to_eight_local(clock, expected):
    assert next_allowed(local(TOKYO, *clock), "Asia/Tokyo") == local(TOKYO, *expected)


def test_quiet_hours_push_across_the_spring_forward_night():
    # 01:30 EST on 8 March: 08:00 that morning is already EDT (12:00 UTC)
    moment = local(NEW_YORK, 2026, 3, 8, 1, 30)
    assert in_quiet_hours(moment, "America/New_York")
    assert next_allowed(moment, "America/New_York") == datetime(2026, 3, 8, 12, 0, tzinfo=timezone.utc)


def test_quiet_hours_follow_the_users_zone_not_utc():
    moment = datetime(2026, 5, 1, 13, 0, tzinfo=timezone.utc)  # 22:00 in Tokyo, 09:00 in New York
    assert in_quiet_hours(moment, "Asia/Tokyo")
    assert not in_quiet_hours(moment, "America/New_York")
