"""Counting SLA minutes on a calendar: nights, weekends and holidays do not count."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from escalation.calendars import add_working_minutes, is_working_day, subtract_working_minutes, working_minutes_between
from escalation.models import Calendar, CalendarKind

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


@pytest.fixture
def shanghai_office(db):
    return Calendar(
        name="Shanghai office", kind=CalendarKind.BUSINESS_HOURS, time_zone="Asia/Shanghai",
        workday_start=time(9), workday_end=time(18), workdays=[0, 1, 2, 3, 4], holiday_country="CN",
    )


def test_around_the_clock_counts_every_minute():
    always = Calendar(kind=CalendarKind.ALWAYS)

    assert add_working_minutes(always, at(2026, 11, 21, 23, 0), 90) == at(2026, 11, 22, 0, 30)
    assert add_working_minutes(always, at(2026, 11, 21, 23, 0), 0.05) == at(2026, 11, 21, 23, 0, 3)


def test_four_business_hours_from_friday_afternoon_end_on_monday_morning(shanghai_office):
    friday_4pm = at(2026, 11, 20, 16, 0)

    assert add_working_minutes(shanghai_office, friday_4pm, 240) == at(2026, 11, 23, 11, 0)


def test_a_request_at_night_starts_counting_when_the_office_opens(shanghai_office):
    assert add_working_minutes(shanghai_office, at(2026, 11, 24, 22, 30), 60) == at(2026, 11, 25, 10, 0)


def test_public_holidays_are_skipped(shanghai_office):
    # 2026-10-01 to 10-07 is China's National Day holiday; the eve is a Wednesday.
    eve_5pm = at(2026, 9, 30, 17, 0)

    due = add_working_minutes(shanghai_office, eve_5pm, 120)

    assert not is_working_day(shanghai_office, at(2026, 10, 1, 0, 0).date())
    assert due == at(2026, 10, 8, 10, 0)


def test_extra_days_off_are_skipped(shanghai_office):
    shanghai_office.extra_holidays = ["2026-11-23"]

    assert add_working_minutes(shanghai_office, at(2026, 11, 20, 17, 0), 120) == at(2026, 11, 24, 10, 0)


def test_working_minutes_between_two_moments(shanghai_office):
    assert working_minutes_between(shanghai_office, at(2026, 11, 20, 16, 0), at(2026, 11, 23, 11, 0)) == 240
    assert working_minutes_between(shanghai_office, at(2026, 11, 21, 10, 0), at(2026, 11, 22, 10, 0)) == 0


def test_counting_back_from_monday_morning_lands_on_friday_afternoon(shanghai_office):
    # the 75% warning of a 4-hour target due Monday 10:00 comes at Friday 17:00
    assert subtract_working_minutes(shanghai_office, at(2026, 11, 23, 10, 0), 60) == at(2026, 11, 23, 9, 0)
    assert subtract_working_minutes(shanghai_office, at(2026, 11, 23, 10, 0), 120) == at(2026, 11, 20, 17, 0)


def test_counting_back_skips_a_public_holiday(shanghai_office):
    # 2026-10-01..07 are China's National Day holidays (10-08 is a working day)
    assert subtract_working_minutes(shanghai_office, at(2026, 10, 8, 9, 30), 60) == at(2026, 9, 30, 17, 30)


def test_counting_back_is_the_inverse_of_counting_forward(shanghai_office):
    start = at(2026, 11, 20, 16, 10)
    for minutes in (1, 45, 240, 600, 2000):
        assert subtract_working_minutes(shanghai_office, add_working_minutes(shanghai_office, start, minutes), minutes) == start


def test_a_calendar_is_validated(db):
    from django.core.exceptions import ValidationError

    broken = Calendar(
        name="Broken", kind=CalendarKind.BUSINESS_HOURS, time_zone="Mars/Olympus", workdays=[],
        workday_start=time(18), workday_end=time(9), holiday_country="XX", extra_holidays=["soon"],
    )

    with pytest.raises(ValidationError) as refused:
        broken.full_clean()

    assert set(refused.value.message_dict) >= {"time_zone", "workdays", "workday_end", "holiday_country", "extra_holidays"}
