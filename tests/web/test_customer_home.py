"""The customer's home: her open tickets and her invoice requests in progress, live; and tickets about an invoice."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from invoices.models import Invoice, InvoiceStatus
from tests.factories import PASSWORD, InvoiceFactory, TicketFactory
from tickets import services
from tickets.models import Status, Ticket

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("UTC"))


def home(client) -> str:
    response = client.get("/my/")
    assert response.status_code == 200
    return response.content.decode()


def test_customers_start_on_their_home_and_staff_are_sent_to_their_queue(alice, agent01, sign_in):
    # given
    client = Client()
    # when
    logged_in = client.post("/login/", {"username": "alice", "password": PASSWORD}, follow=True)
    # then
    assert logged_in.redirect_chain[-1][0] == "/my/"
    assert sign_in(agent01).get("/my/").url == "/agent/"
    assert Client().get("/my/").url.startswith("/login/?next=/my/")


def test_her_home_lists_her_open_tickets_with_who_holds_them_and_when_she_hears_from_us(
    alice, bob, agent01, sign_in
):
    # given: an open ticket of hers, answered at once by Billing at 9:00, a resolved one, and one of Bob's
    with time_machine.travel(NOW, tick=False):
        open_ticket = services.ticket_create(
            customer=alice, subject="Where is my large invoice", description="Since 9:00.", category="invoice"
        )
    resolved = TicketFactory(customer=alice, status=Status.RESOLVED, subject="Old question")
    bobs = TicketFactory(customer=bob, subject="Bob's question")
    # when
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        html = home(sign_in(alice))
    # then
    assert f'href="/my/tickets/{open_ticket.pk}/"' in html and "Where is my large invoice" in html
    assert "a Billing specialist" in html and ">Open</span>" in html
    shown = re.search(r'Next update due</dt>\s*<dd>\s*<time datetime="([^"]+)">', html)
    assert datetime.fromisoformat(shown.group(1)) == open_ticket.first_response_due  # in her time zone
    assert "overdue" not in html
    assert resolved.subject not in html and bobs.subject not in html
    assert 'href="/my/invoices/new/"' in html and "Request an e-invoice" in html
    assert 'href="/my/tickets/new/"' in html and "Open a ticket" in html


def test_an_update_we_owe_her_reads_overdue_and_waiting_on_her_says_so(alice, agent01, sign_in):
    # given
    with time_machine.travel(NOW, tick=False):
        late = services.ticket_create(customer=alice, subject="Late", description="?", category="invoice")
        asked = services.ticket_create(customer=alice, subject="Asked", description="?", category="invoice")
        services.ticket_request_info(ticket=asked, body="Which tax id?", by=agent01)
    # when: hours later, nobody answered the first
    with time_machine.travel(NOW + timedelta(hours=6), tick=False):
        html = home(sign_in(alice))
    # then
    assert "(overdue: we owe you an update)" in html
    assert "you: we are waiting for your answer" in html and "after your answer" in html
    assert late.reference in html and asked.reference in html


def test_her_invoices_in_progress_show_their_explanation_and_refresh_themselves(alice, bob, sign_in):
    # given
    with time_machine.travel(NOW, tick=False):
        large = InvoiceFactory(customer=alice, amount="10300.00", status=InvoiceStatus.PENDING_REVIEW,
                               stage_started_at=NOW, stage_due=NOW + timedelta(hours=4))
        issued = InvoiceFactory(customer=alice, status=InvoiceStatus.ISSUED, invoice_number="E-1", issued_at=NOW)
        bobs = InvoiceFactory(customer=bob, status=InvoiceStatus.QUEUED)
    # when
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        html = home(sign_in(alice))
    # then: the definite explanation, not a guess
    assert f'href="/my/invoices/{large.pk}/"' in html and large.reference in html
    assert "Waiting for manual review because 10,300.00 CNY is above your automatic limit of 10,000.00 CNY." in html
    assert issued.reference not in html and bobs.reference not in html
    assert f'hx-get="/my/invoices-in-progress/?watch={large.pk}"' in html and 'hx-trigger="every 3s"' in html


def test_the_live_part_keeps_a_watched_invoice_that_finished_and_then_stops_polling(alice, bob, sign_in):
    # given: she watches her queued invoice; then it is issued
    invoice = InvoiceFactory(customer=alice, status=InvoiceStatus.QUEUED)
    bobs = InvoiceFactory(customer=bob, status=InvoiceStatus.QUEUED)
    client = sign_in(alice)
    live = client.get(f"/my/invoices-in-progress/?watch={invoice.pk}")
    assert live.status_code == 200 and 'hx-trigger="every 3s"' in live.content.decode()
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.ISSUED, invoice_number="E-42", issued_at=NOW)
    # when: the next poll, also naming Bob's invoice
    html = client.get(f"/my/invoices-in-progress/?watch={invoice.pk},{bobs.pk},x,{'9' * 30}").content.decode()
    # then: hers stays in view, issued, with its download; Bob's is not shown; polling stops
    assert invoice.reference in html and ">Issued</span>" in html and "Download invoice E-42" in html
    assert bobs.reference not in html
    assert "hx-get" not in html and "<html" not in html


def test_with_nothing_in_progress_she_reads_so_and_nothing_polls(alice, sign_in):
    html = home(sign_in(alice))
    assert "You have no open tickets." in html and "No invoice request is in progress." in html
    assert "hx-get" not in html


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        home(client)
    return len(captured)


@pytest.mark.parametrize("count", [2, 50])
def test_the_home_runs_the_same_number_of_queries_for_2_or_50_tickets_and_invoices(
    count, alice, billing, sign_in, django_assert_num_queries
):
    # given
    TicketFactory.create_batch(count, customer=alice, team=billing, status=Status.OPEN)
    InvoiceFactory.create_batch(count, customer=alice, status=InvoiceStatus.PENDING_REVIEW, stage_due=NOW)
    client = sign_in(alice)
    # when / then: session, user, tickets, invoices, open incidents, unread notifications
    with django_assert_num_queries(6):
        html = home(client)
    assert html.count('<li class="home-item">') == min(count, 10) * 2


def test_the_live_part_runs_the_same_number_of_queries_for_2_or_50_invoices(alice, sign_in):
    client = sign_in(alice)
    InvoiceFactory.create_batch(2, customer=alice, status=InvoiceStatus.QUEUED)
    with CaptureQueriesContext(connection) as few:
        client.get("/my/invoices-in-progress/")
    InvoiceFactory.create_batch(48, customer=alice, status=InvoiceStatus.QUEUED)
    with CaptureQueriesContext(connection) as many:
        client.get("/my/invoices-in-progress/")
    assert len(many) == len(few)


# --- a ticket about an invoice ---------------------------------------------------------------


def test_her_invoice_page_offers_to_ask_about_it_and_the_form_preselects_it(alice, sign_in):
    # given
    hers = InvoiceFactory(customer=alice)
    other = InvoiceFactory(customer=alice)
    client = sign_in(alice)
    # when
    invoice_page = client.get(f"/my/invoices/{hers.pk}/").content.decode()
    form = client.get(f"/my/tickets/new/?invoice={hers.pk}").content.decode()
    # then
    assert f'href="/my/tickets/new/?invoice={hers.pk}">Ask about this invoice' in invoice_page
    assert '<label for="id_invoice">Invoice (optional):</label>' in form
    assert f'<option value="{hers.pk}" selected>' in form
    assert f'<option value="{other.pk}">' in form  # her other invoices stay choices
    assert '<option value="invoice" selected>' in form  # the category follows


def test_another_customers_invoice_is_neither_offered_nor_preselected_nor_accepted(alice, bob, agent01, sign_in):
    # given
    his = InvoiceFactory(customer=bob, title="Bob Trading Ltd.")
    client = sign_in(alice)
    # when
    form = client.get(f"/my/tickets/new/?invoice={his.pk}").content.decode()
    posted = client.post(
        "/my/tickets/new/",
        {"subject": "About his", "description": "x", "category": "invoice", "priority": "normal", "invoice": his.pk},
    )
    # then
    assert f'value="{his.pk}"' not in form and his.reference not in form
    choices_start = form.index('<select name="invoice"')
    invoice_choices = form[choices_start:form.index("</select>", choices_start)]
    assert "selected" not in invoice_choices  # "No invoice", the first choice, stays chosen
    assert posted.status_code == 400 and "Select a valid choice." in posted.content.decode()
    assert 'value="About his"' in posted.content.decode()
    assert not Ticket.objects.exists()
    assert client.get(f"/my/tickets/new/?invoice={'9' * 30}").status_code == 200


def test_a_ticket_without_an_invoice_is_fine(alice, agent01, sign_in):
    response = sign_in(alice).post(
        "/my/tickets/new/",
        {"subject": "A question", "description": "x", "category": "invoice", "priority": "normal", "invoice": ""},
    )
    assert response.status_code == 302
    assert Ticket.objects.get().invoice is None
