import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import TicketFactory
from tickets.models import Status
from tickets.views import agent as agent_views


def _tickets_of_agent(agent, count, **fields):
    return TicketFactory.create_batch(count, team=agent.team, assignee=agent, status=Status.OPEN, **fields)


def test_the_queue_lists_the_agents_tickets_active_first(agent01, sign_in):
    # given
    resolved = TicketFactory(team=agent01.team, assignee=agent01, status=Status.RESOLVED, subject="Already solved")
    open_ticket = TicketFactory(team=agent01.team, assignee=agent01, status=Status.OPEN, subject="Still open")
    # when
    html = sign_in(agent01).get("/agent/?tab=all").content.decode()
    # then
    assert open_ticket.reference in html and resolved.reference in html
    assert html.index("Still open") < html.index("Already solved")
    assert f'href="/agent/tickets/{open_ticket.pk}/"' in html


def test_mine_shows_only_active_tickets_assigned_to_me(agent01, agent02, sign_in):
    # given
    mine = TicketFactory(team=agent01.team, assignee=agent01, status=Status.OPEN)
    theirs = TicketFactory(team=agent01.team, assignee=agent02, status=Status.OPEN)
    done = TicketFactory(team=agent01.team, assignee=agent01, status=Status.CLOSED)
    # when
    html = sign_in(agent01).get("/agent/?tab=mine").content.decode()
    # then
    assert mine.reference in html
    assert theirs.reference not in html and done.reference not in html


def test_unassigned_shows_my_teams_tickets_without_an_agent(agent01, technical, sign_in):
    # given
    waiting_for_an_agent = TicketFactory(team=agent01.team, status=Status.NEW)
    other_team = TicketFactory(team=technical, status=Status.NEW)
    # when
    html = sign_in(agent01).get("/agent/?tab=unassigned").content.decode()
    # then
    assert waiting_for_an_agent.reference in html
    assert other_team.reference not in html


def test_waiting_shows_tickets_waiting_on_the_customer(agent01, sign_in):
    # given
    waiting = TicketFactory(team=agent01.team, assignee=agent01, status=Status.WAITING_ON_CUSTOMER)
    working = TicketFactory(team=agent01.team, assignee=agent01, status=Status.OPEN)
    # when
    html = sign_in(agent01).get("/agent/?tab=waiting").content.decode()
    # then
    assert waiting.reference in html and working.reference not in html


def test_a_manager_sees_the_tickets_escalated_to_her_under_mine(maria, agent01, sign_in):
    # given
    escalated = TicketFactory(team=agent01.team, assignee=agent01, escalated_to=maria, level=2, status=Status.ESCALATED)
    # when
    html = sign_in(maria).get("/agent/?tab=mine").content.decode()
    # then
    assert escalated.reference in html


@pytest.mark.parametrize("tickets", [3, 30])
def test_the_queue_runs_the_same_number_of_queries_whatever_the_number_of_tickets(
    tickets, agent01, sign_in, django_assert_num_queries
):
    # given
    _tickets_of_agent(agent01, tickets)
    client = sign_in(agent01)
    # when / then: session, user, page rows (and one more, to know whether a next page follows), open incidents,
    # unread notifications; the tabs are counted after the page, by /agent/tab-counts/
    with django_assert_num_queries(5):
        response = client.get("/agent/?tab=active")
    assert response.content.decode().count('<tr class="is-active">') == min(tickets, agent_views.QUEUE_PAGE_SIZE)


@pytest.mark.parametrize("tickets", [3, 30])
def test_a_managers_queue_is_bounded_too(tickets, maria, agent01, sign_in, django_assert_num_queries):
    # given
    _tickets_of_agent(agent01, tickets)
    client = sign_in(maria)
    # when / then: the same five, and the teams she leads
    with django_assert_num_queries(6):
        client.get("/agent/?tab=all")


def test_a_customer_who_opens_the_queue_goes_to_her_own_tickets(alice, sign_in):
    response = sign_in(alice).get("/agent/")
    assert response.status_code == 302 and response.url == "/my/tickets/"


# --- the tabs' counts, loaded after the page -------------------------------------------------------------------


def _counts(html: str) -> dict[str, str]:
    return dict(re.findall(r'<a href="\?tab=(\w+)[^"]*"[^>]*>[^<]*<span class="count">([^<]+)</span>', html))


def test_the_page_asks_for_its_tab_counts_once_shown_with_the_same_tab_and_filters(agent01, sign_in):
    # given
    _tickets_of_agent(agent01, 2)
    # when
    html = sign_in(agent01).get("/agent/?tab=waiting&q=refund&page=2").content.decode()
    # then: no count on the page itself; htmx loads them, for the same tab and filters, whatever the page
    assert _counts(html) == {}
    assert 'hx-get="/agent/tab-counts/?tab=waiting&amp;q=refund" hx-trigger="load" hx-swap="outerHTML"' in html


def test_the_tab_counts_count_what_each_tab_lists(agent01, technical, sign_in):
    # given
    soon = timezone.now() + timedelta(minutes=30)
    TicketFactory(team=agent01.team, assignee=agent01, status=Status.OPEN, resolution_due=soon)
    TicketFactory(team=agent01.team, assignee=agent01, status=Status.OPEN)
    TicketFactory(team=agent01.team, status=Status.NEW)
    TicketFactory(team=agent01.team, assignee=agent01, status=Status.WAITING_ON_CUSTOMER)
    TicketFactory(team=agent01.team, assignee=agent01, status=Status.CLOSED)
    TicketFactory(team=technical, status=Status.NEW)  # another team's: not counted
    # when
    html = sign_in(agent01).get("/agent/tab-counts/?tab=waiting").content.decode()
    # then
    assert _counts(html) == {
        "mine": "3", "unassigned": "1", "waiting": "1", "breaching": "1", "active": "4", "all": "5"
    }
    assert re.search(r'aria-current="page">Waiting on customer <span class="count">1</span>', html)
    assert "<html" not in html  # a fragment, which replaces the page's tabs


def test_the_tab_counts_follow_the_filters(agent01, sign_in):
    # given
    _tickets_of_agent(agent01, 2, subject="Refund please")
    _tickets_of_agent(agent01, 3, subject="Address change")
    # when
    html = sign_in(agent01).get("/agent/tab-counts/?tab=mine&q=refund").content.decode()
    # then
    assert _counts(html)["mine"] == "2"


def test_the_tab_counts_are_for_staff_only_like_the_queue(alice, agent01, client, sign_in):
    anonymous = client.get("/agent/tab-counts/")
    assert anonymous.status_code == 302 and "next=/agent/tab-counts/" in anonymous.url
    response = sign_in(alice).get("/agent/tab-counts/")
    assert response.status_code == 302 and response.url == "/my/tickets/"
    assert sign_in(agent01).post("/agent/tab-counts/").status_code == 405


@pytest.mark.parametrize("tickets", [3, 30])
def test_the_tab_counts_run_the_same_number_of_queries_whatever_the_number_of_tickets(
    tickets, agent01, sign_in, django_assert_num_queries
):
    # given
    _tickets_of_agent(agent01, tickets)
    client = sign_in(agent01)
    # when / then: session, user, and the six capped counts in one query
    with django_assert_num_queries(3):
        html = client.get("/agent/tab-counts/").content.decode()
    assert _counts(html)["mine"] == str(tickets)
