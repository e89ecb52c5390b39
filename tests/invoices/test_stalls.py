"""Stage deadlines: an invoice past its target is flagged once and announced."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from invoices import services, signals
from invoices.models import Invoice, InvoiceEventKind, InvoiceStatus


@pytest.fixture
def stalls_heard():
    heard = []

    def listener(sender, invoice_id, **kwargs):
        heard.append(invoice_id)

    signals.invoice_stalled.connect(listener)
    yield heard
    signals.invoice_stalled.disconnect(listener)


def test_a_review_past_its_target_is_flagged_once(alice, request_invoice, stalls_heard, django_capture_on_commit_callbacks, settings):
    settings.INVOICE_REVIEW_TARGET_MINUTES = 240
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        invoice = request_invoice(alice, "10300.00")
    assert invoice.stage_due == start + timedelta(hours=4)

    with time_machine.travel(start + timedelta(hours=3, minutes=59), tick=False):
        assert services.invoices_detect_stalls() == 0
    with time_machine.travel(start + timedelta(hours=4, minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.invoices_detect_stalls() == 1
            assert services.invoices_detect_stalls() == 0  # idempotent

    invoice.refresh_from_db()
    assert invoice.stalled and invoice.stalled_at == start + timedelta(hours=4, minutes=1)
    assert invoice.events.filter(kind=InvoiceEventKind.STALLED).count() == 1
    assert stalls_heard == [invoice.pk]


def test_issuance_targets_accept_fractional_minutes(alice, request_invoice, no_issuance, settings):
    settings.INVOICE_ISSUE_TARGET_MINUTES = 0.05  # three seconds
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        invoice = request_invoice(alice, "300.00")

    with time_machine.travel(start + timedelta(seconds=2), tick=False):
        assert services.invoices_detect_stalls() == 0
    with time_machine.travel(start + timedelta(seconds=4), tick=False):
        assert services.invoices_detect_stalls() == 1

    assert Invoice.objects.get(pk=invoice.pk).stalled


def test_moving_on_to_the_next_stage_clears_the_flag_and_restarts_the_clock(alice, maria, request_invoice, no_issuance, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        invoice = request_invoice(alice, "10300.00")
    later = start + timedelta(hours=5)
    with time_machine.travel(later, tick=False):
        services.invoices_detect_stalls()
        services.invoice_approve(invoice=invoice, by=maria)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.stalled) == (InvoiceStatus.QUEUED, False)
    assert invoice.stage_due == later + timedelta(minutes=settings.INVOICE_ISSUE_TARGET_MINUTES)


def test_finished_invoices_have_no_deadline(alice, request_invoice):
    invoice = request_invoice(alice, "300.00")

    assert (invoice.status, invoice.stage_due, invoice.stalled) == (InvoiceStatus.ISSUED, None, False)
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        assert services.invoices_detect_stalls() == 0


def test_the_stall_sweep_reads_only_what_is_due(alice, request_invoice, no_issuance, django_assert_num_queries):
    for _ in range(5):
        request_invoice(alice, "10300.00")

    with django_assert_num_queries(1):  # one index probe when nothing is due
        assert services.invoices_detect_stalls() == 0


def test_the_sweep_command_reports_what_it_did(alice, request_invoice, no_issuance, settings):
    from io import StringIO

    from django.core.management import call_command

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        request_invoice(alice, "10300.00")
    output = StringIO()
    with time_machine.travel(start + timedelta(hours=5), tick=False):
        call_command("invoice_sweep", stdout=output)

    assert output.getvalue().strip() == "1 invoice(s) flagged as stalled, 0 re-dispatched for issuance."
