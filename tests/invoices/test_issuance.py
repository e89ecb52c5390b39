"""Issuance is idempotent: retries, redeliveries and lost workers never issue a second number."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from invoices import services, tasks
from invoices.gateways import GatewayRejected, GatewayUnavailable
from invoices.gateways.local import LocalGateway
from invoices.models import InvoiceEventKind, InvoiceStatus, LocalGatewayIssue


class FlakyGateway:
    """Fails the first `failures` calls, then behaves like the local gateway."""

    def __init__(self, failures, error=GatewayUnavailable("503 Service Unavailable")):
        self.failures, self.error, self.calls, self.inner = failures, error, [], LocalGateway()

    def issue(self, request):
        self.calls.append(request.idempotency_key)
        if len(self.calls) <= self.failures:
            raise self.error
        return self.inner.issue(request)


@pytest.fixture
def gateway(monkeypatch):
    def install(fake):
        monkeypatch.setattr(services, "get_gateway", lambda: fake)
        return fake

    return install


def test_a_redelivered_task_does_not_issue_twice(alice, request_invoice):
    invoice = request_invoice(alice, "300.00")
    number = invoice.invoice_number

    outcome = tasks.issue_invoice.apply(args=[invoice.pk]).get()

    invoice.refresh_from_db()
    assert outcome == services.Outcome.ALREADY_DONE
    assert invoice.invoice_number == number
    assert LocalGatewayIssue.objects.count() == 1
    assert invoice.events.filter(kind=InvoiceEventKind.ISSUED).count() == 1


def test_a_worker_lost_mid_call_is_recovered_with_the_same_key_and_number(alice, request_invoice, no_issuance, settings):
    invoice = request_invoice(alice, "300.00")
    assert invoice.status == InvoiceStatus.QUEUED
    # A first worker claimed it and reached the gateway, then died before recording the answer.
    claimed = services._claim_for_issuance(invoice.pk, claimant="worker-that-died")
    first_answer = LocalGateway().issue(services._issue_request(claimed))

    later = timezone.now() + timedelta(seconds=settings.INVOICE_ISSUE_LEASE_SECONDS + settings.INVOICE_REDISPATCH_AFTER_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        assert services.invoices_recover_lost() == 1
        assert services.invoice_issue(invoice_id=invoice.pk, claimant="redispatched-task") == services.Outcome.ISSUED

    invoice.refresh_from_db()
    assert invoice.invoice_number == first_answer.number
    assert LocalGatewayIssue.objects.count() == 1
    assert invoice.attempts == 2
    assert invoice.events.filter(kind=InvoiceEventKind.RECOVERED).count() == 1


def test_a_live_lease_is_not_taken_by_another_task(alice, request_invoice, no_issuance):
    invoice = request_invoice(alice, "300.00")
    services._claim_for_issuance(invoice.pk, claimant="first")

    assert services.invoice_issue(invoice_id=invoice.pk, claimant="second") == services.Outcome.HELD_ELSEWHERE
    assert LocalGatewayIssue.objects.count() == 0


def test_recovery_re_dispatches_a_queued_invoice_whose_task_was_lost(alice, request_invoice, no_issuance, settings):
    invoice = request_invoice(alice, "300.00")
    assert no_issuance == [invoice.pk]
    soon = timezone.now() + timedelta(seconds=settings.INVOICE_REDISPATCH_AFTER_SECONDS / 2)
    later = timezone.now() + timedelta(seconds=settings.INVOICE_REDISPATCH_AFTER_SECONDS + 1)

    with time_machine.travel(soon, tick=False):
        assert services.invoices_recover_lost() == 0  # its task may still be on its way
    with time_machine.travel(later, tick=False):
        assert services.invoices_recover_lost() == 1
        assert services.invoices_recover_lost() == 0  # once per quiet period, however many passes run

    assert no_issuance == [invoice.pk, invoice.pk]


def test_a_publish_that_fails_after_commit_loses_nothing(alice, monkeypatch, settings, django_capture_on_commit_callbacks, request_invoice):
    def broker_down(*args):
        raise ConnectionRefusedError("broker is down")

    monkeypatch.setattr(tasks.issue_invoice, "delay", broker_down)
    invoice = request_invoice(alice, "300.00")
    assert invoice.status == InvoiceStatus.QUEUED
    monkeypatch.undo()

    later = timezone.now() + timedelta(seconds=settings.INVOICE_REDISPATCH_AFTER_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        services.invoices_recover_lost()

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED


def test_gateway_errors_are_retried_and_recorded_then_issued_once(alice, request_invoice, gateway):
    flaky = gateway(FlakyGateway(failures=2))

    invoice = request_invoice(alice, "300.00")

    assert invoice.status == InvoiceStatus.ISSUED
    assert len(flaky.calls) == 3 and len(set(flaky.calls)) == 1  # one key for every call
    assert invoice.events.filter(kind=InvoiceEventKind.GATEWAY_ERROR).count() == 2
    assert invoice.events.filter(kind=InvoiceEventKind.ISSUED).count() == 1
    assert invoice.last_error == ""


def test_the_invoice_fails_after_the_last_retry(alice, request_invoice, gateway, settings):
    settings.INVOICE_ISSUE_MAX_RETRIES = 3
    flaky = gateway(FlakyGateway(failures=100))

    invoice = request_invoice(alice, "300.00")

    assert invoice.status == InvoiceStatus.FAILED
    assert len(flaky.calls) == 4
    assert invoice.last_error == "503 Service Unavailable"
    assert invoice.invoice_number is None


def test_a_definite_refusal_fails_at_once(alice, request_invoice, gateway):
    flaky = gateway(FlakyGateway(failures=1, error=GatewayRejected("tax id 123 is not registered")))

    invoice = request_invoice(alice, "300.00")

    assert invoice.status == InvoiceStatus.FAILED and len(flaky.calls) == 1
    assert "not registered" in invoice.last_error


def test_retry_backoff_grows_is_jittered_and_capped_below_the_visibility_timeout(settings):
    settings.INVOICE_RETRY_BACKOFF_SECONDS = 2
    settings.INVOICE_RETRY_BACKOFF_CAP_SECONDS = 60

    samples = {retries: [tasks.backoff_seconds(retries) for _ in range(200)] for retries in range(12)}

    assert all(1 <= s <= 2 for s in samples[0])
    assert all(8 <= s <= 16 for s in samples[3])
    assert max(max(v) for v in samples.values()) <= 60 < settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    assert len(set(samples[5])) > 100  # jitter: no two workers retry in lockstep


def test_the_local_gateway_answers_the_same_number_for_the_same_key(alice):
    from tests.factories import InvoiceFactory

    invoice = InvoiceFactory(customer=alice)
    request = services._issue_request(invoice)

    first, second = LocalGateway().issue(request), LocalGateway().issue(request)

    assert first.number == second.number
    assert LocalGatewayIssue.objects.count() == 1


def test_the_fault_injecting_gateway_fails_the_configured_share(alice):
    from invoices.gateways.faulty import FaultInjectingGateway
    from tests.factories import InvoiceFactory

    flaky = FaultInjectingGateway(failure_rate=0.5, seed=7)
    outcomes = []
    for _ in range(200):
        try:
            flaky.issue(services._issue_request(InvoiceFactory(customer=alice)))
            outcomes.append("ok")
        except GatewayUnavailable:
            outcomes.append("failed")

    assert 70 < outcomes.count("failed") < 130


def test_the_fault_injecting_gateway_hangs_then_times_out_for_chosen_invoices(alice):
    from invoices.gateways.faulty import FaultInjectingGateway
    from tests.factories import InvoiceFactory

    with pytest.raises(GatewayUnavailable, match="did not answer"):
        FaultInjectingGateway(hang_title="HANG", hang_seconds=0).issue(
            services._issue_request(InvoiceFactory(customer=alice, title="ACME HANG Ltd"))
        )


def test_a_number_another_invoice_already_carries_fails_the_invoice_with_the_reason(alice, request_invoice, gateway):
    from invoices.gateways import IssuedDocument
    from tests.factories import InvoiceFactory

    InvoiceFactory(customer=alice, status=InvoiceStatus.ISSUED, invoice_number="EI-2026-0000001")

    class ClashingGateway:
        def issue(self, request):
            return IssuedDocument(number="EI-2026-0000001", document="<html></html>", issued_at=timezone.now())

    gateway(ClashingGateway())
    invoice = request_invoice(alice, "300.00")

    assert invoice.status == InvoiceStatus.FAILED
    assert "EI-2026-0000001" in invoice.last_error and "another invoice" in invoice.last_error
