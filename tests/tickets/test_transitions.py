"""Every ticket transition, allowed and refused, for each role and each state."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from tests.factories import TicketFactory
from tickets import services
from tickets.models import EventKind, Level, Status, Ticket

ROLES = ["owner", "other_customer", "team_agent", "other_agent", "team_manager", "other_manager", "head", "admin"]
STAFF_ON_TEAM = {"team_agent", "team_manager", "head", "admin"}


def run(name, ticket, by, people):
    """Calls the service for transition `name` with the text each one needs."""
    if name == "assign":
        agent = by if by.role == "agent" else people["team_agent"]
        return services.ticket_assign(ticket=ticket, agent=agent, by=by)
    if name == "request_info":
        return services.ticket_request_info(ticket=ticket, body="Which invoice number?", by=by)
    if name == "escalate":
        return services.ticket_escalate(ticket=ticket, reason="Needs invoice expertise", by=by)
    if name == "return_to_agent":
        return services.ticket_return_to_agent(ticket=ticket, guidance="Retry the issuance", by=by)
    if name == "resolve":
        return services.ticket_resolve(ticket=ticket, resolution="Invoice issued", by=by)
    if name == "reopen":
        return services.ticket_reopen(ticket=ticket, by=by)
    if name == "close":
        return services.ticket_close(ticket=ticket, by=by)
    raise AssertionError(name)


TRANSITIONS = {
    # name: (source states, roles that may run it, target state, event kind)
    "assign": ({Status.NEW, Status.OPEN}, STAFF_ON_TEAM, Status.OPEN, EventKind.ASSIGNED),
    "request_info": ({Status.OPEN}, STAFF_ON_TEAM, Status.WAITING_ON_CUSTOMER, EventKind.INFO_REQUESTED),
    "escalate": ({Status.NEW, Status.OPEN, Status.ESCALATED}, STAFF_ON_TEAM, Status.ESCALATED, EventKind.ESCALATED),
    "return_to_agent": ({Status.ESCALATED}, {"team_manager", "head", "admin"}, Status.OPEN, EventKind.RETURNED),
    "resolve": ({Status.OPEN, Status.ESCALATED}, STAFF_ON_TEAM, Status.RESOLVED, EventKind.RESOLVED),
    "reopen": ({Status.RESOLVED}, STAFF_ON_TEAM | {"owner"}, Status.OPEN, EventKind.REOPENED),
    "close": ({Status.RESOLVED}, STAFF_ON_TEAM | {"owner"}, Status.CLOSED, EventKind.CLOSED),
}


@pytest.fixture
def people(alice, bob, agent01, agent02, tech01, maria, tomas, hana, admin_user):
    return {
        "owner": alice,
        "other_customer": bob,
        "assigned_agent": agent01,
        "team_agent": agent02,
        "other_agent": tech01,
        "team_manager": maria,
        "other_manager": tomas,
        "head": hana,
        "admin": admin_user,
    }


def ticket_in(status, people, billing):
    escalated = status == Status.ESCALATED
    return TicketFactory(
        status=status,
        customer=people["owner"],
        team=billing,
        assignee=None if status == Status.NEW else people["assigned_agent"],
        level=Level.MANAGER if escalated else Level.AGENT,
        escalated_to=people["team_manager"] if escalated else None,
    )


# Narrower rules in some states: an agent takes only an unassigned ticket, and
# only a manager or above sends an escalated ticket further up.
NOT_FOR_AGENTS_IN = {("assign", Status.OPEN), ("escalate", Status.ESCALATED)}


def roles_for(name, state):
    roles = TRANSITIONS[name][1]
    return roles - {"team_agent"} if (name, state) in NOT_FOR_AGENTS_IN else roles


ALLOWED = [
    (name, state, role)
    for name, (sources, _, _, _) in TRANSITIONS.items()
    for state in sorted(sources)
    for role in sorted(roles_for(name, state))
]
FORBIDDEN_ROLES = [
    (name, state, role)
    for name, (sources, _, _, _) in TRANSITIONS.items()
    for state in sorted(sources)
    for role in ROLES
    if role not in roles_for(name, state)
]
WRONG_STATES = [
    (name, state)
    for name, (sources, _, _, _) in TRANSITIONS.items()
    for state in Status.values
    if state not in sources
]


@pytest.mark.parametrize(("name", "state", "role"), ALLOWED)
def test_an_allowed_role_runs_the_transition_and_it_is_recorded(name, state, role, people, billing):
    ticket = ticket_in(state, people, billing)
    by = people[role]

    result = run(name, ticket, by, people)

    sources, _, target, kind = TRANSITIONS[name]
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.status == target == result.status
    event = stored.events.get(kind=kind)
    assert (event.actor, event.from_status, event.to_status) == (by, state, target)


@pytest.mark.parametrize(("name", "state", "role"), FORBIDDEN_ROLES)
def test_a_role_without_permission_is_refused_and_nothing_changes(name, state, role, people, billing):
    ticket = ticket_in(state, people, billing)

    with pytest.raises(PermissionDenied):
        run(name, ticket, people[role], people)

    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.status == state
    assert not stored.events.exists()


@pytest.mark.parametrize(("name", "state"), WRONG_STATES)
def test_a_transition_from_a_state_that_does_not_allow_it_is_refused(name, state, people, billing):
    ticket = ticket_in(state, people, billing)
    by = people["admin"]

    with pytest.raises(services.TransitionRefused) as refused:
        run(name, ticket, by, people)

    assert refused.value.ticket.status == state
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.status == state
    assert not stored.events.exists()


def test_escalating_from_the_agent_hands_the_ticket_to_the_team_manager(people, billing):
    ticket = ticket_in(Status.OPEN, people, billing)

    ticket = services.ticket_escalate(ticket=ticket, reason="Invoice system seems down", by=people["assigned_agent"])

    assert (ticket.status, ticket.level, ticket.escalated_to) == (Status.ESCALATED, Level.MANAGER, people["team_manager"])


def test_escalating_from_the_manager_hands_the_ticket_to_the_head_of_support(people, billing):
    ticket = ticket_in(Status.ESCALATED, people, billing)

    ticket = services.ticket_escalate(ticket=ticket, reason="System-wide fault", by=people["team_manager"])

    assert (ticket.level, ticket.escalated_to) == (Level.HEAD, people["head"])


def test_the_head_of_support_is_the_top_level(people, billing):
    ticket = ticket_in(Status.ESCALATED, people, billing)
    ticket = services.ticket_escalate(ticket=ticket, reason="System-wide fault", by=people["team_manager"])

    with pytest.raises(services.TransitionRefused):
        services.ticket_escalate(ticket=ticket, reason="Higher still", by=people["head"])

    assert Ticket.objects.get(pk=ticket.pk).level == Level.HEAD


def test_returning_to_the_agent_puts_the_ticket_back_at_level_one_with_internal_guidance(people, billing):
    ticket = ticket_in(Status.ESCALATED, people, billing)

    ticket = services.ticket_return_to_agent(ticket=ticket, guidance="Offer a split invoice", by=people["team_manager"])

    assert (ticket.status, ticket.level, ticket.escalated_to, ticket.assignee) == (
        Status.OPEN, Level.AGENT, None, people["assigned_agent"]
    )
    event = ticket.events.get(kind=EventKind.RETURNED)
    assert (event.detail, event.public) == ("Offer a split invoice", False)


def test_an_agent_may_take_an_unassigned_ticket_but_not_hand_it_to_a_colleague(people, billing):
    ticket = ticket_in(Status.NEW, people, billing)

    with pytest.raises(PermissionDenied):
        services.ticket_assign(ticket=ticket, agent=people["assigned_agent"], by=people["team_agent"])

    taken = services.ticket_assign(ticket=ticket, agent=people["team_agent"], by=people["team_agent"])
    assert taken.assignee == people["team_agent"]
    with pytest.raises(PermissionDenied):  # a colleague's ticket is the manager's to move
        services.ticket_assign(ticket=taken, agent=people["assigned_agent"], by=people["assigned_agent"])


def test_an_agent_cannot_push_an_escalated_ticket_to_the_head_of_support(people, billing):
    ticket = ticket_in(Status.ESCALATED, people, billing)

    with pytest.raises(PermissionDenied):
        services.ticket_escalate(ticket=ticket, reason="Faster please", by=people["assigned_agent"])

    assert Ticket.objects.get(pk=ticket.pk).level == Level.MANAGER


def test_asking_the_customer_posts_the_question_in_the_conversation(people, billing):
    ticket = ticket_in(Status.OPEN, people, billing)

    services.ticket_request_info(ticket=ticket, body="Which tax id should the invoice carry?", by=people["assigned_agent"])

    question = ticket.messages.get()
    assert (question.body, question.internal, question.author) == (
        "Which tax id should the invoice carry?", False, people["assigned_agent"]
    )
    assert ticket.events.get(kind=EventKind.INFO_REQUESTED).message == question
    assert Ticket.objects.get(pk=ticket.pk).first_responded_at == question.created_at


@pytest.mark.parametrize("field_and_call", [
    ("body", lambda t, by: services.ticket_request_info(ticket=t, body="  ", by=by)),
    ("reason", lambda t, by: services.ticket_escalate(ticket=t, reason="", by=by)),
    ("resolution", lambda t, by: services.ticket_resolve(ticket=t, resolution="", by=by)),
])
def test_a_transition_that_needs_a_text_refuses_a_blank_one(field_and_call, people, billing):
    from django.core.exceptions import ValidationError

    field, call = field_and_call
    ticket = ticket_in(Status.OPEN, people, billing)

    with pytest.raises(ValidationError) as error:
        call(ticket, people["assigned_agent"])

    assert field in error.value.message_dict
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


def test_allowed_transitions_list_what_each_role_may_run_now(people, billing):
    ticket = ticket_in(Status.OPEN, people, billing)

    assert ticket.allowed_transitions_for(people["owner"]) == []
    assert ticket.allowed_transitions_for(people["assigned_agent"]) == ["request_info", "escalate", "resolve"]
    assert ticket.allowed_transitions_for(people["team_agent"]) == ["request_info", "escalate", "resolve"]
    assert ticket.allowed_transitions_for(people["team_manager"]) == ["assign", "request_info", "escalate", "resolve"]
    assert ticket.allowed_transitions_for(people["other_agent"]) == []


def test_a_stale_copy_cannot_overwrite_a_transition_that_already_happened(people, billing):
    """The optimistic guard of django-fsm's ConcurrentTransitionMixin, below the service's row lock."""
    from django_fsm import ConcurrentTransition

    ticket = ticket_in(Status.OPEN, people, billing)
    first, stale = Ticket.objects.get(pk=ticket.pk), Ticket.objects.get(pk=ticket.pk)
    first.resolve(at=first.created_at)
    first.save()

    stale.escalate(owner=people["team_manager"])
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED
