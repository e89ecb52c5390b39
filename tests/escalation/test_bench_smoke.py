"""The SLA benchmarks' code, run with tiny sizes in the normal suite so that it cannot rot.

tests/benchmarks/ is collected only when asked for; its helpers (tests/benchmarks/sla_helpers.py) are
exercised here on whichever database is active, without worker processes.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import Escalation, Reason, Target
from tests.benchmarks import sla_helpers as bench
from tickets import services
from tickets.models import SlaAlert, Status, Ticket


def test_the_sweep_cost_measurement_runs_on_a_tiny_table(db):
    population = bench.sweep_population(customers=3, agents=2)

    costs = bench.measure_sweep_cost([60, 150], due=5, passes=3, population=population)

    assert [cost.size for cost in costs] == [60, 150]
    assert Ticket.objects.count() == 150
    assert Ticket.objects.filter(status=Status.ESCALATED).count() == 10
    assert Escalation.objects.filter(reason=Reason.SLA_BREACH, target=Target.FIRST_RESPONSE).count() == 10
    for cost in costs:
        assert len(cost.idle_ms) == 3 and cost.idle_median_ms > 0
        assert (cost.due, cost.report.tickets) == (5, 5)
        assert "tickets_ticket" in cost.plan  # on a table this small a sequential scan is the right plan
    assert [cost.label for cost in costs] == ["60", "150"]


def test_the_monitor_probe_can_be_served_by_its_partial_index(db):
    """Whatever the table's size: on a tiny one the planner may rightly prefer a scan, so it is asked to avoid one."""
    bench.bulk_load_open_tickets(30, population=bench.sweep_population(customers=2, agents=2))

    plan = bench.probe_plan(force_index=True)  # SQLite: an OperationalError ("no query solution") if it cannot

    assert bench.plan_uses_the_monitor_index(plan), plan


def test_bulk_loaded_tickets_are_open_and_mostly_due_beyond_the_timer_horizon(db):
    population = bench.sweep_population(customers=2, agents=2)
    before = timezone.now()

    assert bench.bulk_load_open_tickets(40, population=population) == 40

    loaded = Ticket.objects.all()
    assert set(loaded.values_list("status", "level", "team_id")) == {(Status.OPEN, 1, population.team_id)}
    assert set(loaded.values_list("assignee_id", flat=True)) == set(population.agent_ids)
    watched = loaded.filter(sla_check_at__isnull=False)
    assert watched.count() == 36  # one in ten has nothing left to watch
    assert not watched.filter(sla_check_at__lt=before + timedelta(hours=1)).exists()
    assert all(t.sla_check_at == t.first_response_due for t in watched)
    assert bench.idle_sweep_ms(2)  # nothing due, nothing handed over


def test_deadline_helpers_follow_the_clock(db, alice, tech01):
    bench.policies_on_the_clock(first_response_minutes=1.0)
    created = [
        services.ticket_create(customer=alice, subject=f"Help {n}", description="x", category="technical").pk
        for n in range(4)
    ]
    start = timezone.now()

    dues = bench.spread_deadlines(created, start=start, lead=30, spread=20)
    bench.set_first_response_deadlines(dues)

    assert [dues[pk] for pk in created] == [start + timedelta(seconds=s) for s in (30, 35, 40, 45)]
    for ticket in Ticket.objects.filter(pk__in=created):
        assert ticket.first_response_due == dues[ticket.pk]
        assert ticket.sla_check_at == dues[ticket.pk] - timedelta(seconds=15)  # the warning at 75% of a minute
        assert ticket.sla_alerts == {} and ticket.sla_timer_at is None

    bench.set_first_response_deadlines(dues, warned=True)
    for ticket in Ticket.objects.filter(pk__in=created):
        assert ticket.sla_check_at == dues[ticket.pk]
        assert ticket.sla_alerts == {Target.FIRST_RESPONSE: SlaAlert.WARNED}


def test_percentiles_and_log_counts(tmp_path):
    values = list(range(1, 201))
    assert bench.percentile(values, 0.5) == 100
    assert bench.percentile(values, 0.99) == 198
    assert bench.percentile([7.0], 0.99) == 7.0
    with pytest.raises(ValueError):
        bench.percentile([], 0.5)

    log = tmp_path / "worker.log"
    assert bench.log_count(log, "escalation.tasks.sweep_sla") == 0 and not bench.worker_ready(log)
    log.write_text(
        "[..: INFO/MainProcess] celery@host ready.\n"
        "[..: INFO/ForkPoolWorker-1] Task escalation.tasks.sweep_sla[0f3c-aa] succeeded in 0.01s: '0 tickets'\n"
        "[..: INFO/ForkPoolWorker-2] Task escalation.tasks.sweep_sla[1e2d-bb] succeeded in 0.02s: '1 tickets'\n"
        "[..: INFO/ForkPoolWorker-2] Task escalation.tasks.check_ticket_sla[1e2d-cc] succeeded in 0.02s: True\n"
    )
    assert bench.log_count(log, "escalation.tasks.sweep_sla") == 2
    assert bench.worker_ready(log)
