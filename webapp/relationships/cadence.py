"""Cadence rules: the default rhythms per tier, which touches reset which rhythm (the channels are
contacts' touches), and when something falls due in the user's own calendar (time zones, DST and
29 February included)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from webapp.contacts.touches import CHANNEL_ORDER, CHANNELS, INTERACTION_KINDS, channel_of  # noqa: F401

#: DESIGN.md: grow — a light touch monthly, an email or article every quarter, meet once or twice
#: a year; maintain — meet every six to twelve months; let go and unsorted — nothing
DEFAULT_RHYTHMS = {
    "unsorted": (),
    "grow": ({"channel": "touch", "every_days": 30, "within_days": None},
             {"channel": "email", "every_days": 90, "within_days": None},
             {"channel": "meet", "every_days": 180, "within_days": 365}),
    "maintain": ({"channel": "meet", "every_days": 180, "within_days": 365},),
    "let_go": (),
}

#: a sorted contact asks for a review of its tier this many days after the last one
REVIEW_AFTER_DAYS = 365
#: an unsorted contact asks to be sorted this many days after it was captured
SORT_AFTER_DAYS = 7
#: a promise without a date is listed as due this many days after it was made (never overdue)
UNDATED_PROMISE_DAYS = 7
#: how many people "grow" can hold before the review warns
DEFAULT_GROW_CAP = 15


@dataclass(frozen=True)
class Rhythm:
    channel: str
    #: due this many days after the last matching touch
    every_days: int
    #: overdue after this many (a range such as 180–365 days); None: overdue the day after it is due
    within_days: int | None = None

    @property
    def kinds(self) -> tuple[str, ...]:
        return CHANNELS[self.channel]

    @property
    def late_days(self) -> int:
        return self.within_days or self.every_days


def rhythms_from(rows) -> tuple[Rhythm, ...]:
    """Rhythm objects from stored or default dicts, in channel order."""
    rhythms = [Rhythm(r["channel"], int(r["every_days"]), r.get("within_days")) for r in rows]
    return tuple(sorted(rhythms, key=lambda r: CHANNEL_ORDER.index(r.channel)))


def add_days(moment: datetime, days: int, tz: str) -> datetime:
    """``days`` calendar days later at the same wall-clock time in ``tz`` (so a DST change moves
    the UTC hour, not the local one), as UTC."""
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=zone).astimezone(timezone.utc)


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def start_of_day(day: date, tz: str) -> datetime:
    """Local midnight of ``day`` in ``tz``, as UTC."""
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def end_of_today(now: datetime, tz: str) -> datetime:
    """The first moment of tomorrow, local: everything due before it is due today or earlier."""
    return start_of_day(local_date(now, tz) + timedelta(days=1), tz)


def anchor_bound(until: datetime, days: int, tz: str) -> datetime:
    """An upper bound on the anchors that fall due (``add_days(anchor, days) < until``) — one day
    generous, so a DST shift can never hide a row; the exact test is :func:`add_days`."""
    return add_days(until, -days, tz) + timedelta(days=1)


def is_overdue(anchor: datetime, late_days: int, now: datetime, tz: str) -> bool:
    """Overdue once the local day after ``anchor + late_days`` has begun."""
    return local_date(now, tz) > local_date(add_days(anchor, late_days, tz), tz)


def promise_due_at(due_on: date | None, created_at: datetime, tz: str) -> datetime:
    """A dated promise is due from local midnight of its date; an undated one a week after it was made."""
    return start_of_day(due_on, tz) if due_on is not None else created_at + timedelta(days=UNDATED_PROMISE_DAYS)


def promise_overdue(due_on: date | None, now: datetime, tz: str) -> bool:
    return due_on is not None and local_date(now, tz) > due_on
