"""Counting SLA minutes on a calendar: skipping nights, weekends and holidays."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from escalation.models import Calendar, CalendarKind

# A target is never more than a few weeks of working time; this bounds the walk
# even for a calendar with almost no working days.
_MAX_DAYS = 3 * 366


def add_working_minutes(calendar: Calendar, start: datetime, minutes: float) -> datetime:
    """The moment `minutes` of working time after `start`, as an aware datetime."""
    if calendar.kind == CalendarKind.ALWAYS:
        return start + timedelta(minutes=minutes)
    zone = ZoneInfo(calendar.time_zone)
    cursor = start.astimezone(zone)
    remaining = timedelta(minutes=minutes)
    for _ in range(_MAX_DAYS):
        day = cursor.date()
        opens, closes = _working_window(calendar, day, zone)
        if opens is not None and cursor < closes:
            cursor = max(cursor, opens)
            available = closes - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        cursor = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    raise ValueError(f"calendar {calendar} has no working time within {_MAX_DAYS} days")


def subtract_working_minutes(calendar: Calendar, end: datetime, minutes: float) -> datetime:
    """The moment `minutes` of working time before `end` (the 75% warning before a due time)."""
    if calendar.kind == CalendarKind.ALWAYS:
        return end - timedelta(minutes=minutes)
    zone = ZoneInfo(calendar.time_zone)
    cursor = end.astimezone(zone)
    remaining = timedelta(minutes=minutes)
    for _ in range(_MAX_DAYS):
        day = cursor.date()
        opens, closes = _working_window(calendar, day, zone)
        if opens is not None and cursor > opens:
            cursor = min(cursor, closes)
            available = cursor - opens
            if remaining <= available:
                return cursor - remaining
            remaining -= available
        cursor = datetime.combine(day - timedelta(days=1), time.max, tzinfo=zone)
    raise ValueError(f"calendar {calendar} has no working time within {_MAX_DAYS} days")


def working_minutes_between(calendar: Calendar, start: datetime, end: datetime) -> float:
    """Working minutes from `start` to `end` (0 when end is not after start)."""
    if end <= start:
        return 0.0
    if calendar.kind == CalendarKind.ALWAYS:
        return (end - start).total_seconds() / 60
    zone = ZoneInfo(calendar.time_zone)
    cursor, end = start.astimezone(zone), end.astimezone(zone)
    total = timedelta()
    while cursor < end:
        day = cursor.date()
        opens, closes = _working_window(calendar, day, zone)
        if opens is not None:
            total += max(timedelta(), min(closes, end) - max(opens, cursor))
        cursor = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return total.total_seconds() / 60


def is_working_day(calendar: Calendar, day: date) -> bool:
    if day.weekday() not in calendar.workdays:
        return False
    return day not in _days_off(calendar.holiday_country.upper(), tuple(calendar.extra_holidays or ()), day.year)


def _working_window(calendar: Calendar, day: date, zone: ZoneInfo):
    if not is_working_day(calendar, day):
        return None, None
    return (
        datetime.combine(day, calendar.workday_start, tzinfo=zone),
        datetime.combine(day, calendar.workday_end, tzinfo=zone),
    )


@lru_cache(maxsize=64)
def _days_off(country: str, extra: tuple[str, ...], year: int) -> frozenset[date]:
    public = holidays.country_holidays(country, years=year) if country else {}
    return frozenset(public) | {date.fromisoformat(day) for day in extra}
