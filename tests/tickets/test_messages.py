import pytest
from django.core.exceptions import PermissionDenied

from supportdesk.models import Notification
from tests.factories import TicketFactory
from tickets import services
from tickets.models import EventKind, Status


@pytest.fixture
def open_ticket(alice, billing, agent01):
    return services.ticket_create(customer=alice, subject="Where is my invoice?", description="Two invoices", category="invoice")


def test_the_customer_answering_a_question_puts_the_ticket_back_to_open(open_ticket, alice, agent01):
    services.ticket_request_info(ticket=open_ticket, body="Which period?", by=agent01)

    services.message_post(ticket=open_ticket, author=alice, body="2015 to 2019")

    open_ticket.refresh_from_db()
    assert open_ticket.status == Status.OPEN
    resumed = open_ticket.events.get(kind=EventKind.RESUMED)
    assert (resumed.actor, resumed.from_status, resumed.to_status) == (alice, Status.WAITING_ON_CUSTOMER, Status.OPEN)


def test_a_customer_reply_on_a_resolved_ticket_reopens_it(open_ticket, alice, agent01):
    services.ticket_resolve(ticket=open_ticket, resolution="Issued", by=agent01)

    services.message_post(ticket=open_ticket, author=alice, body="The PDF is empty")

    open_ticket.refresh_from_db()
    assert open_ticket.status == Status.OPEN and open_ticket.resolved_at is None


def test_a_closed_ticket_takes_no_more_replies(alice, billing, agent01):
    ticket = TicketFactory(status=Status.CLOSED, customer=alice, team=billing, assignee=agent01)

    with pytest.raises(services.TransitionRefused):
        services.message_post(ticket=ticket, author=alice, body="Hello?")

    assert not ticket.messages.exists()


def test_customers_cannot_write_internal_notes_or_on_other_tickets(open_ticket, alice, bob):
    with pytest.raises(PermissionDenied):
        services.message_post(ticket=open_ticket, author=alice, body="secret", internal=True)
    with pytest.raises(PermissionDenied):
        services.message_post(ticket=open_ticket, author=bob, body="hi")

    assert not open_ticket.messages.exists()


def test_the_first_public_staff_reply_is_the_first_response(open_ticket, agent01):
    services.message_post(ticket=open_ticket, author=agent01, body="Looking into it", internal=True)
    open_ticket.refresh_from_db()
    assert open_ticket.first_responded_at is None

    reply = services.message_post(ticket=open_ticket, author=agent01, body="The large one is in review")

    open_ticket.refresh_from_db()
    assert open_ticket.first_responded_at == reply.created_at


def test_an_internal_note_is_an_internal_event_and_never_reaches_the_customer(open_ticket, alice, agent01, maria, django_capture_on_commit_callbacks, mailoutbox):
    services.ticket_escalate(ticket=open_ticket, reason="Needs review", by=agent01)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(ticket=open_ticket, author=agent01, body="Gateway looks down", internal=True)

    note = open_ticket.events.get(kind=EventKind.NOTE)
    assert note.public is False
    assert [m.to for m in mailoutbox] == [[maria.email]]
    assert not Notification.objects.filter(recipient=alice, body__contains="Gateway").exists()


def test_notifications_are_sent_once_after_commit_even_if_the_task_runs_twice(open_ticket, alice, agent01, django_capture_on_commit_callbacks, mailoutbox):
    from tickets.tasks import notify_ticket_event

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.message_post(ticket=open_ticket, author=agent01, body="Your invoice is in review")
    assert mailoutbox == []  # nothing before commit

    for callback in callbacks:
        callback()
    reply_event = open_ticket.events.get(kind=EventKind.REPLY)
    notify_ticket_event.apply(args=[reply_event.pk])  # a redelivered task

    assert [m.to for m in mailoutbox] == [[alice.email]]
    assert "Your invoice is in review" in mailoutbox[0].body
    assert Notification.objects.filter(recipient=alice, source_key=f"ticket-event:{reply_event.pk}").count() == 1
