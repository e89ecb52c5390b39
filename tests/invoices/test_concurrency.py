"""Several workers race to issue the same invoices on PostgreSQL: one number each, never two."""

import threading

import pytest
from django.db import connection, connections

from invoices import services
from invoices.models import Invoice, InvoiceEventKind, InvoiceStatus, LocalGatewayIssue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row-level locking needs PostgreSQL; CI runs this with DATABASE_URL set")


def test_racing_workers_issue_each_invoice_exactly_once(alice, no_issuance, django_capture_on_commit_callbacks):
    from datetime import date
    from decimal import Decimal

    invoices = [
        services.invoice_request(customer=alice, amount=Decimal("300"), period_start=date(2025, 1, 1),
                                 period_end=date(2025, 12, 31), title="Lumen")
        for _ in range(20)
    ]
    start = threading.Barrier(4)
    outcomes, errors = [], []

    def worker(name):
        try:
            start.wait(10)
            for invoice in invoices:
                outcomes.append(services.invoice_issue(invoice_id=invoice.pk, claimant=name))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(f"worker-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert outcomes.count(services.Outcome.ISSUED) == 20
    assert set(Invoice.objects.values_list("status", flat=True)) == {InvoiceStatus.ISSUED}
    assert Invoice.objects.values("invoice_number").distinct().count() == 20
    assert LocalGatewayIssue.objects.count() == 20
    for invoice in invoices:
        assert invoice.events.filter(kind=InvoiceEventKind.ISSUED).count() == 1


def test_two_recovery_passes_at_once_send_each_lost_invoice_once(alice, no_issuance, settings):
    from datetime import date, timedelta
    from decimal import Decimal

    from django.utils import timezone

    for _ in range(30):
        services.invoice_request(customer=alice, amount=Decimal("300"), period_start=date(2025, 1, 1),
                                 period_end=date(2025, 12, 31), title="Lumen")
    no_issuance.clear()
    start = threading.Barrier(2)
    sent = []
    later = timezone.now() + timedelta(seconds=settings.INVOICE_REDISPATCH_AFTER_SECONDS + 1)

    def recovery_pass():
        try:
            start.wait(10)
            sent.append(services.invoices_recover_lost(now=later))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=recovery_pass) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sum(sent) == 30
    assert sorted(no_issuance) == sorted(Invoice.objects.values_list("pk", flat=True))
