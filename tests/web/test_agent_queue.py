import pytest

from tests.factories import TicketFactory
from tickets.models import Status


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
    # when / then: session, user, tab counts (which also give the page's count), page rows, open incidents,
    # unread notifications
    with django_assert_num_queries(6):
        response = client.get("/agent/?tab=active")
    assert response.content.decode().count('<tr class="is-active">') == tickets


@pytest.mark.parametrize("tickets", [3, 30])
def test_a_managers_queue_is_bounded_too(tickets, maria, agent01, sign_in, django_assert_num_queries):
    # given
    _tickets_of_agent(agent01, tickets)
    client = sign_in(maria)
    # when / then: the same six, and the teams she leads
    with django_assert_num_queries(7):
        client.get("/agent/?tab=all")


def test_a_customer_who_opens_the_queue_goes_to_her_own_tickets(alice, sign_in):
    response = sign_in(alice).get("/agent/")
    assert response.status_code == 302 and response.url == "/my/tickets/"
