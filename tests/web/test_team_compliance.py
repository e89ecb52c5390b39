"""The team page: each agent's breaches now, and the team's SLA compliance over the last 7 and 30 days."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation import monitor
from escalation.compliance import Compliance
from escalation.models import Escalation, Reason
from tests.factories import AgentFactory, TicketFactory
from tickets import services
from tickets.models import EventKind, Status

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("UTC"))


def team_page(team) -> str:
    return f"/teams/{team.pk}/"


def quiet_ticket(team, customer, *, days_ago, assignee=None):
    """A ticket row created that long ago, with no SLA due times: it never breaches."""
    with time_machine.travel(NOW - timedelta(days=days_ago), tick=False):
        return TicketFactory(team=team, customer=customer, assignee=assignee, status=Status.OPEN)


def breached_by_the_monitor(customer, *, days_ago):
    """A billing ticket nobody answered: the monitor escalates it when its first response falls due."""
    opened = NOW - timedelta(days=days_ago)
    with time_machine.travel(opened, tick=False):
        ticket = services.ticket_create(
            customer=customer, subject="Charged twice", description="In May.", category="billing"
        )
    with time_machine.travel(opened + timedelta(minutes=60), tick=False):
        monitor.sla_sweep()
    assert Escalation.objects.filter(ticket=ticket, reason=Reason.SLA_BREACH).exists()
    return ticket


def breach_logged(team, customer, *, days_ago):
    """A breach at the top level: no escalation is left, the breach is logged on the ticket."""
    ticket = quiet_ticket(team, customer, days_ago=days_ago)
    services.ticket_log(ticket=ticket, kind=EventKind.SLA_BREACHED, detail="Nobody answered in time.")
    return ticket


def test_compliance_counts_the_teams_tickets_of_each_window_that_never_breached(
    sign_in, maria, billing, agent01, technical, tech01, alice, bob
):
    # given, in the last 7 days: 3 tickets of Billing, 1 escalated for a breach
    breached_by_the_monitor(alice, days_ago=3)
    quiet_ticket(billing, alice, days_ago=2)
    quiet_ticket(billing, bob, days_ago=1)
    # 8 to 30 days ago: 2 more, 1 breach logged at the top level
    breach_logged(billing, bob, days_ago=20)
    quiet_ticket(billing, alice, days_ago=25)
    # outside: older than 30 days, or another team's
    breach_logged(billing, alice, days_ago=31)
    breach_logged(technical, alice, days_ago=1)
    # when
    with time_machine.travel(NOW, tick=False):
        html = sign_in(maria).get(team_page(billing)).content.decode()
    # then: rounded down, so that a breach never reads as 100%
    assert "Last 7 days" in html and "66% — 1 of 3 tickets breached" in html
    assert "Last 30 days" in html and "60% — 2 of 5 tickets breached" in html


def test_a_team_without_tickets_says_so(sign_in, maria, billing, agent01):
    with time_machine.travel(NOW, tick=False):
        html = sign_in(maria).get(team_page(billing)).content.decode()
    assert html.count("No tickets were created in this period.") == 2


def test_the_percentage_is_rounded_down_and_counts_singular_and_plural():
    assert Compliance(days=7, total=1000, breached=1).summary == "99% — 1 of 1000 tickets breached"
    assert Compliance(days=7, total=1, breached=0).summary == "100% — 0 of 1 ticket breached"
    assert Compliance(days=7, total=0, breached=0).percent is None


def test_each_agent_shows_the_tickets_past_a_target_now(sign_in, maria, billing, agent01, agent02, alice):
    # given: a ticket of agent01 past its first response (11:00) and one of agent02 that is not due yet
    with time_machine.travel(NOW, tick=False):
        late = services.ticket_create(customer=alice, subject="Late", description="?", category="billing")
    assert late.assignee == agent01
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        on_time = services.ticket_create(customer=alice, subject="On time", description="?", category="billing")
    assert on_time.assignee == agent02
    # when: at 11:20, before any sweep
    with time_machine.travel(NOW + timedelta(minutes=80), tick=False):
        html = sign_in(maria).get(team_page(billing)).content.decode()
    # then
    agent01_row = html[html.index("<td>agent01</td>"):html.index("<td>agent02</td>")]
    agent02_row = html[html.index("<td>agent02</td>"):html.index("</tbody>")]
    assert f'href="/agent/tickets/{late.pk}/">{late.reference}</a>: first response overdue' in agent01_row
    assert on_time.reference not in html and "none" in agent02_row


def test_waiting_on_the_customer_is_not_a_breach(sign_in, maria, billing, agent01, alice):
    # given: agent01 asked the customer before the first response fell due; the clock is paused
    with time_machine.travel(NOW, tick=False):
        ticket = services.ticket_create(customer=alice, subject="Which card?", description="?", category="billing")
        services.ticket_request_info(ticket=ticket, body="Which card was charged?", by=agent01)
    # when
    with time_machine.travel(NOW + timedelta(hours=5), tick=False):
        html = sign_in(maria).get(team_page(billing)).content.decode()
    # then
    assert ticket.reference not in html


def test_only_the_first_breaches_of_an_agent_are_listed_with_how_many_more(sign_in, maria, billing, agent01, alice):
    # given: seven tickets of agent01 past their first response
    with time_machine.travel(NOW, tick=False):
        for number in range(7):
            services.ticket_create(customer=alice, subject=f"Late {number}", description="?", category="billing")
    # when
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        html = sign_in(maria).get(team_page(billing)).content.decode()
    # then
    assert html.count("first response overdue") == 5 and "and 2 more tickets" in html


def _breaching_agents(count, team, customer):
    with time_machine.travel(NOW - timedelta(hours=3), tick=False):
        for _ in range(count):
            agent = AgentFactory(team=team)
            for _ticket in range(2):
                ticket = TicketFactory(team=team, customer=customer, assignee=agent, status=Status.OPEN)
                ticket.first_response_due = NOW - timedelta(hours=2)
                ticket.save(update_fields=["first_response_due"])
            breach_logged(team, customer, days_ago=0)


def _queries(client, url) -> int:
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_team_page_runs_the_same_number_of_queries_for_2_or_10_breaching_agents(sign_in, hana, billing, alice):
    # given
    client = sign_in(hana)
    _breaching_agents(2, billing, alice)
    with_two = _queries(client, team_page(billing))
    # when
    _breaching_agents(8, billing, alice)
    # then
    assert _queries(client, team_page(billing)) == with_two
    with time_machine.travel(NOW, tick=False):
        assert client.get(team_page(billing)).content.decode().count("first response overdue") == 20
