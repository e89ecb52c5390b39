"""Ticket pages show the linked invoice: its facts, its explanation and its pipeline timeline."""

import pytest

from tests.web.test_invoice_pages import add_gateway_error, request_invoice
from tickets import services as ticket_services


@pytest.fixture
def linked_ticket(alice, agent01):
    invoice = request_invoice(alice, "10300")
    return ticket_services.ticket_create(
        customer=alice, subject="Where is my large invoice", description="Since 9:00.", category="invoice",
        invoice=invoice,
    )


def test_the_agents_ticket_page_shows_the_linked_invoice_and_its_pipeline(linked_ticket, agent01, sign_in):
    # when
    html = sign_in(agent01).get(f"/agent/tickets/{linked_ticket.pk}/").content.decode()
    # then
    invoice = linked_ticket.invoice
    assert "Linked invoice" in html and f'href="/invoices/{invoice.pk}/"' in html
    assert "10,300.00 CNY" in html and "Pending review" in html
    assert "Waiting for manual review because 10,300.00 CNY is above the customer&#x27;s automatic limit of 10,000.00 CNY" in html
    assert "Invoice pipeline" in html and "Sent to review" in html


def test_the_customers_ticket_page_shows_the_linked_invoice(linked_ticket, alice, sign_in):
    html = sign_in(alice).get(f"/my/tickets/{linked_ticket.pk}/").content.decode()
    invoice = linked_ticket.invoice
    assert f'href="/my/invoices/{invoice.pk}/"' in html
    assert "Waiting for manual review because 10,300.00 CNY" in html and "Sent to review" in html


def test_the_agents_ticket_page_with_an_invoice_runs_a_bounded_number_of_queries(
    linked_ticket, agent01, sign_in, django_assert_max_num_queries
):
    # given: a long pipeline history
    invoice = linked_ticket.invoice
    for _ in range(10):
        add_gateway_error(invoice)
    client = sign_in(agent01)
    # when / then
    with django_assert_max_num_queries(9):  # two more than without an invoice: the invoice, its events
        client.get(f"/agent/tickets/{linked_ticket.pk}/")


def test_opening_a_ticket_from_an_invoice_preselects_it(alice, bob, sign_in):
    from tests.factories import InvoiceFactory

    own = InvoiceFactory(customer=alice)
    bobs = InvoiceFactory(customer=bob)
    client = sign_in(alice)

    page = client.get(f"/my/invoices/{own.pk}/").content.decode()
    form = client.get(f"/my/tickets/new/?invoice={own.pk}").content.decode()
    foreign = client.get(f"/my/tickets/new/?invoice={bobs.pk}").content.decode()

    assert f"/my/tickets/new/?invoice={own.pk}" in page
    assert f'<option value="{own.pk}" selected>' in form
    assert f'value="{bobs.pk}"' not in foreign
