from datetime import timedelta

import time_machine
from django.utils import timezone

from tickets import services
from tickets.models import EventKind, Status
from tickets.tasks import close_resolved_tickets


def test_resolved_tickets_close_by_themselves_after_the_configured_days(alice, billing, agent01, settings):
    settings.TICKETS_AUTO_CLOSE_DAYS = 7
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        old = services.ticket_create(customer=alice, subject="Old", description="x", category="invoice")
        services.ticket_resolve(ticket=old, resolution="Done", by=agent01)
    with time_machine.travel(start + timedelta(days=5), tick=False):
        recent = services.ticket_create(customer=alice, subject="Recent", description="x", category="invoice")
        services.ticket_resolve(ticket=recent, resolution="Done", by=agent01)

    with time_machine.travel(start + timedelta(days=7, minutes=1), tick=False):
        closed = close_resolved_tickets.apply().get()

    old.refresh_from_db()
    recent.refresh_from_db()
    assert closed == 1
    assert (old.status, recent.status) == (Status.CLOSED, Status.RESOLVED)
    event = old.events.get(kind=EventKind.CLOSED)
    assert event.actor is None and "7 days" in event.detail


def test_closing_twice_does_nothing_more(alice, billing, agent01):
    ticket = services.ticket_create(customer=alice, subject="Old", description="x", category="invoice")
    services.ticket_resolve(ticket=ticket, resolution="Done", by=agent01)
    later = timezone.now() + timedelta(days=30)

    assert services.tickets_close_resolved(now=later) == 1
    assert services.tickets_close_resolved(now=later) == 0
    assert ticket.events.filter(kind=EventKind.CLOSED).count() == 1
