"""Every state explains itself in definite words built from the invoice's facts."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from invoices import services
from invoices.explanations import duration, explain
from invoices.models import InvoiceStatus
from tests.factories import InvoiceFactory

NINE = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture(autouse=True)
def utc(settings):
    settings.TIME_ZONE = "UTC"


def test_waiting_for_review_says_why_who_and_by_when(alice, request_invoice, settings):
    settings.INVOICE_REVIEW_TARGET_MINUTES = 240
    with time_machine.travel(NINE, tick=False):
        invoice = request_invoice(alice, "10300.00")

    text = explain(invoice, now=NINE + timedelta(hours=2, minutes=10))

    assert text == (
        "Waiting for manual review because 10,300.00 CNY is above your automatic limit of 10,000.00 CNY. "
        "Invoice reviewers must decide by 13:00; it has waited 2 h 10 min."
    )


def test_an_overdue_review_says_how_late_and_who_must_act(alice, request_invoice):
    with time_machine.travel(NINE, tick=False):
        invoice = request_invoice(alice, "10300.00")
    with time_machine.travel(NINE + timedelta(hours=5), tick=False):
        services.invoices_detect_stalls()
    invoice.refresh_from_db()

    assert explain(invoice, now=NINE + timedelta(hours=5)).endswith(
        "The review was due at 13:00 and is 1 h late; it is flagged to the invoice managers, who must decide now."
    )


def test_queued_says_since_when_and_by_when(alice, request_invoice, no_issuance):
    with time_machine.travel(NINE, tick=False):
        invoice = request_invoice(alice, "300.00")

    assert explain(invoice, now=NINE + timedelta(minutes=3)) == (
        "Queued for issuance since 09:00; it does not wait behind invoices in review. "
        "The issuance service must issue it by 09:10; it has waited 3 min."
    )


def test_a_stalled_queue_says_what_is_not_known_and_who_is_finding_out(alice, request_invoice, no_issuance):
    with time_machine.travel(NINE, tick=False):
        invoice = request_invoice(alice, "300.00")
    with time_machine.travel(NINE + timedelta(minutes=11), tick=False):
        services.invoices_detect_stalls()
    invoice.refresh_from_db()

    text = explain(invoice, now=NINE + timedelta(minutes=11))

    assert "past its 09:10 target" in text and "We do not yet know why" in text and "finding out" in text
    assert "maybe" not in text.lower()


def test_issuing_names_the_attempt_and_the_last_gateway_answer(alice):
    invoice = InvoiceFactory(
        customer=alice, status=InvoiceStatus.ISSUING, attempts=2, last_error="503 Service Unavailable",
        stage_started_at=NINE, stage_due=NINE + timedelta(minutes=10),
    )

    assert explain(invoice, now=NINE + timedelta(minutes=4)) == (
        "Being issued at the tax gateway (attempt 2); it must be issued by 09:10. "
        "The gateway's last answer was: 503 Service Unavailable; we retry automatically."
    )


def test_a_stalled_issuance_says_the_gateway_has_not_answered(alice):
    invoice = InvoiceFactory(
        customer=alice, status=InvoiceStatus.ISSUING, attempts=1, stalled=True,
        stage_started_at=NINE, stage_due=NINE + timedelta(minutes=10),
    )

    assert explain(invoice, now=NINE + timedelta(hours=5)) == (
        "The tax gateway has not issued it since 09:00, past its 09:10 target (attempt 1). It has not answered at all. "
        "We do not yet know whether the gateway itself is down; the invoice managers are alerted and finding out."
    )


def test_issued_failed_rejected_and_requested(alice, maria):
    issued = InvoiceFactory(customer=alice, status=InvoiceStatus.ISSUED, invoice_number="EI-2026-0000042", issued_at=NINE)
    failed = InvoiceFactory(customer=alice, status=InvoiceStatus.FAILED, attempts=6, last_error="tax id not registered")
    rejected = InvoiceFactory(
        customer=alice, status=InvoiceStatus.REJECTED, reviewed_by=maria, reviewed_at=NINE, rejection_reason="Split it per year"
    )
    with time_machine.travel(NINE, tick=False):
        requested = InvoiceFactory(customer=alice, status=InvoiceStatus.REQUESTED)

    assert explain(issued, now=NINE) == "Issued at 09:00 with number EI-2026-0000042. You can download it now."
    assert explain(failed, now=NINE) == (
        "Issuance failed after 6 attempts; the gateway's last answer was: tax id not registered. "
        "Nothing was issued. Support must retry it, and it is on their list."
    )
    assert explain(rejected, now=NINE) == (
        "Rejected by Maria at 09:00: Split it per year. Nothing was issued; you can request a corrected invoice."
    )
    assert explain(requested, now=NINE).startswith("Received at 09:00 and being routed")


def test_another_day_shows_the_date_too(alice, request_invoice, settings):
    with time_machine.travel(NINE, tick=False):
        invoice = request_invoice(alice, "10300.00")

    assert "decide by 13:00" in explain(invoice, now=NINE)
    assert "decide by 2026-11-23 13:00" in explain(invoice, now=NINE + timedelta(days=1))


def test_every_state_has_an_explanation(alice):
    for status in InvoiceStatus.values:
        number = "EI-1" if status == InvoiceStatus.ISSUED else None
        invoice = InvoiceFactory(customer=alice, status=status, stage_started_at=NINE, stage_due=NINE, invoice_number=number)
        assert explain(invoice, now=NINE)


@pytest.mark.parametrize(("minutes", "words"), [(0, "0 min"), (59, "59 min"), (60, "1 h"), (130, "2 h 10 min")])
def test_durations_read_naturally(minutes, words):
    assert duration(timedelta(minutes=minutes)) == words


def test_explanations_follow_the_active_time_zone(alice, request_invoice, settings):
    with time_machine.travel(NINE, tick=False):
        invoice = request_invoice(alice, "10300.00")

    with timezone.override(ZoneInfo("Asia/Shanghai")):
        assert "decide by 21:00" in explain(invoice, now=NINE)
