"""SLA enforcement end to end: a real beat process and a real worker process, on the configured broker and
the test database, with targets of a few seconds.

The story of the design: a 10,300 CNY invoice request above the customer's automatic limit misses its review
target and becomes an escalation owned by a manager with invoice expertise, while a 300 CNY request of the same
customer is issued. And a ticket whose first response is not given in time is escalated to its team's manager,
once, however many sweeps and ETA tasks look at it afterwards.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from escalation.models import Escalation, EscalationStatus, Reason, Target
from invoices import services as invoices
from invoices.models import Invoice, InvoiceStatus
from supportdesk.celery import app as celery_app
from tests.benchmarks.sla_helpers import log_count, more_sweeps_done, policies_on_the_clock, worker_ready
from tests.worker import celery_beat, celery_worker, wait_for
from tickets import services as tickets
from tickets.models import EventKind, Level, Status, Ticket

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

REVIEW_MINUTES = 0.05  # three seconds
FIRST_RESPONSE_MINUTES = 0.1  # six seconds; the warning comes at 75%, after 4.5 s
FAST_SWEEPS = {"INVOICE_SWEEP_SECONDS": "1", "SLA_SWEEP_SECONDS": "1"}  # beat's intervals, whole seconds


@pytest.fixture
def real_broker():
    """Tasks are published to the configured broker instead of running inline."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture
def short_targets(transactional_db):
    """Review due three seconds after the request, first response six seconds after the ticket, counted 24x7."""
    return policies_on_the_clock(invoice_review_minutes=REVIEW_MINUTES, first_response_minutes=FIRST_RESPONSE_MINUTES)


@pytest.fixture
def worker_and_beat(short_targets, real_broker, tmp_path):
    """A worker and a beat process, both running; yields the worker's log, where beat's sweeps show up."""
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    with celery_worker(worker_log, env_overrides=FAST_SWEEPS), celery_beat(beat_log, env_overrides=FAST_SWEEPS):
        wait_for(lambda: worker_ready(worker_log), timeout=60, what="the worker ready", log_path=worker_log)
        try:
            wait_for(lambda: log_count(worker_log, "escalation.tasks.sweep_sla") >= 1, timeout=60,
                     what="a first SLA sweep sent by beat and run by the worker", log_path=worker_log)
        except AssertionError as error:
            raise AssertionError(f"{error}\n--- beat log ---\n{beat_log.read_text(errors='replace')[-3000:]}") from None
        yield worker_log


def request(customer, amount: str) -> Invoice:
    return invoices.invoice_request(
        customer=customer, amount=Decimal(amount), period_start=date(2015, 1, 1), period_end=date(2019, 12, 31),
        title="Lumen Analytics Co., Ltd.",
    )


def status_of(invoice: Invoice) -> str:
    return Invoice.objects.values_list("status", flat=True).get(pk=invoice.pk)


def test_a_large_invoice_past_its_review_target_is_escalated_to_an_invoice_expert_while_a_small_one_is_issued(
    alice, maria, agent01, tomas, tech01, hana, worker_and_beat
):
    worker_log = worker_and_beat
    assert alice.invoice_auto_limit == Decimal("10000.00")  # the default limit

    large = request(alice, "10300.00")
    small = request(alice, "300.00")
    assert large.status == InvoiceStatus.PENDING_REVIEW
    assert large.stage_due <= large.stage_started_at + timedelta(seconds=REVIEW_MINUTES * 60 + 0.01)

    stall_escalations = Escalation.objects.filter(reason=Reason.INVOICE_STALL, ticket__invoice=large)
    escalation = wait_for(lambda: stall_escalations.select_related("ticket").first(), timeout=60,
                          what="the stalled review escalated", log_path=worker_log)
    wait_for(lambda: status_of(small) == InvoiceStatus.ISSUED, timeout=60, what="the 300 CNY invoice issued",
             log_path=worker_log)

    assert escalation.owner == maria  # a manager with invoice expertise, not tomas
    assert escalation.level == Level.MANAGER
    assert escalation.target == Target.INVOICE_REVIEW
    assert escalation.due_at == large.stage_due
    assert escalation.created_at >= large.stage_due
    ticket = escalation.ticket
    assert (ticket.customer, ticket.category, ticket.status) == (alice, "invoice", Status.ESCALATED)
    assert ticket.escalated_to == maria
    large.refresh_from_db()
    assert (large.status, large.stalled) == (InvoiceStatus.PENDING_REVIEW, True)  # still a reviewer's to decide

    small.refresh_from_db()
    assert small.invoice_number and not small.stalled
    assert not Escalation.objects.filter(ticket__invoice=small).exists()

    wait_for(more_sweeps_done(worker_log), timeout=30, what="three more sweeps", log_path=worker_log)
    assert Escalation.objects.filter(ticket__invoice=large).count() == 1
    assert Ticket.objects.filter(invoice=large).count() == 1


def test_a_missed_first_response_is_escalated_to_the_team_manager_once(
    alice, maria, agent01, tomas, tech01, hana, worker_and_beat
):
    worker_log = worker_and_beat
    ticket = tickets.ticket_create(customer=alice, subject="The console is down", description="Since 9:00.",
                                   category="technical")
    ticket.refresh_from_db()
    assert ticket.assignee == tech01
    assert abs((ticket.first_response_due - ticket.created_at).total_seconds() - FIRST_RESPONSE_MINUTES * 60) < 1

    escalation = wait_for(
        lambda: Escalation.objects.filter(ticket=ticket).first(), timeout=60, what="the breach escalated",
        log_path=worker_log,
    )
    assert (escalation.reason, escalation.target) == (Reason.SLA_BREACH, Target.FIRST_RESPONSE)
    assert escalation.owner == tomas  # the ticket's team manager, though maria leads a team too
    assert escalation.level == Level.MANAGER and escalation.status == EscalationStatus.OPEN
    assert escalation.due_at == ticket.first_response_due
    assert escalation.created_at >= escalation.due_at
    lateness = (escalation.created_at - escalation.due_at).total_seconds()
    assert lateness < 5, f"escalated {lateness:.2f}s after the due time"

    # Beat keeps sweeping and the ETA task for the due time has run: nothing escalates it a second time.
    wait_for(more_sweeps_done(worker_log), timeout=30, what="three more sweeps", log_path=worker_log)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.level, ticket.escalated_to) == (Status.ESCALATED, Level.MANAGER, tomas)
    assert Escalation.objects.filter(ticket=ticket).count() == 1
    assert ticket.events.filter(kind=EventKind.ESCALATED).count() == 1
    assert ticket.events.filter(kind=EventKind.SLA_WARNING).count() == 1  # at 75%, before the breach
