"""Two database connections race on one ticket: exactly one transition applies.

Row locks only exist on PostgreSQL (SQLite serialises writers instead), so
these run in the PostgreSQL pass of CI.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from tests.factories import TicketFactory
from tickets import services
from tickets.models import EventKind, Status, Ticket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row-level locking needs PostgreSQL; CI runs this with DATABASE_URL set")


def in_own_connection(work):
    """Runs work in a thread, which gets its own database connection, and keeps its outcome."""
    outcome = {}

    def target():
        try:
            outcome["result"] = work()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


def wait_until_a_backend_waits_for_a_lock(timeout=10.0):
    """Polls pg_stat_activity: the second connection is now blocked on the first one's row lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= 1:
                return
    raise AssertionError("the second connection never waited for the lock")


def test_the_connection_that_loses_the_race_is_refused_and_nothing_applies_twice(alice, billing, agent01, maria):
    ticket = TicketFactory(status=Status.OPEN, customer=alice, team=billing, assignee=agent01)
    stale_copy = Ticket.objects.get(pk=ticket.pk)  # what the second caller read before the first wrote
    first_holds_its_lock = threading.Event()
    first_may_commit = threading.Event()

    def resolve_and_hold_the_lock():
        with transaction.atomic():
            resolved = services.ticket_resolve(ticket=Ticket.objects.get(pk=ticket.pk), resolution="Issued", by=agent01)
            first_holds_its_lock.set()
            first_may_commit.wait(10)
        return resolved.status

    def escalate_the_stale_copy():
        first_holds_its_lock.wait(10)
        return services.ticket_escalate(ticket=stale_copy, reason="Too slow", by=agent01).status

    first, first_outcome = in_own_connection(resolve_and_hold_the_lock)
    second, second_outcome = in_own_connection(escalate_the_stale_copy)
    wait_until_a_backend_waits_for_a_lock()
    first_may_commit.set()
    first.join(15)
    second.join(15)

    assert first_outcome == {"result": Status.RESOLVED}
    refusal = second_outcome["error"]
    assert isinstance(refusal, services.TransitionRefused)
    assert refusal.ticket.status == Status.RESOLVED
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.status, stored.level) == (Status.RESOLVED, 1)
    assert list(stored.events.values_list("kind", flat=True)) == [EventKind.RESOLVED]


def test_many_simultaneous_requests_for_the_same_transition_apply_it_once(alice, billing, agent01):
    tickets = [TicketFactory(status=Status.OPEN, customer=alice, team=billing, assignee=agent01) for _ in range(10)]
    start = threading.Barrier(4)

    def resolve_all():
        start.wait(10)
        won = 0
        for ticket in tickets:
            try:
                services.ticket_resolve(ticket=ticket, resolution="Issued", by=agent01)
                won += 1
            except services.TransitionRefused:
                pass
        return won

    runners = [in_own_connection(resolve_all) for _ in range(4)]
    for thread, _ in runners:
        thread.join(30)

    assert all("error" not in outcome for _, outcome in runners)
    assert sum(outcome["result"] for _, outcome in runners) == len(tickets)
    for ticket in tickets:
        assert ticket.events.filter(kind=EventKind.RESOLVED).count() == 1


def test_the_api_answers_409_to_the_loser(api, alice, billing, agent01, maria):
    """The same race through HTTP: the second request arrives while the first holds the row."""
    ticket = TicketFactory(status=Status.OPEN, customer=alice, team=billing, assignee=agent01)
    first_holds_its_lock = threading.Event()
    first_may_commit = threading.Event()

    def resolve_and_hold_the_lock():
        with transaction.atomic():
            services.ticket_resolve(ticket=ticket, resolution="Issued", by=agent01)
            first_holds_its_lock.set()
            first_may_commit.wait(10)

    def escalate_over_http():
        from rest_framework.test import APIClient

        first_holds_its_lock.wait(10)
        client = APIClient()
        client.force_authenticate(agent01)
        return client.post(f"/api/v1/tickets/{ticket.pk}/escalate/", {"reason": "Too slow"}, format="json")

    first, _ = in_own_connection(resolve_and_hold_the_lock)
    second, outcome = in_own_connection(escalate_over_http)
    wait_until_a_backend_waits_for_a_lock()
    first_may_commit.set()
    first.join(15)
    second.join(15)

    answer = outcome["result"]
    assert answer.status_code == 409
    assert answer.json()["status"] == "resolved"
