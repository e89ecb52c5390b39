"""Every invoice transition and refusal, by role and state."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from invoices import services
from invoices.models import Invoice, InvoiceEventKind, InvoiceStatus
from tests.factories import InvoiceFactory


def test_an_invoice_within_the_limit_is_queued_and_issued(alice, request_invoice):
    invoice = request_invoice(alice, "300.00")

    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.invoice_number and "<html" in invoice.document
    assert list(invoice.events.values_list("kind", "from_status", "to_status")) == [
        (InvoiceEventKind.REQUESTED, "", InvoiceStatus.REQUESTED),
        (InvoiceEventKind.QUEUED, InvoiceStatus.REQUESTED, InvoiceStatus.QUEUED),
        (InvoiceEventKind.ISSUING, InvoiceStatus.QUEUED, InvoiceStatus.ISSUING),
        (InvoiceEventKind.ISSUED, InvoiceStatus.ISSUING, InvoiceStatus.ISSUED),
    ]
    assert invoice.events.first().actor == alice


def test_an_invoice_exactly_at_the_limit_needs_no_review(alice, request_invoice):
    assert request_invoice(alice, "10000.00").status == InvoiceStatus.ISSUED


def test_an_invoice_above_the_limit_waits_for_review(alice, request_invoice, no_issuance):
    invoice = request_invoice(alice, "10300.00")

    assert invoice.status == InvoiceStatus.PENDING_REVIEW
    assert no_issuance == []
    assert invoice.stage_due is not None and not invoice.stalled


def test_the_limit_is_set_per_customer(bob, request_invoice, no_issuance):
    bob.invoice_auto_limit = Decimal("100.00")
    bob.save()

    assert request_invoice(bob, "300.00").status == InvoiceStatus.PENDING_REVIEW


def test_an_invoice_manager_approves_and_the_invoice_is_issued(alice, maria, request_invoice, django_capture_on_commit_callbacks):
    invoice = request_invoice(alice, "10300.00")

    with django_capture_on_commit_callbacks(execute=True):
        services.invoice_approve(invoice=invoice, by=maria)

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.reviewed_by == maria
    approved = invoice.events.get(kind=InvoiceEventKind.APPROVED)
    assert (approved.actor, approved.from_status, approved.to_status) == (maria, InvoiceStatus.PENDING_REVIEW, InvoiceStatus.QUEUED)


def test_a_rejection_needs_a_reason_and_records_it(alice, maria, request_invoice):
    invoice = request_invoice(alice, "10300.00")

    with pytest.raises(ValidationError) as blank:
        services.invoice_reject(invoice=invoice, by=maria, reason="  ")
    services.invoice_reject(invoice=invoice, by=maria, reason="The period spans four years; request one per year.")

    assert "reason" in blank.value.message_dict
    invoice.refresh_from_db()
    assert (invoice.status, invoice.rejection_reason) == (InvoiceStatus.REJECTED, "The period spans four years; request one per year.")
    assert invoice.invoice_number is None


@pytest.mark.parametrize("reviewer", ["tomas", "agent01", "alice", "bob"])
def test_only_invoice_reviewers_approve_or_reject(reviewer, request, alice, request_invoice):
    invoice = request_invoice(alice, "10300.00")
    who = request.getfixturevalue(reviewer)

    with pytest.raises(PermissionDenied):
        services.invoice_approve(invoice=invoice, by=who)
    with pytest.raises(PermissionDenied):
        services.invoice_reject(invoice=invoice, by=who, reason="No")

    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PENDING_REVIEW


@pytest.mark.parametrize("reviewer", ["hana", "admin_user"])
def test_the_head_of_support_and_administrators_may_review(reviewer, request, alice, request_invoice, no_issuance):
    invoice = request_invoice(alice, "10300.00")

    services.invoice_approve(invoice=invoice, by=request.getfixturevalue(reviewer))

    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.QUEUED


def test_nobody_approves_a_request_they_filed(alice, hana, no_issuance, django_capture_on_commit_callbacks):
    from datetime import date

    with django_capture_on_commit_callbacks(execute=True):
        invoice = services.invoice_request(
            customer=alice, amount=Decimal("20000"), period_start=date(2025, 1, 1), period_end=date(2025, 6, 30),
            title="Lumen", by=hana,
        )

    with pytest.raises(PermissionDenied):
        services.invoice_approve(invoice=invoice, by=hana)


@pytest.mark.parametrize("status", [InvoiceStatus.QUEUED, InvoiceStatus.ISSUING, InvoiceStatus.ISSUED, InvoiceStatus.FAILED, InvoiceStatus.REJECTED])
def test_approving_or_rejecting_outside_review_is_refused(status, alice, maria):
    invoice = InvoiceFactory(customer=alice, status=status, invoice_number="EI-X" if status == InvoiceStatus.ISSUED else None)

    with pytest.raises(services.InvoiceTransitionRefused):
        services.invoice_approve(invoice=invoice, by=maria)
    with pytest.raises(services.InvoiceTransitionRefused):
        services.invoice_reject(invoice=invoice, by=maria, reason="No")

    assert Invoice.objects.get(pk=invoice.pk).status == status
    assert not invoice.events.exists()


def test_staff_retry_a_failed_invoice_and_it_is_issued(alice, agent01, django_capture_on_commit_callbacks):
    invoice = InvoiceFactory(customer=alice, status=InvoiceStatus.FAILED, last_error="503")

    with django_capture_on_commit_callbacks(execute=True):
        services.invoice_retry(invoice=invoice, by=agent01)

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.events.filter(kind=InvoiceEventKind.RETRIED, actor=agent01).exists()


def test_customers_may_not_retry_and_only_failed_invoices_are_retried(alice, agent01):
    failed = InvoiceFactory(customer=alice, status=InvoiceStatus.FAILED)
    queued = InvoiceFactory(customer=alice, status=InvoiceStatus.QUEUED)

    with pytest.raises(PermissionDenied):
        services.invoice_retry(invoice=failed, by=alice)
    with pytest.raises(services.InvoiceTransitionRefused):
        services.invoice_retry(invoice=queued, by=agent01)


@pytest.mark.parametrize(
    ("fields", "field_with_error"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "12345678901.00"}, "amount"),
        ({"period_start": "2025-12-31", "period_end": "2025-01-01"}, "period_end"),
        ({"period_start": "2025-01-01", "period_end": "2999-01-01"}, "period_end"),
        ({"currency": "XYZ"}, "currency"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_requests_are_refused_with_the_field_and_create_nothing(fields, field_with_error, alice):
    from datetime import date

    values = {"amount": "300", "period_start": "2025-01-01", "period_end": "2025-12-31", "title": "Lumen", "currency": "CNY", **fields}

    with pytest.raises(ValidationError) as refused:
        services.invoice_request(
            customer=alice, amount=Decimal(values["amount"]), currency=values["currency"], title=values["title"],
            period_start=date.fromisoformat(values["period_start"]), period_end=date.fromisoformat(values["period_end"]),
        )

    assert field_with_error in refused.value.message_dict
    assert not Invoice.objects.exists()
