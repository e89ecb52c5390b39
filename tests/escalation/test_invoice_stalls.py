"""An invoice that misses its stage target becomes a ticket with a manager who knows invoices, at once."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from escalation.models import Calendar, Escalation, Reason, SlaPolicy, Target
from invoices import services as invoices
from invoices.models import InvoiceStatus
from supportdesk.models import Notification
from tests.escalation.conftest import MONDAY_10
from tests.factories import ManagerFactory
from tickets import services as tickets
from tickets.models import Category, EventKind, Level, Status, Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def review_within_minutes(db):
    """The "Invoices" policy, counted 24x7: review within 30 minutes, issuance within 10."""
    SlaPolicy.objects.filter(name="Invoices").update(
        calendar=Calendar.objects.get(name="24x7"), invoice_review_minutes=30, invoice_issue_minutes=10
    )


def request(customer, amount):
    return invoices.invoice_request(
        customer=customer, amount=Decimal(amount), period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
        title="Lumen Analytics Co., Ltd.",
    )


def test_review_targets_come_from_the_invoice_policy_and_its_business_hours(alice, maria, django_capture_on_commit_callbacks):
    friday_5pm = datetime(2026, 11, 20, 17, 0, tzinfo=SHANGHAI)
    with time_machine.travel(friday_5pm, tick=False), django_capture_on_commit_callbacks(execute=True):
        invoice = request(alice, "10300.00")  # "Invoices": review within 240 business minutes, Shanghai

    assert invoice.status == InvoiceStatus.PENDING_REVIEW
    assert invoice.stage_due == datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)  # 1 h on Friday, 3 h on Monday


def test_a_stalled_review_opens_a_ticket_escalated_to_an_invoice_manager(alice, agent01, maria, tomas, review_within_minutes, at):
    invoice = at(0, request, alice, "10300.00")

    assert at(29, invoices.invoices_detect_stalls) == 0
    assert at(31, invoices.invoices_detect_stalls) == 1
    assert at(32, invoices.invoices_detect_stalls) == 0

    ticket = Ticket.objects.get(invoice=invoice)
    assert (ticket.customer, ticket.category, ticket.status, ticket.level, ticket.escalated_to) == (
        alice, Category.INVOICE, Status.ESCALATED, Level.MANAGER, maria
    )
    created = ticket.events.get(kind=EventKind.CREATED)
    assert created.actor is None  # the system opened it for her, and says so
    told = Notification.objects.get(recipient=alice, source_key=f"ticket-event:{created.pk}")
    assert told.body.startswith(f"We opened ticket {ticket.reference} for you: Your invoice request")
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.reason, escalation.target, escalation.due_at, escalation.owner) == (
        Reason.INVOICE_STALL, Target.INVOICE_REVIEW, MONDAY_10 + timedelta(minutes=30), maria
    )
    assert "10,300.00 CNY is above the customer's automatic limit" in escalation.note
    notice = ticket.events.get(kind=EventKind.NOTICE)
    assert notice.public
    assert "Your invoice is taking longer than it should, so a Billing manager is looking into it now." in notice.detail


def test_a_customer_ticket_about_the_invoice_is_used_rather_than_a_new_one(alice, agent01, maria, review_within_minutes, at):
    invoice = at(0, request, alice, "10300.00")
    hers = at(5, tickets.ticket_create, customer=alice, subject="Where is my invoice?", description="?", category="invoice", invoice=invoice)
    at(6, tickets.ticket_request_info, ticket=hers, body="Which tax id?", by=agent01)

    at(31, invoices.invoices_detect_stalls)

    assert Ticket.objects.filter(invoice=invoice).count() == 1
    hers.refresh_from_db()
    assert (hers.status, hers.escalated_to) == (Status.ESCALATED, maria)  # no longer waiting on her: it is ours
    assert list(hers.events.filter(kind__in=[EventKind.RESUMED, EventKind.ESCALATED]).values_list("kind", flat=True)) == [
        EventKind.RESUMED, EventKind.ESCALATED
    ]


def test_a_stall_on_a_ticket_already_with_a_manager_is_recorded_not_escalated_again(alice, agent01, maria, review_within_minutes, at):
    invoice = at(0, request, alice, "10300.00")
    hers = at(5, tickets.ticket_create, customer=alice, subject="Where is it?", description="?", category="invoice", invoice=invoice)
    at(6, tickets.ticket_escalate, ticket=hers, reason="Large amount", by=agent01)

    at(31, invoices.invoices_detect_stalls)

    assert Escalation.objects.filter(ticket=hers).count() == 1
    assert hers.events.filter(kind=EventKind.SLA_BREACHED).count() == 1


def test_if_handling_the_stall_fails_the_flag_rolls_back_and_the_next_pass_retries(alice, bob, agent01, maria, review_within_minutes, at, monkeypatch):
    invoice, others = at(0, request, alice, "10300.00"), at(0, request, bob, "10300.00")
    real_create = tickets.ticket_create

    def fails_for_alice(**kwargs):
        if kwargs["customer"] == alice:
            raise RuntimeError("database hiccup")
        return real_create(**kwargs)

    monkeypatch.setattr(tickets, "ticket_create", fails_for_alice)
    assert at(31, invoices.invoices_detect_stalls) == 1  # bob's stall is not held up by alice's
    invoice.refresh_from_db()
    assert not invoice.stalled and not Ticket.objects.filter(invoice=invoice).exists()
    assert Ticket.objects.filter(invoice=others).exists()

    monkeypatch.setattr(tickets, "ticket_create", real_create)
    assert at(32, invoices.invoices_detect_stalls) == 1
    assert Ticket.objects.get(invoice=invoice).escalated_to == maria


def test_an_invoice_ticket_goes_to_the_least_loaded_invoice_expert(alice, agent01, maria, review_within_minutes, at):
    li = ManagerFactory(username="li", expertise=["invoice"])
    first, second = at(0, request, alice, "10300.00"), at(0, request, alice, "10400.00")

    at(31, invoices.invoices_detect_stalls)

    owners = {Ticket.objects.get(invoice=invoice).escalated_to for invoice in (first, second)}
    assert owners == {maria, li}
