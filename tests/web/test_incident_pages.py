"""Incident pages: declare, follow, update and resolve an incident; managers, the head and administrators only."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escalation import incidents
from escalation.models import Incident, IncidentStatus
from invoices.models import InvoiceStatus
from tests.factories import CustomerFactory, InvoiceFactory
from tickets import services
from tickets.models import EventKind

LIST = "/manage/incidents/"


def page(incident) -> str:
    return f"{LIST}{incident.pk}/"


def in_an_hour() -> str:
    return (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def incident(maria):
    return incidents.incident_declare(
        by=maria, title="Invoice issuance is delayed", public_message="Invoices are late; none is lost.",
        eta=timezone.now() + timedelta(hours=2),
    )


def linked_ticket(incident, *, customer=None, subject="Where is my invoice", invoice=None):
    customer = customer or CustomerFactory()
    ticket = services.ticket_create(
        customer=customer, subject=subject, description="Waiting since 9:00", category="invoice", invoice=invoice
    )
    services.ticket_link_incident(ticket=ticket, incident=incident)
    return ticket


# --- who reaches them -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "agent01"])
def test_customers_and_agents_find_no_incident_pages(who, request, sign_in, incident):
    client = sign_in(request.getfixturevalue(who))
    assert client.get(LIST).status_code == 404
    assert client.get(page(incident)).status_code == 404
    assert client.post(LIST, {"declare-title": "Fake", "declare-public_message": "Fake"}).status_code == 404
    assert client.post(f"{page(incident)}update/", {"update-public_message": "Hacked"}).status_code == 404
    assert client.post(f"{page(incident)}resolve/", {}).status_code == 404
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN and incident.public_message == "Invoices are late; none is lost."
    assert Incident.objects.count() == 1


@pytest.mark.parametrize("who", ["maria", "tomas", "hana", "admin_user"])
def test_managers_the_head_and_administrators_open_them(who, request, sign_in, incident):
    client = sign_in(request.getfixturevalue(who))
    assert client.get(LIST).status_code == 200
    assert client.get(page(incident)).status_code == 200


def test_an_unknown_incident_is_a_404(sign_in, maria):
    assert sign_in(maria).get(f"{LIST}999/").status_code == 404


# --- declaring -------------------------------------------------------------------------------


def test_a_manager_declares_an_incident_and_every_page_shows_its_banner(sign_in, maria, alice):
    # given
    client = sign_in(maria)
    form = client.get(LIST).content.decode()
    for field in ("declare-title", "declare-public_message", "declare-eta"):
        assert f'name="{field}"' in form and f'for="id_{field}"' in form  # every field has its label
    # when
    response = client.post(LIST, {
        "declare-title": "E-invoice gateway down",
        "declare-public_message": "The tax authority's gateway is down; your invoices wait safely in line.",
        "declare-eta": in_an_hour(),
    })
    # then
    incident = Incident.objects.get()
    assert response.status_code == 302 and response.url == page(incident)
    assert incident.declared_by == maria and incident.status == IncidentStatus.OPEN and incident.eta is not None
    detail = client.get(response.url).content.decode()
    assert "The incident is declared" in detail and "E-invoice gateway down" in detail
    assert "The tax authority&#x27;s gateway is down" in sign_in(alice).get("/my/tickets/").content.decode()


def test_a_declaration_without_a_title_shows_the_error_and_keeps_the_message(sign_in, maria):
    # when
    response = sign_in(maria).post(LIST, {"declare-title": "  ", "declare-public_message": "Invoices are late."})
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in html and "Invoices are late." in html
    assert not Incident.objects.exists()


def test_an_eta_in_the_past_is_refused(sign_in, maria):
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = sign_in(maria).post(
        LIST, {"declare-title": "Gateway down", "declare-public_message": "Late.", "declare-eta": past}
    )
    assert response.status_code == 400
    assert "The expected fix must be in the future." in response.content.decode()
    assert not Incident.objects.exists()


def test_the_list_shows_open_incidents_first_with_their_linked_tickets(sign_in, maria, hana):
    # given: an old open incident, a newer resolved one
    old_open = incidents.incident_declare(by=maria, title="Old but still open", public_message="Still on it.")
    Incident.objects.filter(pk=old_open.pk).update(started_at=timezone.now() - timedelta(days=2))
    newer = incidents.incident_declare(by=hana, title="Newer and fixed", public_message="Fixed soon.")
    incidents.incident_resolve(incident=newer, by=hana)
    linked_ticket(old_open)
    linked_ticket(old_open)
    # when
    html = sign_in(maria).get(LIST).content.decode()
    # then
    assert html.index("Old but still open") < html.index("Newer and fixed")
    row = html[html.index("Old but still open"):html.index("Newer and fixed")]
    assert "<td>2</td>" in row and "Maria" in row


# --- the incident's page --------------------------------------------------------------------------


def test_the_page_shows_the_facts_and_the_linked_tickets(sign_in, maria, incident, alice):
    # given
    invoice = InvoiceFactory(customer=alice, status=InvoiceStatus.QUEUED)
    ticket = linked_ticket(incident, customer=alice, invoice=invoice)
    # when
    html = sign_in(maria).get(page(incident)).content.decode()
    # then
    for fact in (
        "Invoice issuance is delayed", "Open", "Maria", "Invoices are late; none is lost.",
        ticket.reference, "alice", invoice.reference, "Queued", f'href="/agent/tickets/{ticket.pk}/"',
    ):
        assert fact in html, fact
    assert 'name="update-public_message"' in html and 'name="resolve-public_message"' in html


def test_a_manager_updates_the_message_and_the_eta(sign_in, maria, incident, alice):
    # given
    client = sign_in(maria)
    # when
    response = client.post(f"{page(incident)}update/", {
        "update-public_message": "The gateway is back; late invoices go out within the hour.",
        "update-eta": in_an_hour(),
    })
    # then
    assert response.status_code == 302 and response.url == page(incident)
    incident.refresh_from_db()
    assert incident.public_message == "The gateway is back; late invoices go out within the hour."
    assert "late invoices go out within the hour" in sign_in(alice).get("/my/tickets/").content.decode()


def test_an_update_without_a_message_keeps_the_old_one_and_says_why(sign_in, maria, incident):
    response = sign_in(maria).post(f"{page(incident)}update/", {"update-public_message": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    incident.refresh_from_db()
    assert incident.public_message == "Invoices are late; none is lost."


def test_resolving_tells_every_linked_customer_and_ends_the_banner(sign_in, maria, incident, alice):
    # given
    ticket = linked_ticket(incident, customer=alice)
    client = sign_in(maria)
    # when
    response = client.post(f"{page(incident)}resolve/", {"resolve-public_message": "Fixed: the gateway is back."})
    # then
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED and incident.resolved_by == maria
    assert ticket.events.filter(kind=EventKind.NOTICE, public=True, detail="Fixed: the gateway is back.").exists()
    detail = client.get(page(incident)).content.decode()
    assert "Fixed: the gateway is back." in detail
    assert 'name="update-public_message"' not in detail and 'name="resolve-public_message"' not in detail


def test_resolving_twice_is_a_409_on_the_page(sign_in, maria, hana, incident):
    # given: hana resolved it while maria's page was open
    incidents.incident_resolve(incident=incident, by=hana)
    # when
    response = sign_in(maria).post(f"{page(incident)}resolve/", {"resolve-public_message": "Fixed."})
    # then
    assert response.status_code == 409
    assert "Cannot resolve this incident: it is resolved." in response.content.decode()


def test_updating_a_resolved_incident_is_a_409_on_the_page(sign_in, maria, incident):
    incidents.incident_resolve(incident=incident, by=maria)
    response = sign_in(maria).post(f"{page(incident)}update/", {"update-public_message": "Still late."})
    assert response.status_code == 409
    html = response.content.decode()
    assert "This incident is resolved; declare a new one." in html
    assert "Still late." in html  # what she typed stays on the page


# --- a bounded number of queries -------------------------------------------------------------------


def _linked_ticket_maybe_with_invoice(incident, number):
    customer = CustomerFactory()
    invoice = InvoiceFactory(customer=customer) if number % 2 else None
    return linked_ticket(incident, customer=customer, invoice=invoice, subject=f"Ticket {number}")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_pages_run_the_same_number_of_queries_for_2_or_10_linked_tickets(sign_in, maria, incident):
    # given
    client = sign_in(maria)
    for number in range(2):
        _linked_ticket_maybe_with_invoice(incident, number)
    detail_with_two, list_with_two = _queries(client, page(incident)), _queries(client, LIST)
    # when
    for number in range(8):
        _linked_ticket_maybe_with_invoice(incident, number)
        incidents.incident_declare(by=maria, title=f"Another {number}", public_message="Late.")
    # then
    assert _queries(client, page(incident)) == detail_with_two
    assert _queries(client, LIST) == list_with_two
