"""The team's SLA compliance day by day: the series the team page draws."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from escalation import monitor
from escalation.compliance import DailyCompliance, team_daily_compliance
from tests.factories import TicketFactory
from tickets import services
from tickets.models import EventKind, Status

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("UTC"))  # a Monday


def ticket_created(team, customer, *, at):
    with time_machine.travel(at, tick=False):
        return TicketFactory(team=team, customer=customer, status=Status.OPEN)


def breach_logged(ticket):
    services.ticket_log(ticket=ticket, kind=EventKind.SLA_BREACHED, detail="Nobody answered in time.")


def test_each_day_counts_the_teams_tickets_created_that_day_and_those_that_breached(
    billing, technical, agent01, alice, bob, django_assert_num_queries
):
    # given: today two tickets, one escalated by the monitor for its first response
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        services.ticket_create(customer=alice, subject="Charged twice", description="In May.", category="billing")
    with time_machine.travel(NOW - timedelta(minutes=30), tick=False):
        monitor.sla_sweep()
    ticket_created(billing, bob, at=NOW - timedelta(hours=1))
    # three days ago: three tickets, one with a breach logged at the top level
    three_days_ago = NOW - timedelta(days=3)
    breach_logged(ticket_created(billing, alice, at=three_days_ago))
    ticket_created(billing, alice, at=three_days_ago)
    ticket_created(billing, bob, at=three_days_ago)
    # not counted: another team's breach, a ticket 30 days ago (outside the 30 days), one after now
    breach_logged(ticket_created(technical, alice, at=three_days_ago))
    ticket_created(billing, alice, at=NOW - timedelta(days=30))
    ticket_created(billing, alice, at=NOW + timedelta(minutes=5))
    # when: one query for the whole series
    with django_assert_num_queries(1):
        series = team_daily_compliance(team=billing, now=NOW)
    # then
    assert len(series) == 30
    assert series[0].day == date(2026, 10, 25) and series[-1].day == date(2026, 11, 23)
    assert series[-1] == DailyCompliance(day=date(2026, 11, 23), total=2, breached=1)
    assert series[-4] == DailyCompliance(day=date(2026, 11, 20), total=3, breached=1)
    assert series[-4].percent == 66  # rounded down, never 67
    assert sum(day.total for day in series) == 5
    assert series[-2].total == 0 and series[-2].percent is None  # a quiet day has no share, not 0%


def test_days_follow_the_current_time_zone(billing, alice):
    # given: 23:30 UTC on Sunday is already Monday 07:30 in Shanghai
    late_sunday = datetime(2026, 11, 22, 23, 30, tzinfo=ZoneInfo("UTC"))
    ticket_created(billing, alice, at=late_sunday)
    # when
    in_utc = team_daily_compliance(team=billing, now=NOW, days=7)
    with timezone.override(ZoneInfo("Asia/Shanghai")):
        in_shanghai = team_daily_compliance(team=billing, now=NOW, days=7)
    # then
    assert [day.total for day in in_utc][-2:] == [1, 0]
    assert [day.total for day in in_shanghai][-2:] == [0, 1]
    assert in_shanghai[-1].day == date(2026, 11, 23)


def test_the_query_count_does_not_grow_with_the_tickets(billing, alice, django_assert_num_queries):
    # given: 60 tickets spread over 27 days, a third of them breached
    for number in range(60):
        ticket = ticket_created(billing, alice, at=NOW - timedelta(hours=11 * number))
        if number % 3 == 0:
            breach_logged(ticket)
    # when / then
    with django_assert_num_queries(1):
        series = team_daily_compliance(team=billing, now=NOW)
    assert sum(day.total for day in series) == 60 and sum(day.breached for day in series) == 20
