"""The private calendar feed as iCalendar (pure): one all-day event per due touch or promise date.

Only a name, what kind of touch, and a link back into the app: never notes, needs, promise
texts or tiers (DESIGN.md: private data never appears on a feed).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event


@dataclass
class FeedEvent:
    uid: str
    day: date
    summary: str
    url: str


def build_calendar(events: list[FeedEvent], *, name: str, now: datetime) -> bytes:
    """An iCalendar (RFC 5545) document; stable UIDs let calendar apps update events in place."""
    cal = Calendar()
    cal.add("prodid", "-//Ichigo//Keep in touch//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", now)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", item.summary)
        event.add("url", item.url)
        event.add("transp", "TRANSPARENT")  # a reminder, not a busy slot
        cal.add_component(event)
    return cal.to_ical()
