"""When a follow-up goes out: the next morning 09:00 local, never in the quiet hours (pure)."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

MORNING = time(9, 0)
QUIET_START = time(21, 0)
QUIET_END = time(8, 0)


def _at(day, clock: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a day in a zone (fold=0: the first of a repeated hour)."""
    return datetime.combine(day, clock, tzinfo=zone)


def in_quiet_hours(moment: datetime, tz: str) -> bool:
    local = moment.astimezone(ZoneInfo(tz)).time()
    return local >= QUIET_START or local < QUIET_END


def next_allowed(moment: datetime, tz: str) -> datetime:
    """`moment` itself, or 08:00 local after it when it falls between 21:00 and 08:00."""
    if not in_quiet_hours(moment, tz):
        return moment
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    day = local.date() + timedelta(days=1) if local.time() >= QUIET_START else local.date()
    return _at(day, QUIET_END, zone).astimezone(timezone.utc)


def default_send_after(event_end: datetime | None, tz: str, now: datetime) -> datetime:
    """09:00 local on the morning after the event ends; if that has passed, the next allowed moment."""
    zone = ZoneInfo(tz)
    reference = (event_end or now).astimezone(zone)
    candidate = _at(reference.date() + timedelta(days=1), MORNING, zone).astimezone(timezone.utc)
    if candidate <= now:
        candidate = next_allowed(now, tz)
    return candidate
