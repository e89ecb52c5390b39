from tickets import services
from tickets.models import Status


def test_a_new_invoice_ticket_goes_to_the_least_loaded_billing_agent(alice, agent01, agent02, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.ticket_create(customer=alice, subject="Invoice", description="x", category="invoice")
        second = services.ticket_create(customer=alice, subject="Invoice 2", description="y", category="invoice")
    assert first.status == Status.OPEN and first.assignee == agent01
    assert second.assignee == agent02
    assert len(mailoutbox) == 4
