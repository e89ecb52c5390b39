from supportdesk.models import Role
from tests.factories import AgentFactory, TicketFactory
from tickets import services
from tickets.models import EventKind, Status


def test_a_new_ticket_goes_to_the_agent_with_the_fewest_active_tickets(alice, billing, agent01, agent02):
    TicketFactory(status=Status.OPEN, assignee=agent01, team=billing)
    TicketFactory(status=Status.CLOSED, assignee=agent02, team=billing)  # closed work is not load

    ticket = services.ticket_create(customer=alice, subject="Invoice missing", description="x", category="invoice")

    assert (ticket.status, ticket.team, ticket.assignee) == (Status.OPEN, billing, agent02)
    assigned = ticket.events.get(kind=EventKind.ASSIGNED)
    assert assigned.actor is None and assigned.public is False
    assert "agent02" in assigned.detail


def test_tickets_are_spread_over_the_team_in_turn(alice, billing, agent01, agent02):
    owners = [
        services.ticket_create(customer=alice, subject=f"Q{n}", description="x", category="billing").assignee
        for n in range(4)
    ]

    assert owners == [agent01, agent02, agent01, agent02]


def test_only_the_team_that_owns_the_category_takes_the_ticket(alice, agent01, tech01):
    ticket = services.ticket_create(customer=alice, subject="API down", description="x", category="technical")

    assert ticket.assignee == tech01


def test_inactive_agents_get_no_new_tickets(alice, billing, agent01):
    agent01.is_active = False
    agent01.save()
    spare = AgentFactory(username="agent03", team=billing, role=Role.AGENT)

    ticket = services.ticket_create(customer=alice, subject="Q", description="x", category="invoice")

    assert ticket.assignee == spare


def test_a_ticket_waits_unassigned_in_the_team_queue_when_nobody_can_take_it(alice, billing):
    ticket = services.ticket_create(customer=alice, subject="Q", description="x", category="invoice")

    assert (ticket.status, ticket.team, ticket.assignee) == (Status.NEW, billing, None)


def test_a_ticket_in_a_category_no_team_owns_stays_new(alice, billing, agent01):
    ticket = services.ticket_create(customer=alice, subject="Q", description="x", category="other")

    assert (ticket.status, ticket.team, ticket.assignee) == (Status.NEW, None, None)


def test_a_team_without_a_manager_escalates_to_a_manager_who_knows_the_category(alice, billing, agent01, maria, tomas):
    from tests.factories import ManagerFactory, TicketFactory

    billing.manager = None
    billing.save()
    busy_expert = maria
    TicketFactory(status=Status.ESCALATED, escalated_to=busy_expert, level=2, customer=alice)
    free_expert = ManagerFactory(username="lena", expertise=["invoice"])
    ticket = services.ticket_create(customer=alice, subject="Invoice stuck", description="x", category="invoice")

    escalated = services.ticket_escalate(ticket=ticket, reason="Needs invoice knowledge", by=agent01)

    assert escalated.escalated_to == free_expert  # tomas is idle too, but knows nothing of invoices
