"""The issuance pipeline with real Celery worker processes, on the configured broker and the test database.

Head of line: a small invoice is issued while another hangs at the gateway and a
large one waits for review. Idempotency: redelivered tasks, a gateway answer
that was lost, and a worker killed with SIGKILL in the middle of a gateway call
never produce a second number. Volume: 200 requests, with injected gateway
failures and retries, end as 200 invoices with 200 distinct numbers.
"""

import re
import signal
import subprocess
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from invoices import services
from invoices.gateways import IssueRequest
from invoices.gateways.local import LocalGateway
from invoices.models import Invoice, InvoiceEvent, InvoiceEventKind, InvoiceStatus, LocalGatewayIssue
from invoices.tasks import issue_invoice
from supportdesk.celery import app as celery_app
from tests.worker import celery_worker, wait_for
from tests.worker import sigkill_worker as kill_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Retries in tenths of a second instead of seconds, so a test sees many of them.
FAST_RETRIES = {
    "INVOICE_RETRY_BACKOFF_SECONDS": "0.05",
    "INVOICE_RETRY_BACKOFF_CAP_SECONDS": "0.5",
    "INVOICE_ISSUE_MAX_RETRIES": "10",
}
UNFINISHED = (InvoiceStatus.QUEUED, InvoiceStatus.ISSUING, InvoiceStatus.FAILED)


@pytest.fixture
def real_broker():
    """Tasks are published to the configured broker instead of running inline."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


def request(customer, amount: str, title: str = "Lumen Analytics Co., Ltd.") -> Invoice:
    """As the customer would: the issuance task is published when the request commits."""
    return services.invoice_request(
        customer=customer, amount=Decimal(amount), period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
        title=title,
    )


def status_of(invoice: Invoice) -> str:
    return Invoice.objects.values_list("status", flat=True).get(pk=invoice.pk)


def stop_at_once(process) -> None:
    """Cold shutdown (SIGQUIT): pool processes terminated, unfinished tasks handed back to the broker.

    Handing them back keeps a hanging task from being redelivered by Redis to
    a later test's worker an hour from now; if the worker is not gone in a few
    seconds (the filesystem transport is slow to stop, and loses nothing here
    since it holds unacknowledged messages in memory only), SIGKILL it.
    """
    process.send_signal(signal.SIGQUIT)
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        kill_worker(process)


def task_results(log: Path) -> list[str]:
    """What each finished issue_invoice task answered, from the worker's log."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return re.findall(r"invoices\.tasks\.issue_invoice\[[0-9a-f-]+\] succeeded in [0-9.e-]+s: '(\w+)'", text)


def assert_issued_exactly_once(invoice: Invoice) -> Invoice:
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    ledger = LocalGatewayIssue.objects.filter(idempotency_key=str(invoice.idempotency_key))
    assert list(ledger.values_list("number", flat=True)) == [invoice.invoice_number]
    assert invoice.events.filter(kind=InvoiceEventKind.ISSUED).count() == 1
    return invoice


# --- head of line ---------------------------------------------------------------------


def test_a_small_invoice_is_issued_while_another_hangs_at_the_gateway_and_a_large_one_waits_for_review(
    real_broker, tmp_path, alice
):
    log = tmp_path / "worker.log"
    with celery_worker(log, env_overrides={"INVOICE_GATEWAY_FAULTS": "hang_title=HANG,hang_seconds=60"}) as worker:
        try:
            # X reaches the gateway, which does not answer: one of the two pool processes is stuck with it
            hanging = request(alice, "120.00", title="Lumen Analytics HANG")
            wait_for(lambda: status_of(hanging) == InvoiceStatus.ISSUING, timeout=30, what="X at the gateway",
                     log_path=log)
            # L is above alice's automatic limit: it waits for a reviewer, not for a worker
            large = request(alice, "10300.00")
            assert large.status == InvoiceStatus.PENDING_REVIEW
            # S is requested last and overtakes both
            small = request(alice, "300.00")
            wait_for(lambda: status_of(small) == InvoiceStatus.ISSUED, timeout=30, what="S issued", log_path=log)

            assert status_of(hanging) == InvoiceStatus.ISSUING
            assert status_of(large) == InvoiceStatus.PENDING_REVIEW
        finally:
            stop_at_once(worker)  # X's pool process would sleep for another minute

    small = assert_issued_exactly_once(small)
    hanging.refresh_from_db()
    assert hanging.invoice_number is None and hanging.stage_started_at < small.issued_at
    assert not LocalGatewayIssue.objects.filter(idempotency_key=str(hanging.idempotency_key)).exists()


# --- idempotency: redelivery, a lost answer, a killed worker ---------------------------------


def test_a_redelivered_issuance_task_never_issues_a_second_number(real_broker, tmp_path, alice):
    log = tmp_path / "worker.log"
    # a slow gateway, so that the copies run at the same time on four pool processes
    with celery_worker(log, "--concurrency=4", env_overrides={"INVOICE_GATEWAY_FAULTS": "latency=1"}):
        invoice = request(alice, "300.00")  # publishes the task once
        redelivered = str(uuid.uuid4())
        for _ in range(3):  # the same message delivered three times, as a broker may after a lost ack
            issue_invoice.apply_async(args=[invoice.pk], task_id=redelivered)
        for _ in range(2):  # and two more sends, as overlapping recovery passes would
            issue_invoice.delay(invoice.pk)

        results = wait_for(lambda: len(task_results(log)) >= 6 and task_results(log), timeout=60,
                           what="six issue_invoice tasks to finish", log_path=log)

    assert results.count("issued") == 1
    assert set(results) <= {"issued", "already_done", "held_elsewhere"}
    assert_issued_exactly_once(invoice)
    assert LocalGatewayIssue.objects.count() == 1


def test_copies_of_one_message_delivered_at_once_call_the_gateway_once(real_broker, tmp_path, alice, monkeypatch):
    monkeypatch.setattr(issue_invoice, "delay", lambda invoice_id: None)  # only the copies below reach the broker
    invoice = request(alice, "300.00")
    log = tmp_path / "worker.log"
    with celery_worker(log, "--concurrency=4", env_overrides={"INVOICE_GATEWAY_FAULTS": "latency=1"}):
        redelivered = str(uuid.uuid4())
        for _ in range(3):
            issue_invoice.apply_async(args=[invoice.pk], task_id=redelivered)
        results = wait_for(lambda: len(task_results(log)) >= 3 and task_results(log), timeout=60,
                           what="three copies to finish", log_path=log)

    invoice = assert_issued_exactly_once(invoice)  # holds today, thanks to the idempotency key
    assert sorted(results) == ["held_elsewhere", "held_elsewhere", "issued"]
    assert invoice.attempts == 1


def test_when_the_gateway_issued_but_its_answer_was_lost_the_number_it_gave_is_the_one_recorded(
    real_broker, tmp_path, alice, settings
):
    settings.INVOICE_REDISPATCH_AFTER_SECONDS = 0.5
    invoice = request(alice, "300.00")
    # The gateway issued for this key, but the answer never came back (a timeout, a lost task)...
    given = LocalGateway().issue(
        IssueRequest(
            idempotency_key=str(invoice.idempotency_key), reference=invoice.reference, customer_name=str(alice),
            title=invoice.title, tax_id="", amount=invoice.amount, currency="CNY",
            period_start=invoice.period_start, period_end=invoice.period_end,
        )
    )
    log = tmp_path / "worker.log"
    with celery_worker(log):  # ...and the broker lost the task too: the worker starts on an empty queue
        time.sleep(settings.INVOICE_REDISPATCH_AFTER_SECONDS)

        def recovered():
            services.invoices_recover_lost()
            return status_of(invoice) == InvoiceStatus.ISSUED

        wait_for(recovered, timeout=60, what="the recovery pass to get it issued", log_path=log)

    invoice = assert_issued_exactly_once(invoice)
    assert invoice.invoice_number == given.number


def test_a_worker_killed_with_sigkill_in_the_middle_of_a_gateway_call_loses_nothing_and_issues_once(
    real_broker, tmp_path, alice, settings
):
    # Short leases and re-dispatch delays, in the workers and here, where the recovery pass runs.
    timing = {"INVOICE_ISSUE_LEASE_SECONDS": "4", "INVOICE_REDISPATCH_AFTER_SECONDS": "2"}
    settings.INVOICE_ISSUE_LEASE_SECONDS, settings.INVOICE_REDISPATCH_AFTER_SECONDS = 4.0, 2.0
    environment = {"INVOICE_GATEWAY_FAULTS": "latency=2", **timing}

    first_log = tmp_path / "first-worker.log"
    with celery_worker(first_log, env_overrides=environment) as first:
        invoice = request(alice, "300.00")
        wait_for(lambda: status_of(invoice) == InvoiceStatus.ISSUING, timeout=30, what="the claim", log_path=first_log)
        time.sleep(0.5)  # inside the gateway call, which takes two seconds
        kill_worker(first)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.attempts, invoice.invoice_number) == (InvoiceStatus.ISSUING, 1, None)
    assert not LocalGatewayIssue.objects.exists()

    second_log = tmp_path / "second-worker.log"
    with celery_worker(second_log, env_overrides=environment):

        def recovered():
            services.invoices_recover_lost()  # what the beat sweep does every few seconds
            return status_of(invoice) == InvoiceStatus.ISSUED

        wait_for(recovered, timeout=60, what="the recovery pass to get it issued", log_path=second_log)

    invoice = assert_issued_exactly_once(invoice)
    assert invoice.attempts >= 2
    assert LocalGatewayIssue.objects.count() == 1


# --- volume ---------------------------------------------------------------------------------


def test_two_hundred_requests_become_two_hundred_invoices_with_distinct_numbers_despite_gateway_failures(
    real_broker, tmp_path, alice
):
    log = tmp_path / "worker.log"
    environment = {"INVOICE_GATEWAY_FAULTS": "failure_rate=0.1", **FAST_RETRIES}
    started = time.monotonic()
    with celery_worker(log, "--concurrency=4", env_overrides=environment):
        requested = [request(alice, f"{100 + n}.00", title=f"Lumen Analytics, cost centre {n:03d}") for n in range(200)]
        assert {invoice.status for invoice in requested} == {InvoiceStatus.QUEUED}

        def settled():
            finished = Invoice.objects.filter(status__in=[InvoiceStatus.ISSUED, InvoiceStatus.FAILED]).count()
            return finished == 200 or Invoice.objects.filter(status=InvoiceStatus.FAILED).exists()

        wait_for(settled, timeout=300, what="200 invoices issued", log_path=log)
    elapsed = time.monotonic() - started

    invoices = Invoice.objects.all()
    numbers = [invoice.invoice_number for invoice in invoices]
    assert invoices.count() == 200
    assert not invoices.filter(status__in=UNFINISHED).exists()  # none lost, none given up
    assert len(set(numbers)) == 200 and None not in numbers
    ledger = LocalGatewayIssue.objects.all()
    assert ledger.count() == 200
    assert set(ledger.values_list("number", flat=True)) == set(numbers)
    assert set(ledger.values_list("idempotency_key", flat=True)) == {str(i.idempotency_key) for i in invoices}
    assert InvoiceEvent.objects.filter(kind=InvoiceEventKind.ISSUED).count() == 200
    # the gateway did fail, and the retries that followed issued nothing twice
    failures = InvoiceEvent.objects.filter(kind=InvoiceEventKind.GATEWAY_ERROR).count()
    assert failures > 0
    print(f"\n200 invoices issued in {elapsed:.1f}s through a real worker, after {failures} injected gateway failures")
