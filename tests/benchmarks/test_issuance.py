"""How fast real worker processes issue invoices through the local gateway, and who waits behind whom.

Run with `make bench` (or `.venv/bin/pytest tests/benchmarks -s`), on whatever
database and broker the environment names. It prints:

(a) throughput: how many invoices per second two worker processes (one pool
    process each) issue through the local gateway;
(b) latency behind a backlog: the time from request to issued of one small
    invoice requested while 1,000 others are queued for issuance ahead of it
    and one large one is in review (small_invoice_latency_ms);
(c) latency behind reviews: the same while 1,000 large invoices wait for review
    ahead of it (and their 1,000 reviewer notifications wait on the review queue).

Sizes can be changed with BENCH_INVOICES (500) and BENCH_BACKLOG (1000).
"""

import os
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Max, Min
from django.utils import timezone

from invoices import services
from invoices.models import Invoice, InvoiceStatus
from invoices.tasks import issue_invoice, notify_reviewers
from supportdesk.celery import app as celery_app
from tests.factories import CustomerFactory, ManagerFactory
from tests.worker import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

INVOICES = int(os.environ.get("BENCH_INVOICES", "500"))
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "1000"))
SECONDS_PER_INVOICE_AT_WORST = 3  # how long to wait before calling a phase stuck


@pytest.fixture
def real_broker():
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture
def two_workers(real_broker, tmp_path):
    """Two worker processes with one pool process each, both consuming every queue (`make demo` runs one with two)."""
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    with celery_worker(logs[0], "--concurrency=1"), celery_worker(logs[1], "--concurrency=1"):
        for log in logs:
            wait_for(lambda log=log: log.exists() and re.search(r" ready\.", log.read_text(errors="replace")),
                     timeout=60, what=f"{log.name} ready", log_path=log)
        yield logs


@pytest.fixture
def held_tasks(monkeypatch):
    """Requests go through the services as usual, but the tasks they publish are held here until released.

    So a whole batch reaches the broker at once, and the workers' pace is
    measured rather than the pace of this process' requests.
    """
    held: list = []
    for task in (issue_invoice, notify_reviewers):
        monkeypatch.setattr(task, "delay", lambda *args, task=task: held.append((task, args)))

    def release() -> None:
        for task, args in held:
            task.apply_async(args=args)
        held.clear()

    return release


def request(customer, amount: str, n: int) -> Invoice:
    return services.invoice_request(
        customer=customer, amount=Decimal(amount), period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
        title=f"Benchmark Co., Ltd. {n:04d}",
    )


def test_issuance_throughput_and_latency(two_workers, held_tasks, bench_report):
    release, log = held_tasks, two_workers[0]
    customer = CustomerFactory(username="bench-customer")
    ManagerFactory(username="bench-reviewer", expertise=["invoice"])  # so review notifications are real work

    # (a) throughput: N queued invoices, their tasks released at once to two worker processes
    batch = [request(customer, f"{100 + n % 900}.00", n).pk for n in range(INVOICES)]
    started = timezone.now()
    release()
    wait_for(lambda: Invoice.objects.filter(pk__in=batch, status=InvoiceStatus.ISSUED).count() == INVOICES,
             timeout=60 + INVOICES * SECONDS_PER_INVOICE_AT_WORST, what=f"{INVOICES} invoices issued", log_path=log)
    span = Invoice.objects.filter(pk__in=batch).aggregate(first=Min("issued_at"), last=Max("issued_at"))
    throughput = Throughput(
        elapsed=(span["last"] - started).total_seconds(), steady=(span["last"] - span["first"]).total_seconds()
    )
    assert Invoice.objects.filter(pk__in=batch).values("invoice_number").distinct().count() == INVOICES

    # (b) one small invoice requested right behind a backlog queued for issuance, with one large one in review
    request(customer, "10300.00", INVOICES)
    backlog = [request(customer, "500.00", n).pk for n in range(BACKLOG)]
    release()
    small = request(customer, "300.00", BACKLOG)
    release()
    behind_backlog = _until_issued(small, timeout=60 + BACKLOG * SECONDS_PER_INVOICE_AT_WORST, log=log)
    overtaken_by = Invoice.objects.filter(pk__in=backlog, issued_at__lt=small.issued_at).count()
    wait_for(lambda: not Invoice.objects.filter(status__in=[InvoiceStatus.QUEUED, InvoiceStatus.ISSUING]).exists(),
             timeout=60 + BACKLOG * SECONDS_PER_INVOICE_AT_WORST, what="the backlog to drain", log_path=log)

    # (c) one small invoice requested right behind large ones waiting for review, and their reviewer notifications
    for n in range(BACKLOG):
        request(customer, "10300.00", n)
    release()
    small = request(customer, "300.00", BACKLOG)
    release()
    behind_reviews = _until_issued(small, timeout=120, log=log)

    print(_report(throughput, behind_backlog=behind_backlog, overtaken_by=overtaken_by, behind_reviews=behind_reviews))
    bench_report.record("invoices_per_s", INVOICES / throughput.elapsed, unit="invoices/s", stat="rate",
                        size=f"{INVOICES} invoices, 2 worker processes")
    bench_report.record("small_invoice_latency_ms", behind_backlog * 1000, unit="ms", stat="one request",
                        size=f"behind {BACKLOG} queued, 1 in review", note="one FIFO issuance queue: it waits its turn")
    bench_report.record("small_invoice_behind_reviews_ms", behind_reviews * 1000, unit="ms", stat="one request",
                        size=f"behind {BACKLOG} large ones in review")


@dataclass(frozen=True)
class Throughput:
    elapsed: float  # from releasing the tasks to the last invoice issued
    steady: float  # from the first invoice issued to the last


def _until_issued(invoice: Invoice, *, timeout: float, log) -> float:
    """Seconds from the request to the number, by the database's own timestamps."""
    wait_for(lambda: _status(invoice) == InvoiceStatus.ISSUED, timeout=timeout, what=f"{invoice.reference} issued",
             log_path=log)
    invoice.refresh_from_db()
    return (invoice.issued_at - invoice.created_at).total_seconds()


def _status(invoice: Invoice) -> str:
    return Invoice.objects.values_list("status", flat=True).get(pk=invoice.pk)


def _report(throughput: Throughput, *, behind_backlog: float, overtaken_by: int, behind_reviews: float) -> str:
    broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
    fifo = overtaken_by == BACKLOG
    return "\n".join([
        "",
        "=" * 100,
        f"Invoice issuance: {connection.vendor} database, {broker} broker, "
        f"{settings.INVOICE_GATEWAY.rsplit('.', 1)[-1]}; "
        "two worker processes, one pool process each",
        "-" * 100,
        f"(a) throughput        {INVOICES / throughput.elapsed:7.1f} invoices/s  "
        f"({INVOICES} issued {throughput.elapsed:.1f} s after their tasks were released; first to last "
        f"{throughput.steady:.1f} s;",
        "                                           each issuance also runs the customer's notification task)",
        f"(b) behind a backlog  {behind_backlog:7.1f} s          from request to issued, requested behind {BACKLOG} "
        f"queued for issuance;",
        f"                                           {overtaken_by} of those {BACKLOG} were issued before it"
        + (" (one FIFO issuance queue: it waits its turn)" if fifo else ""),
        f"(c) behind reviews    {behind_reviews:7.2f} s          from request to issued, requested behind {BACKLOG} "
        f"waiting for review",
        f"                                           and their {BACKLOG} reviewer notifications on the review queue",
        "=" * 100,
    ])
