from tickets import services
from tickets.models import EventKind, Status


def test_a_ticket_life_leaves_a_complete_audit_trail(alice, billing, agent01, maria):
    ticket = services.ticket_create(customer=alice, subject="10,300 CNY invoice hangs", description="Since 9:00", category="invoice")
    services.message_post(ticket=ticket, author=agent01, body="Checking the pipeline", internal=True)
    services.ticket_request_info(ticket=ticket, body="Which tax id?", by=agent01)
    services.message_post(ticket=ticket, author=alice, body="91310000")
    services.ticket_escalate(ticket=ticket, reason="Gateway failing for large invoices", by=agent01)
    services.ticket_return_to_agent(ticket=ticket, guidance="Retry after the fix", by=maria)
    services.ticket_resolve(ticket=ticket, resolution="Invoice issued", by=agent01)
    services.ticket_reopen(ticket=ticket, by=alice, reason="Wrong header")
    services.ticket_resolve(ticket=ticket, resolution="Reissued", by=agent01)
    services.ticket_close(ticket=ticket, by=alice)

    trail = list(ticket.events.values_list("kind", "actor__username", "from_status", "to_status", "public"))
    assert trail == [
        (EventKind.CREATED, "alice", "", Status.NEW, True),
        (EventKind.ASSIGNED, None, Status.NEW, Status.OPEN, False),
        (EventKind.NOTE, "agent01", "", "", False),
        (EventKind.INFO_REQUESTED, "agent01", Status.OPEN, Status.WAITING_ON_CUSTOMER, True),
        (EventKind.REPLY, "alice", "", "", True),
        (EventKind.RESUMED, "alice", Status.WAITING_ON_CUSTOMER, Status.OPEN, True),
        (EventKind.ESCALATED, "agent01", Status.OPEN, Status.ESCALATED, False),
        (EventKind.NOTICE, None, "", "", True),  # the customer reads who holds the ticket now
        (EventKind.RETURNED, "maria", Status.ESCALATED, Status.OPEN, False),
        (EventKind.RESOLVED, "agent01", Status.OPEN, Status.RESOLVED, True),
        (EventKind.REOPENED, "alice", Status.RESOLVED, Status.OPEN, True),
        (EventKind.RESOLVED, "agent01", Status.OPEN, Status.RESOLVED, True),
        (EventKind.CLOSED, "alice", Status.RESOLVED, Status.CLOSED, True),
    ]
    assert ticket.events.get(kind=EventKind.ESCALATED).detail == "Gateway failing for large invoices"
