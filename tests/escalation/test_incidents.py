"""Incidents: many stalls at once are one problem, opened automatically, fixed once, told to everyone."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from escalation import incidents
from escalation.models import Calendar, Incident, IncidentStatus, SlaPolicy
from invoices import services as invoices
from invoices.models import InvoiceStatus
from supportdesk.fsm import TransitionRefused
from supportdesk.models import Notification
from tests.escalation.conftest import MONDAY_10
from tests.factories import CustomerFactory
from tickets import services as tickets
from tickets.models import EventKind, Status, Ticket


@pytest.fixture(autouse=True)
def issuance_within_ten_minutes(db, settings):
    SlaPolicy.objects.filter(name="Invoices").update(
        calendar=Calendar.objects.get(name="24x7"), invoice_review_minutes=30, invoice_issue_minutes=10
    )
    settings.INCIDENT_STALL_THRESHOLD = 5
    settings.INCIDENT_STALL_WINDOW_MINUTES = 10


@pytest.fixture
def gateway_down(monkeypatch):
    """Queued invoices stay queued: nothing issues them (as when the tax gateway hangs)."""
    from invoices import tasks

    sent = []
    monkeypatch.setattr(tasks.issue_invoice, "delay", lambda invoice_id: sent.append(invoice_id))
    return sent


def small_invoices(at, count, minute=0):
    customers = [CustomerFactory() for _ in range(count)]
    return [
        at(minute, invoices.invoice_request, customer=c, amount=Decimal("300.00"), period_start=date(2025, 1, 1),
           period_end=date(2025, 12, 31), title="Acme")
        for c in customers
    ]


def test_four_stalls_are_four_tickets_and_the_fifth_opens_an_incident(agent01, maria, hana, gateway_down, at):
    stuck = small_invoices(at, 4) + small_invoices(at, 1, minute=3)

    at(11, invoices.invoices_detect_stalls)  # the first four are 11 minutes old
    assert not Incident.objects.exists()
    at(14, invoices.invoices_detect_stalls)  # the fifth within ten minutes of the others

    incident = Incident.objects.get()
    assert (incident.status, incident.automatic, incident.started_at) == (IncidentStatus.OPEN, True, MONDAY_10 + timedelta(minutes=14))
    assert incident.eta == incident.started_at + timedelta(minutes=60)
    assert set(incident.tickets.values_list("invoice", flat=True)) == {invoice.pk for invoice in stuck}
    alerted = set(Notification.objects.filter(source_key=f"incident:{incident.pk}:opened").values_list("recipient__username", flat=True))
    assert alerted == {"maria", "hana"}


def test_stalls_spread_wider_than_the_window_open_no_incident(agent01, maria, gateway_down, at):
    for minute in (0, 4, 8, 12, 16):
        small_invoices(at, 1, minute=minute)
        at(minute + 11, invoices.invoices_detect_stalls)

    assert Ticket.objects.count() == 5
    assert not Incident.objects.exists()


def test_later_stalls_and_new_invoice_tickets_join_the_open_incident(agent01, maria, alice, gateway_down, at):
    small_invoices(at, 5)
    at(11, invoices.invoices_detect_stalls)
    incident = Incident.objects.get()

    late = small_invoices(at, 1, minute=5)[0]
    at(16, invoices.invoices_detect_stalls)
    asking = at(17, tickets.ticket_create, customer=alice, subject="Invoice?", description="Is it late?", category="invoice")
    unrelated = at(17, tickets.ticket_create, customer=alice, subject="Password", description="Reset", category="account")

    assert Incident.objects.count() == 1
    assert Ticket.objects.get(invoice=late).incident == incident
    assert Ticket.objects.get(pk=asking.pk).incident == incident
    assert Ticket.objects.get(pk=unrelated.pk).incident is None


def test_resolving_requeues_the_invoices_tells_every_customer_and_hands_tickets_back(agent01, maria, gateway_down, at):
    stuck = small_invoices(at, 5)
    at(11, invoices.invoices_detect_stalls)
    incident = Incident.objects.get()
    gateway_down.clear()

    at(40, incidents.incident_resolve, incident=incident, by=maria, public_message="The tax gateway is back; invoices are going out.")

    incident.refresh_from_db()
    assert (incident.status, incident.resolved_at, incident.resolved_by) == (IncidentStatus.RESOLVED, MONDAY_10 + timedelta(minutes=40), maria)
    assert sorted(gateway_down) == sorted(invoice.pk for invoice in stuck)  # every stalled invoice dispatched again
    for invoice in stuck:
        invoice.refresh_from_db()
        assert (invoice.status, invoice.stalled, invoice.stage_due) == (InvoiceStatus.QUEUED, False, MONDAY_10 + timedelta(minutes=50))
        ticket = Ticket.objects.get(invoice=invoice)
        assert (ticket.status, ticket.level) == (Status.OPEN, 1)  # back with the agent, who confirms once issued
        notice = ticket.events.filter(kind=EventKind.NOTICE).last()
        assert notice.detail == "The tax gateway is back; invoices are going out."
        assert Notification.objects.filter(recipient=ticket.customer, source_key=f"ticket-event:{notice.pk}").exists()
    assert Notification.objects.filter(source_key=f"incident:{incident.pk}:resolved", recipient=maria).exists()


def test_tickets_whose_invoice_was_issued_meanwhile_are_resolved(agent01, maria, gateway_down, at):
    small_invoices(at, 5)
    at(11, invoices.invoices_detect_stalls)
    incident = Incident.objects.get()
    issued = incident.tickets.first().invoice
    from invoices.services import invoice_issue

    at(20, invoice_issue, invoice_id=issued.pk)

    at(30, incidents.incident_resolve, incident=incident, by=maria)

    assert Ticket.objects.get(invoice=issued).status == Status.RESOLVED
    assert incident.tickets.filter(status=Status.OPEN).count() == 4


def test_a_resolved_incident_cannot_be_resolved_again(maria, at):
    incident = at(0, incidents.incident_declare, by=maria, title="Email delays", public_message="Emails are slow.")
    at(5, incidents.incident_resolve, incident=incident, by=maria)

    with pytest.raises(TransitionRefused):
        at(6, incidents.incident_resolve, incident=incident, by=maria)


def test_managers_declare_incidents_and_others_may_not(maria, agent01, alice, at):
    incident = at(0, incidents.incident_declare, by=maria, title="Portal slow", public_message="Pages load slowly.",
                  eta=MONDAY_10 + timedelta(hours=2))
    assert (incident.automatic, incident.declared_by, incident.status) == (False, maria, IncidentStatus.OPEN)

    for outsider in (agent01, alice):
        with pytest.raises(PermissionDenied):
            incidents.incident_declare(by=outsider, title="x", public_message="y")
    with pytest.raises(ValidationError) as error:
        incidents.incident_declare(by=maria, title=" ", public_message="")
    assert set(error.value.message_dict) == {"title", "public_message"}


def test_the_public_message_and_eta_can_be_updated_while_open(maria, at):
    incident = at(0, incidents.incident_declare, by=maria, title="Portal slow", public_message="Pages load slowly.")

    at(10, incidents.incident_update, incident=incident, by=maria, public_message="Fixed by 12:00.", eta=MONDAY_10 + timedelta(hours=2))

    incident.refresh_from_db()
    assert (incident.public_message, incident.eta) == ("Fixed by 12:00.", MONDAY_10 + timedelta(hours=2))
