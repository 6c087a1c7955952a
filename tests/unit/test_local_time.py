"""Times as people write them: no seconds, in the user's time zone and language, the year only
when it is not this year (pure, on a fixed clock)."""
from datetime import datetime, timezone

import pytest
import time_machine

from webapp.i18n import format_local_time

SAT_9_TOKYO = datetime(2025, 12, 6, 0, 0, 30, tzinfo=timezone.utc)  # Sat 6 Dec 09:00:30 in Tokyo


@pytest.fixture(autouse=True)
def december_2025():
    with time_machine.travel(datetime(2025, 12, 1, 3, 0, tzinfo=timezone.utc), tick=False):
        yield


@pytest.mark.parametrize("locale,tz,shown", [
    ("ja", "Asia/Tokyo", "12月6日(土) 9:00"),
    ("en", "Asia/Tokyo", "Sat 6 Dec, 9:00"),
    ("ja", "America/New_York", "12月5日(金) 19:00"),
    ("en", "America/New_York", "Fri 5 Dec, 19:00"),
    ("en", "Europe/London", "Sat 6 Dec, 0:00"),
])
def test_a_time_in_the_users_zone_and_language_without_seconds(locale, tz, shown):
    assert format_local_time(SAT_9_TOKYO, locale, tz) == shown


def test_another_year_is_written_out():
    new_year = datetime(2025, 12, 31, 15, 30, tzinfo=timezone.utc)  # 00:30 on 1 Jan 2026 in Tokyo
    assert format_local_time(new_year, "ja", "Asia/Tokyo") == "2026年1月1日(木) 0:30"
    assert format_local_time(new_year, "en", "Asia/Tokyo") == "Thu 1 Jan 2026, 0:30"
    assert format_local_time(new_year, "en", "Europe/London") == "Wed 31 Dec, 15:30"  # still this year there
    last_year = datetime(2024, 12, 6, 0, 0, tzinfo=timezone.utc)
    assert format_local_time(last_year, "ja", "Asia/Tokyo") == "2024年12月6日(金) 9:00"


def test_an_unknown_zone_or_language_falls_back_instead_of_failing():
    assert format_local_time(SAT_9_TOKYO, "fr", "Mars/Olympus") == "Sat 6 Dec, 0:00"
    assert format_local_time(None, "ja", "Asia/Tokyo") == ""
