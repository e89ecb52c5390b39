"""Exactly once under contention: two sweepers and a flurry of ETA tasks race over thousands of due tickets.

Row locks with SKIP LOCKED only exist on PostgreSQL, so this runs in the
PostgreSQL pass of CI.
"""

import random
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.db.models import Count
from django.utils import timezone

from escalation import monitor
from escalation.models import Escalation, Reason
from tickets.models import EventKind, Level, Status, Ticket, TicketEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DUE_TICKETS = 2000


@pytest.fixture(autouse=True)
def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row-level locking needs PostgreSQL; CI runs this with DATABASE_URL set")


@pytest.fixture
def due_tickets(alice, technical, tech01, tomas):
    """Thousands of open tickets whose first response fell due a minute ago."""
    past = timezone.now() - timedelta(minutes=1)
    Ticket.objects.bulk_create(
        Ticket(
            subject=f"Ticket {n}", description="x", category="technical", status=Status.OPEN, customer=alice,
            team=technical, assignee=tech01, first_response_due=past, sla_check_at=past,
        )
        for n in range(DUE_TICKETS)
    )
    return list(Ticket.objects.values_list("pk", flat=True))


def racing(*works):
    """Starts every work at the same moment, each in its own thread and database connection."""
    start = threading.Barrier(len(works))
    outcomes = [{} for _ in works]

    def run(work, outcome):
        try:
            start.wait()
            outcome["result"] = work()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            outcome["error"] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in zip(works, outcomes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return outcomes


def test_every_due_ticket_escalates_exactly_once_however_many_processes_see_it(due_tickets, tomas):
    shuffled = random.Random(4).sample(due_tickets, len(due_tickets))

    def eta_tasks():
        return sum(monitor.enforce_ticket(pk, now=timezone.now()) for pk in shuffled)

    first, second, timers = racing(
        lambda: monitor.sla_sweep(limit=DUE_TICKETS * 2).tickets,
        lambda: monitor.sla_sweep(limit=DUE_TICKETS * 2).tickets,
        eta_tasks,
    )

    assert "error" not in first and "error" not in second and "error" not in timers, (first, second, timers)
    assert first["result"] + second["result"] + timers["result"] == DUE_TICKETS
    assert first["result"] > 0 and second["result"] > 0  # both sweepers did share the work
    assert Escalation.objects.count() == DUE_TICKETS
    assert not Escalation.objects.values("ticket").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert set(Escalation.objects.values_list("reason", "owner")) == {(Reason.SLA_BREACH, tomas.pk)}
    assert TicketEvent.objects.filter(kind=EventKind.ESCALATED).count() == DUE_TICKETS
    assert Ticket.objects.filter(status=Status.ESCALATED, level=Level.MANAGER).count() == DUE_TICKETS
    assert monitor.sla_sweep().tickets == 0  # nothing left due


def test_two_overlapping_passes_hand_each_deadline_of_the_next_minute_to_one_timer(alice, technical, tech01, monkeypatch):
    from escalation import tasks

    soon = timezone.now() + timedelta(seconds=30)
    Ticket.objects.bulk_create(
        Ticket(subject=f"Ticket {n}", description="x", category="technical", status=Status.OPEN, customer=alice,
               team=technical, assignee=tech01, first_response_due=soon, sla_check_at=soon)
        for n in range(500)
    )
    handed = []
    monkeypatch.setattr(tasks.check_ticket_sla, "apply_async", lambda args, eta: handed.append(args[0]))

    first, second = racing(lambda: monitor.hand_over_timers(now=timezone.now()), lambda: monitor.hand_over_timers(now=timezone.now()))

    assert "error" not in first and "error" not in second, (first, second)
    assert first["result"] + second["result"] == 500
    assert sorted(handed) == sorted(Ticket.objects.values_list("pk", flat=True))
