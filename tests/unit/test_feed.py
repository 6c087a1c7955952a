"""The calendar document (pure): it parses with icalendar, all-day events with stable UIDs."""
from datetime import date, datetime, timezone

from icalendar import Calendar

from webapp.relationships.feed import FeedEvent, build_calendar


def test_calendar_parses_with_all_day_events():
    body = build_calendar([FeedEvent("touch-1-email@x", date(2025, 2, 28), "佐藤 花子: email", "https://x/contacts/1")],
                          name="Ichigo", now=datetime(2025, 2, 1, tzinfo=timezone.utc))
    cal = Calendar.from_ical(body)
    (event,) = cal.walk("VEVENT")
    assert event.decoded("dtstart") == date(2025, 2, 28)
    assert event.decoded("dtend") == date(2025, 3, 1)
    assert str(event["uid"]) == "touch-1-email@x"
    assert str(event["summary"]) == "佐藤 花子: email"
