"""The team page draws the team's SLA compliance day by day, as an inline SVG chart with the same numbers in a table."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import TicketFactory
from tickets import services
from tickets.models import EventKind, Status

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("UTC"))


def team_page(team) -> str:
    return f"/teams/{team.pk}/"


def ticket_created(team, customer, *, days_ago, breached=False):
    with time_machine.travel(NOW - timedelta(days=days_ago), tick=False):
        ticket = TicketFactory(team=team, customer=customer, status=Status.OPEN)
    if breached:
        services.ticket_log(ticket=ticket, kind=EventKind.SLA_BREACHED, detail="Nobody answered in time.")
    return ticket


def the_page(client, team) -> str:
    with time_machine.travel(NOW, tick=False):
        response = client.get(team_page(team))
    assert response.status_code == 200
    return response.content.decode()


def chart(html, chart_id) -> str:
    start = html.index(f'<figure class="compliance-chart" id="{chart_id}">')
    return html[start:html.index("</figure>", start)]


def test_the_team_page_draws_7_and_30_days_of_compliance_with_titles_and_a_table(sign_in, maria, billing, alice):
    # given: today 1 of 2 tickets breached; 10 days ago 1 ticket, no breach
    ticket_created(billing, alice, days_ago=0, breached=True)
    ticket_created(billing, alice, days_ago=0)
    ticket_created(billing, alice, days_ago=10)
    # when
    html = the_page(sign_in(maria), billing)
    # then: two accessible SVG charts
    week, month = chart(html, "compliance-chart-7d"), chart(html, "compliance-chart-30d")
    for drawing, days in ((week, 7), (month, 30)):
        assert 'role="img"' in drawing and "<svg" in drawing
        title = f"SLA compliance per day, last {days} days"
        assert f'<title id="compliance-chart-{days}d-title">{title}</title>' in drawing
        assert 'aria-labelledby="compliance-chart-' in drawing and "<desc " in drawing
        assert ">0%</text>" in drawing and ">50%</text>" in drawing and ">100%</text>" in drawing
        assert ">Nov 23</text>" in drawing  # today is labelled on the axis
        assert drawing.count("<tr>") == days + 1  # the hidden table: a header and a row per day
    # today is a half-height bar in both; the day 10 days ago is a full bar in the 30 days only
    assert week.count("<rect ") == 1 and month.count("<rect ") == 2
    assert "50% (1 of 2 tickets breached)" in week
    assert "100% (0 of 1 ticket breached)" in month and "100% (0 of 1 ticket breached)" not in week
    today_row = r'<time datetime="2026-11-23">[^<]*</time></th>\s*<td>2</td>\s*<td>1</td>\s*<td>50%</td>'
    assert re.search(today_row, week) is not None
    assert '<table class="visually-hidden">' in week and "no tickets" in week


def test_a_bar_is_as_high_as_the_share_of_tickets_that_never_breached(sign_in, maria, billing, alice):
    # given: today 1 of 4 breached, so 75%
    ticket_created(billing, alice, days_ago=0, breached=True)
    for _ in range(3):
        ticket_created(billing, alice, days_ago=0)
    # when
    week = chart(the_page(sign_in(maria), billing), "compliance-chart-7d")
    # then: the plot is 100 units high from y=8, so 75% reaches y=33
    bar = r'<rect class="chart-bar chart-bar-breached" x="[\d.]+" y="33.0" width="[\d.]+" height="75.0">'
    assert re.search(bar, week)


def test_the_chart_costs_one_query_whatever_the_number_of_tickets(sign_in, hana, billing, alice):
    # given
    client = sign_in(hana)
    ticket_created(billing, alice, days_ago=1)
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as few:
        client.get(team_page(billing))
    # when: 60 more tickets over 30 days, a third breached
    for number in range(60):
        ticket_created(billing, alice, days_ago=number % 30, breached=number % 3 == 0)
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as many:
        html = client.get(team_page(billing)).content.decode()
    # then
    assert len(many) == len(few)
    assert html.count("<rect ") == 7 + 30


def test_a_customer_has_no_team_page(sign_in, alice, billing):
    with time_machine.travel(NOW, tick=False):
        assert sign_in(alice).get(team_page(billing)).status_code == 404
