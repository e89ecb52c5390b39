import pytest

from tests.factories import InvoiceFactory, TicketFactory
from tickets import services
from tickets.models import Status, Ticket
from tickets.views.customer import TICKET_LIST_PAGE_SIZE


def _page(ticket) -> str:
    return f"/my/tickets/{ticket.pk}/"


def test_a_customer_sees_her_own_tickets_only(alices_ticket, alice, bob, sign_in):
    # given
    bobs_ticket = TicketFactory(customer=bob, subject="Bob's question")
    # when
    html = sign_in(alice).get("/my/tickets/").content.decode()
    # then
    assert alices_ticket.reference in html and "Where is my large invoice" in html
    assert "a Billing specialist" in html  # held by
    assert bobs_ticket.reference not in html


@pytest.mark.parametrize("tickets", [3, 30])
def test_the_list_runs_the_same_number_of_queries_whatever_the_number_of_tickets(
    tickets, alice, billing, sign_in, django_assert_num_queries
):
    # given
    TicketFactory.create_batch(tickets, customer=alice, team=billing)
    client = sign_in(alice)
    # when / then: session, user, page count, page rows, open incidents, unread notifications
    with django_assert_num_queries(6):
        html = client.get("/my/tickets/").content.decode()
    assert html.count('<tr class="is-active">') == min(tickets, TICKET_LIST_PAGE_SIZE)


def test_a_customer_opens_an_invoice_ticket_and_billing_gets_it(alice, agent01, sign_in):
    # given
    invoice = InvoiceFactory(customer=alice)
    client = sign_in(alice)
    # when
    response = client.post(
        "/my/tickets/new/",
        {
            "subject": "Invoice hangs", "description": "Since 9:00.",
            "category": "invoice", "priority": "high", "invoice": invoice.pk,
        },
    )
    # then
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == _page(ticket)
    assert ticket.customer == alice and ticket.invoice == invoice and ticket.priority == "high"
    assert ticket.status == Status.OPEN and ticket.assignee == agent01 and ticket.team.name == "Billing"
    page = client.get(response.url).content.decode()
    assert f"Your ticket {ticket.reference} is open." in page


def test_the_form_offers_only_her_own_invoices(alice, bob, sign_in):
    # given
    hers = InvoiceFactory(customer=alice)
    his = InvoiceFactory(customer=bob)
    client = sign_in(alice)
    # when
    html = client.get("/my/tickets/new/").content.decode()
    response = client.post(
        "/my/tickets/new/",
        {"subject": "Not mine", "description": "x", "category": "invoice", "priority": "normal", "invoice": his.pk},
    )
    # then
    assert f'value="{hers.pk}"' in html and f'value="{his.pk}"' not in html
    assert response.status_code == 400 and "Select a valid choice." in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_form_with_a_missing_field_keeps_what_was_typed(alice, sign_in):
    # when
    response = sign_in(alice).post(
        "/my/tickets/new/", {"subject": "Half a ticket", "description": "", "category": "invoice", "priority": "normal"}
    )
    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="Half a ticket"' in html
    assert html.index("This field is required.") < html.index('name="description"')
    assert not Ticket.objects.exists()


def test_the_customer_never_sees_internal_notes(alices_ticket, alice, agent01, sign_in):
    # given
    services.message_post(ticket=alices_ticket, author=agent01, body="Customer seems confused.", internal=True)
    services.message_post(ticket=alices_ticket, author=agent01, body="We are on it.")
    # when
    html = sign_in(alice).get(_page(alices_ticket)).content.decode()
    # then
    assert "We are on it." in html
    assert "Customer seems confused." not in html
    assert "Internal note" not in html
    assert "Assigned automatically" not in html  # a staff-only event


def test_the_customer_replies_and_her_answer_resumes_a_waiting_ticket(alices_ticket, alice, agent01, sign_in):
    # given
    services.ticket_request_info(ticket=alices_ticket, body="Which tax id?", by=agent01)
    client = sign_in(alice)
    assert "Which tax id?" in client.get(_page(alices_ticket)).content.decode()
    # when
    response = client.post(f"/my/tickets/{alices_ticket.pk}/reply/", {"reply-body": "91310000MA1FL0000X"})
    # then
    assert response.status_code == 302 and response.url == _page(alices_ticket)
    alices_ticket.refresh_from_db()
    assert alices_ticket.status == Status.OPEN
    assert [m.body for m in alices_ticket.messages.all()] == ["Which tax id?", "91310000MA1FL0000X"]


def test_the_customer_reopens_a_resolved_ticket(alices_ticket, alice, agent01, sign_in):
    # given
    services.ticket_resolve(ticket=alices_ticket, resolution="Issued.", by=agent01)
    client = sign_in(alice)
    page = client.get(_page(alices_ticket)).content.decode()
    assert "/transition/reopen/" in page and "/transition/close/" in page
    # when
    response = client.post(f"/my/tickets/{alices_ticket.pk}/transition/reopen/", {"reopen-reason": "The PDF is empty."})
    # then
    assert response.status_code == 302
    alices_ticket.refresh_from_db()
    assert alices_ticket.status == Status.OPEN


def test_the_customer_closes_a_resolved_ticket(alices_ticket, alice, agent01, sign_in):
    # given
    services.ticket_resolve(ticket=alices_ticket, resolution="Issued.", by=agent01)
    # when
    response = sign_in(alice).post(f"/my/tickets/{alices_ticket.pk}/transition/close/")
    # then
    assert response.status_code == 302
    alices_ticket.refresh_from_db()
    assert alices_ticket.status == Status.CLOSED


def test_reopening_an_open_ticket_is_409_with_the_reason_kept(alices_ticket, alice, sign_in):
    # when
    response = sign_in(alice).post(
        f"/my/tickets/{alices_ticket.pk}/transition/reopen/", {"reopen-reason": "Still broken."}
    )
    # then
    assert response.status_code == 409
    html = response.content.decode()
    assert "Cannot reopen the ticket: it is open." in html and ">\nStill broken.</textarea>" in html


def test_an_open_ticket_offers_the_customer_no_transition(alices_ticket, alice, sign_in):
    assert "/transition/" not in sign_in(alice).get(_page(alices_ticket)).content.decode()


def test_staff_transitions_are_not_on_the_customer_side(alices_ticket, alice, sign_in):
    response = sign_in(alice).post(
        f"/my/tickets/{alices_ticket.pk}/transition/resolve/", {"resolve-resolution": "Mine now"}
    )
    assert response.status_code == 404


def test_another_customers_ticket_is_404(alices_ticket, bob, sign_in):
    client = sign_in(bob)
    assert client.get(_page(alices_ticket)).status_code == 404
    assert client.post(f"/my/tickets/{alices_ticket.pk}/reply/", {"reply-body": "Hi"}).status_code == 404
    assert client.post(f"/my/tickets/{alices_ticket.pk}/transition/close/").status_code == 404


def test_staff_visiting_customer_pages_go_to_the_agent_side(alices_ticket, agent01, sign_in):
    client = sign_in(agent01)
    assert client.get("/my/tickets/").url == "/agent/"
    assert client.get("/my/tickets/new/").url == "/agent/"
    assert client.get(_page(alices_ticket)).url == f"/agent/tickets/{alices_ticket.pk}/"
