"""The managers' escalation queue: who reaches it, what a row says, and the buttons that run the services."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation import monitor
from escalation.models import Escalation, EscalationStatus, Reason
from escalation.services import escalation_acknowledge
from invoices.models import InvoiceStatus
from tests.factories import InvoiceFactory
from tickets import services
from tickets.models import Level, Status

QUEUE = "/manage/escalations/"
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("UTC"))


def open_ticket(customer, *, category="invoice", subject="Where is my large invoice", invoice=None):
    return services.ticket_create(
        customer=customer, subject=subject, description="I asked for it at 9:00.", category=category, invoice=invoice
    )


def escalated(ticket, by, reason="The agent lacks invoice knowledge"):
    services.ticket_escalate(ticket=ticket, reason=reason, by=by)
    return Escalation.objects.get(ticket=ticket, status=EscalationStatus.OPEN)


def action(escalation, name) -> str:
    return f"{QUEUE}{escalation.pk}/{name}/"


# --- who reaches it ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "agent01"])
def test_customers_and_agents_find_no_queue(who, request, sign_in, alices_ticket, agent01):
    # given
    escalation = escalated(alices_ticket, agent01)
    client = sign_in(request.getfixturevalue(who))
    # when / then
    assert client.get(QUEUE).status_code == 404
    assert client.post(action(escalation, "acknowledge")).status_code == 404
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN


@pytest.mark.parametrize("who", ["maria", "hana", "admin_user"])
def test_managers_the_head_and_administrators_open_the_queue(who, request, sign_in, alices_ticket, agent01):
    # given
    escalated(alices_ticket, agent01)
    # when
    response = sign_in(request.getfixturevalue(who)).get(QUEUE)
    # then
    assert response.status_code == 200
    assert alices_ticket.reference in response.content.decode()


def test_the_navigation_offers_escalations_and_incidents_to_managers_only(sign_in, maria, agent01, alice):
    assert 'href="/manage/escalations/"' in sign_in(maria).get("/agent/").content.decode()
    assert 'href="/manage/incidents/"' in sign_in(maria).get("/agent/").content.decode()
    assert 'href="/manage/escalations/"' not in sign_in(agent01).get("/agent/").content.decode()
    assert 'href="/manage/incidents/"' not in sign_in(alice).get("/my/tickets/").content.decode()


def test_a_manager_sees_only_the_escalations_of_the_teams_she_leads(sign_in, alices_ticket, agent01, tomas, technical):
    # given: an invoice ticket of Billing, escalated to maria
    escalation = escalated(alices_ticket, agent01)
    # when
    client = sign_in(tomas)
    # then
    assert alices_ticket.reference not in client.get(QUEUE).content.decode()
    assert client.post(action(escalation, "take_over")).status_code == 404


# --- what a row says -----------------------------------------------------------------------


def test_a_row_shows_the_ticket_the_customer_the_owner_the_notes_and_the_invoice(sign_in, alice, agent01, maria):
    # given: an invoice waiting for review, a ticket about it with three internal notes, escalated by hand
    invoice = InvoiceFactory(
        customer=alice, amount="10300.00", status=InvoiceStatus.PENDING_REVIEW,
        stage_started_at=MONDAY_10, stage_due=MONDAY_10 + timedelta(hours=4),
    )
    ticket = open_ticket(alice, invoice=invoice)
    for body in ("Checked the gateway log.", "Gateway answers 504.", "Asked the invoice team."):
        services.message_post(ticket=ticket, author=agent01, body=body, internal=True)
    services.message_post(ticket=ticket, author=agent01, body="We are on it.")
    escalation = escalated(ticket, agent01, reason="I cannot see why the invoice hangs")
    # when
    html = sign_in(maria).get(QUEUE).content.decode()
    # then
    for fact in (
        ticket.reference, "Where is my large invoice", f'href="/agent/tickets/{ticket.pk}/"', "alice",
        "Manager", "Escalated by hand", "Maria", "Waiting for acknowledgement", "I cannot see why the invoice hangs",
        "none: escalated without a breach",
    ):
        assert fact in html, fact
    assert "Gateway answers 504." in html and "Asked the invoice team." in html
    assert "Checked the gateway log." not in html  # only the latest two notes
    assert "We are on it." not in html  # a public reply is not an internal note
    assert "Waiting for manual review because 10,300.00 CNY is above the customer&#x27;s automatic limit" in html
    assert f'action="{action(escalation, "acknowledge")}"' in html
    assert f'action="{action(escalation, "take_over")}"' in html


def test_an_sla_breach_shows_its_target_when_it_was_due_and_how_late_it_is_now(sign_in, alice, agent01, maria):
    # given: a billing ticket (Default policy, 24x7: first response within 60 minutes), swept at 11:00
    with time_machine.travel(MONDAY_10, tick=False):
        ticket = open_ticket(alice, category="billing", subject="Charged twice")
    with time_machine.travel(MONDAY_10 + timedelta(minutes=60), tick=False):
        monitor.sla_sweep()
    escalation = Escalation.objects.get(ticket=ticket)
    assert escalation.reason == Reason.SLA_BREACH and escalation.owner == maria
    # when: maria opens the queue at 12:05
    with time_machine.travel(MONDAY_10 + timedelta(hours=2, minutes=5), tick=False):
        html = sign_in(maria).get(QUEUE).content.decode()
    # then
    assert "SLA breached" in html
    assert "first response, due at 11/23/2026 11 a.m." in html
    assert "overdue by 1 h 5 min" in html
    # the Default policy gives managers 30 minutes to acknowledge: due 11:30, 35 minutes late at 12:05
    assert "due at 11/23/2026 11:30 a.m." in html and "overdue by 35 min" in html


def test_the_oldest_breach_comes_first(sign_in, alice, agent01, maria):
    # given: a ticket escalated by hand (and acknowledged) at 10:30,
    # and two breaches found at 11:15, due at 10:00 and 11:00
    with time_machine.travel(MONDAY_10 - timedelta(hours=1), tick=False):
        due_at_10 = open_ticket(alice, category="billing", subject="Due at ten")
    with time_machine.travel(MONDAY_10, tick=False):
        due_at_11 = open_ticket(alice, category="billing", subject="Due at eleven")
    with time_machine.travel(MONDAY_10 + timedelta(minutes=30), tick=False):
        by_hand = open_ticket(alice, category="billing", subject="Escalated by hand at half past ten")
        escalation_acknowledge(escalation=escalated(by_hand, agent01), by=maria)
    with time_machine.travel(MONDAY_10 + timedelta(minutes=75), tick=False):
        monitor.sla_sweep()
        # when
        html = sign_in(maria).get(QUEUE).content.decode()
    # then
    assert sorted(Escalation.objects.exclude(status=EscalationStatus.RESOLVED).values_list("reason", flat=True)) == [
        Reason.MANUAL, Reason.SLA_BREACH, Reason.SLA_BREACH
    ]
    positions = [html.index(f"{ticket.reference}</span>") for ticket in (due_at_10, by_hand, due_at_11)]
    assert positions == sorted(positions)


def test_resolved_escalations_leave_the_queue(sign_in, alices_ticket, agent01, maria):
    # given
    escalated(alices_ticket, agent01)
    services.ticket_resolve(ticket=alices_ticket, resolution="Issued.", by=maria)
    # when
    html = sign_in(maria).get(QUEUE).content.decode()
    # then
    assert alices_ticket.reference not in html
    assert "No open escalation." in html


# --- the buttons -----------------------------------------------------------------------------


def test_the_owner_acknowledges_from_the_queue(sign_in, alices_ticket, agent01, maria):
    # given
    escalation = escalated(alices_ticket, agent01)
    client = sign_in(maria)
    assert "Acknowledge" in client.get(QUEUE).content.decode()
    # when
    response = client.post(action(escalation, "acknowledge"), {"acknowledge-next": f"{QUEUE}?page=1"})
    # then
    assert response.status_code == 302 and response.url == f"{QUEUE}?page=1"
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED and escalation.acknowledged_by == maria
    page = client.get(response.url).content.decode()
    assert f"You acknowledged the escalation of {alices_ticket.reference}." in page
    assert "Acknowledged" in page


def test_a_second_acknowledgement_is_refused_on_the_page_not_with_a_server_error(
    sign_in, alices_ticket, agent01, maria
):
    # given: acknowledged in another tab
    escalation = escalated(alices_ticket, agent01)
    client = sign_in(maria)
    client.post(action(escalation, "acknowledge"))
    # when
    response = client.post(action(escalation, "acknowledge"))
    # then
    html = response.content.decode()
    assert response.status_code == 409
    assert f"Nothing was changed on {alices_ticket.reference}:" in html
    assert "Cannot acknowledge this escalation: it is acknowledged." in html
    assert 'role="alert"' in html


def test_someone_else_s_escalation_is_refused_with_a_403_on_the_page(sign_in, alices_ticket, agent01, maria, hana):
    # given: maria sent her team's ticket on to the head of support, who owns it now
    escalated(alices_ticket, agent01)
    services.ticket_escalate(ticket=alices_ticket, reason="Needs a decision on the gateway contract", by=maria)
    escalation = Escalation.objects.get(ticket=alices_ticket, status=EscalationStatus.OPEN)
    assert escalation.owner == hana and escalation.level == Level.HEAD
    # when: maria tries to acknowledge it anyway (a stale page)
    response = sign_in(maria).post(action(escalation, "acknowledge"))
    # then
    assert response.status_code == 403
    assert "Only the owner of the escalation, or the head of support, acknowledges it." in response.content.decode()
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN


def test_the_head_of_support_takes_an_escalation_over(sign_in, alices_ticket, agent01, maria, hana):
    # given
    escalation = escalated(alices_ticket, agent01)
    client = sign_in(hana)
    # when
    response = client.post(action(escalation, "take_over"))
    # then
    assert response.status_code == 302 and response.url == QUEUE
    escalation.refresh_from_db()
    alices_ticket.refresh_from_db()
    assert escalation.owner == hana and escalation.status == EscalationStatus.ACKNOWLEDGED
    assert alices_ticket.escalated_to == hana and alices_ticket.status == Status.ESCALATED
    assert f"You hold {alices_ticket.reference} now." in client.get(QUEUE).content.decode()


def test_taking_over_a_resolved_escalation_is_a_409_with_the_reason(sign_in, alices_ticket, agent01, maria, hana):
    # given: maria resolved the ticket while hana's page was open
    escalation = escalated(alices_ticket, agent01)
    services.ticket_resolve(ticket=alices_ticket, resolution="Issued.", by=maria)
    # when
    response = sign_in(hana).post(action(escalation, "take_over"))
    # then
    assert response.status_code == 409
    assert "Cannot take this escalation over: it is resolved." in response.content.decode()


def test_an_unknown_action_or_a_get_is_not_a_button(sign_in, alices_ticket, agent01, maria):
    escalation = escalated(alices_ticket, agent01)
    client = sign_in(maria)
    assert client.post(action(escalation, "expedite")).status_code == 404
    assert client.get(action(escalation, "acknowledge")).status_code == 405


def test_a_next_address_elsewhere_is_ignored(sign_in, alices_ticket, agent01, maria):
    escalation = escalated(alices_ticket, agent01)
    response = sign_in(maria).post(action(escalation, "acknowledge"), {"acknowledge-next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == QUEUE


# --- resolve and return with guidance, on the ticket page -----------------------------------------


def test_the_manager_who_holds_the_ticket_returns_it_with_guidance_from_its_page(
    sign_in, alices_ticket, agent01, maria
):
    # given
    escalated(alices_ticket, agent01)
    client = sign_in(maria)
    page = client.get(f"/agent/tickets/{alices_ticket.pk}/").content.decode()
    assert 'name="return_to_agent-guidance"' in page and 'name="resolve-resolution"' in page
    # when
    response = client.post(
        f"/agent/tickets/{alices_ticket.pk}/transition/return_to_agent/",
        {"return_to_agent-guidance": "The gateway is down; tell her we re-queue it once it is back."},
    )
    # then
    assert response.status_code == 302
    alices_ticket.refresh_from_db()
    assert alices_ticket.status == Status.OPEN and alices_ticket.level == Level.AGENT
    assert not Escalation.objects.filter(ticket=alices_ticket).exclude(status=EscalationStatus.RESOLVED).exists()
    assert alices_ticket.reference not in client.get(QUEUE).content.decode()


def test_a_manager_who_took_a_ticket_over_resolves_it_from_its_page(sign_in, alices_ticket, agent01, maria, hana):
    # given
    escalation = escalated(alices_ticket, agent01)
    client = sign_in(hana)
    client.post(action(escalation, "take_over"))
    # when
    response = client.post(
        f"/agent/tickets/{alices_ticket.pk}/transition/resolve/",
        {"resolve-resolution": "Your invoice is issued; download it from your invoice page."},
    )
    # then
    assert response.status_code == 302
    alices_ticket.refresh_from_db()
    escalation.refresh_from_db()
    assert alices_ticket.status == Status.RESOLVED and escalation.status == EscalationStatus.RESOLVED


# --- a bounded number of queries ----------------------------------------------------------------------


def _escalate_invoice_tickets(count, *, customer, agent, reviewer):
    for number in range(count):
        rejected = number % 2
        invoice = InvoiceFactory(
            customer=customer,
            status=InvoiceStatus.REJECTED if rejected else InvoiceStatus.PENDING_REVIEW,
            reviewed_by=reviewer if rejected else None,
            rejection_reason="Wrong header" if rejected else "",
            stage_started_at=MONDAY_10, stage_due=MONDAY_10 + timedelta(hours=4),
        )
        ticket = open_ticket(customer, subject=f"Invoice question {number}", invoice=invoice)
        for note in range(3):
            services.message_post(ticket=ticket, author=agent, body=f"Note {note}", internal=True)
        escalated(ticket, agent)


def _queries_of_the_queue(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(QUEUE)
    assert response.status_code == 200
    return len(captured)


def test_the_queue_runs_the_same_number_of_queries_for_2_or_10_escalations(sign_in, alice, agent01, maria):
    # given
    client = sign_in(maria)
    _escalate_invoice_tickets(2, customer=alice, agent=agent01, reviewer=maria)
    with_two = _queries_of_the_queue(client)
    # when
    _escalate_invoice_tickets(8, customer=alice, agent=agent01, reviewer=maria)
    with_ten = _queries_of_the_queue(client)
    # then
    assert with_two == with_ten
    assert client.get(QUEUE).content.decode().count('class="escalation-queue-item') == 10
