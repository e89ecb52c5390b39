"""The SLA clock on each ticket: due times set at creation, met by staff, paused while waiting on the customer."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tickets import services
from tickets.models import Ticket

UTC = ZoneInfo("UTC")
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10_UTC = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def open_ticket(customer, category="technical"):
    return services.ticket_create(customer=customer, subject="Help", description="x", category=category)


def test_a_new_ticket_gets_due_times_from_its_policy(alice, tech01):
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        ticket = open_ticket(alice)  # "Default" policy: 24x7, first response 60 min, resolution 1440 min

    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.first_response_due == MONDAY_10_UTC + timedelta(minutes=60)
    assert stored.resolution_due == MONDAY_10_UTC + timedelta(days=1)
    assert stored.next_update_due is None


def test_invoice_tickets_count_business_hours_in_shanghai(alice, agent01):
    friday_5_50pm = datetime(2026, 11, 20, 17, 50, tzinfo=SHANGHAI)
    with time_machine.travel(friday_5_50pm, tick=False):
        ticket = open_ticket(alice, category="invoice")  # "Invoices" policy: first response 30 business minutes

    assert Ticket.objects.get(pk=ticket.pk).first_response_due == datetime(2026, 11, 23, 9, 20, tzinfo=SHANGHAI)


def test_the_first_public_reply_meets_the_first_response_and_starts_the_next_update_clock(alice, tech01):
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        ticket = open_ticket(alice)
    with time_machine.travel(MONDAY_10_UTC + timedelta(minutes=20), tick=False):
        services.message_post(ticket=ticket, author=tech01, body="Checking", internal=True)
        assert Ticket.objects.get(pk=ticket.pk).first_response_due is not None  # a note is not an answer
        services.message_post(ticket=ticket, author=tech01, body="We are on it")

    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.first_response_due is None
    assert stored.next_update_due == MONDAY_10_UTC + timedelta(minutes=20 + 240)


def test_waiting_on_the_customer_stops_the_clock_and_her_answer_restarts_it(alice, tech01):
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        ticket = open_ticket(alice)
    with time_machine.travel(MONDAY_10_UTC + timedelta(minutes=30), tick=False):
        services.ticket_request_info(ticket=ticket, body="Which account?", by=tech01)
    paused = Ticket.objects.get(pk=ticket.pk)
    assert paused.sla_paused_at == MONDAY_10_UTC + timedelta(minutes=30)
    assert paused.breached_targets(MONDAY_10_UTC + timedelta(days=3)) == []  # nothing breaches while paused

    with time_machine.travel(MONDAY_10_UTC + timedelta(hours=3, minutes=30), tick=False):
        services.message_post(ticket=ticket, author=alice, body="Account 42")

    resumed = Ticket.objects.get(pk=ticket.pk)
    assert resumed.sla_paused_at is None
    assert resumed.resolution_due == MONDAY_10_UTC + timedelta(days=1, hours=3)  # moved by the 3 h she took
    assert resumed.next_update_due == MONDAY_10_UTC + timedelta(minutes=30 + 240, hours=3)


def test_resolving_stops_every_target_and_reopening_restarts_resolution(alice, tech01):
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        ticket = open_ticket(alice)
        services.ticket_resolve(ticket=ticket, resolution="Fixed", by=tech01)
    resolved = Ticket.objects.get(pk=ticket.pk)
    assert (resolved.first_response_due, resolved.next_update_due, resolved.resolution_due) == (None, None, None)

    reopened_at = MONDAY_10_UTC + timedelta(hours=2)
    with time_machine.travel(reopened_at, tick=False):
        services.ticket_reopen(ticket=ticket, by=alice)

    assert Ticket.objects.get(pk=ticket.pk).resolution_due == reopened_at + timedelta(days=1)


def test_the_api_shows_the_clock_and_what_is_breached(api, alice, tech01):
    with time_machine.travel(MONDAY_10_UTC, tick=False):
        ticket = open_ticket(alice)

    with time_machine.travel(MONDAY_10_UTC + timedelta(minutes=61), tick=False):
        sla = api.as_user(alice).get(f"/api/v1/tickets/{ticket.pk}/").json()["sla"]

    assert sla == {
        "first_response_due": "2026-11-23T11:00:00Z",
        "next_update_due": None,
        "resolution_due": "2026-11-24T10:00:00Z",
        "paused": False,
        "breached": ["first_response"],
    }


@pytest.mark.parametrize("category", ["invoice", "technical"])
def test_without_a_matching_policy_there_is_no_clock(category, alice, agent01, tech01):
    from escalation.models import SlaPolicy

    SlaPolicy.objects.update(is_active=False)

    ticket = open_ticket(alice, category=category)

    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.first_response_due, stored.resolution_due) == (None, None)
