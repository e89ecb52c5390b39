"""How fast a breached SLA becomes an escalation, with real beat and worker processes, and what a sweep costs.

Run with `make bench` or `.venv/bin/pytest tests/benchmarks/test_sla_escalation.py -s`, on whatever database
and broker the environment names (README figures: PostgreSQL + Redis). One line per figure:

(a) escalation_p50_ms, escalation_p99_ms, escalation_max_ms: from a first-response due time to its escalation
    (`Escalation.created_at - Escalation.due_at`), for BENCH_SLA_TICKETS tickets (200) whose due times are
    spread over BENCH_SLA_SPREAD_SECONDS (30) starting BENCH_SLA_LEAD_SECONDS (30) ahead. Goal: p99 < 1 s.
(b) escalation_after_kill_max_s: BENCH_SLA_KILL_TICKETS tickets (200) fall due a few seconds ahead; their
    deadlines are handed to ETA tasks, the worker is killed with SIGKILL (the ETA tasks die with it), the
    deadlines pass with no worker, a worker is started again: the longest time from that start to an
    escalation. Goal: 10 s at most.
(c) sweep_idle_ms_<size>, sweep_1000_due_ms_<size> (PostgreSQL only): one `sla_sweep()` pass over
    BENCH_SWEEP_SMALL (10,000) then BENCH_SWEEP_LARGE (1,000,000) open tickets, the median of
    BENCH_SWEEP_PASSES (20) passes with nothing due, and the pass that escalates BENCH_SWEEP_DUE (1,000) due
    ones; the probe's EXPLAIN plan is printed and must use the index ticket_sla_check_at. Goal: idle < 10 ms.

Every escalation happens exactly once per ticket; the benchmarks fail if not. Goals are reported, not enforced.
"""

import cProfile
import io
import os
import pstats
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from escalation import monitor
from supportdesk.celery import app as celery_app
from tests import worker as worker_module
from tests.benchmarks import sla_helpers as sla
from tests.benchmarks.report import Goal, backends
from tests.factories import AgentFactory, CustomerFactory, ManagerFactory, TeamFactory
from tests.worker import celery_beat, celery_worker, purge_broker, sigkill_worker, wait_for
from tickets import services as tickets
from tickets.models import Ticket

TICKETS = int(os.environ.get("BENCH_SLA_TICKETS", "200"))
LEAD_SECONDS = float(os.environ.get("BENCH_SLA_LEAD_SECONDS", "30"))
SPREAD_SECONDS = float(os.environ.get("BENCH_SLA_SPREAD_SECONDS", "30"))
KILL_TICKETS = int(os.environ.get("BENCH_SLA_KILL_TICKETS", "200"))
CONCURRENCY = os.environ.get("BENCH_SLA_CONCURRENCY", "2")  # pool processes of the worker, as `make demo` runs it
KILL_LEAD_SECONDS = float(os.environ.get("BENCH_SLA_KILL_LEAD_SECONDS", "5"))
SWEEP_SMALL = int(os.environ.get("BENCH_SWEEP_SMALL", "10000"))
SWEEP_LARGE = int(os.environ.get("BENCH_SWEEP_LARGE", "1000000"))
SWEEP_DUE = int(os.environ.get("BENCH_SWEEP_DUE", "1000"))
SWEEP_PASSES = int(os.environ.get("BENCH_SWEEP_PASSES", "20"))

P99_GOAL_MS = 1000
AFTER_KILL_GOAL_S = 10
IDLE_GOAL_MS = 10
ZAMMAD_RULE_PERIOD_MS = 5 * 60 * 1000  # Zammad evaluates time-based rules every 5 minutes
# The policy of the escalation benchmarks: a one-minute first response, so the 75% warning comes 15 s
# before each due time and goes through the same sweep and ETA path as the breach.
FIRST_RESPONSE_MINUTES = 1.0


@pytest.fixture
def real_broker():
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture
def bench_tickets(transactional_db):
    """Creates n open technical tickets through the services, as customers would, spread over a team of agents.

    They are created under the default one-hour first response, so that no timer is handed over for the
    due times they get at creation; the benchmark then sets the policy and the due times it measures.
    """
    sla.policies_on_the_clock()
    manager = ManagerFactory(username="bench-manager", expertise=["technical"])
    team = TeamFactory(name="Bench", manager=manager, categories=["technical", "account", "other"])
    for n in range(20):
        AgentFactory(username=f"bench-agent{n:02d}", team=team)
    customers = [CustomerFactory(username=f"bench-customer{n:02d}") for n in range(10)]

    def create(n: int) -> list[int]:
        return [
            tickets.ticket_create(customer=customers[i % len(customers)], subject=f"Benchmark ticket {i}",
                                  description="Waiting for a first answer.", category="technical").pk
            for i in range(n)
        ]

    create.manager = manager
    return create


def set_the_policy() -> None:
    sla.policies_on_the_clock(first_response_minutes=FIRST_RESPONSE_MINUTES)


def header(title: str) -> str:
    broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
    return f"\n{'=' * 100}\n{title}: {connection.vendor} database, {broker} broker\n{'-' * 100}"


def goal(name: str, value: float, limit: float, unit: str, *, below: bool = True) -> str:
    met = value < limit if below else value <= limit
    return f"goal {name} {'<' if below else '<='} {limit:g} {unit}: {'met' if met else 'MISSED'}"


def wait_until_running(worker_log, beat_log) -> None:
    """Until the worker is ready and beat's sweeps reach it."""
    wait_for(lambda: sla.worker_ready(worker_log), timeout=60, what="the worker ready", log_path=worker_log)
    wait_for(lambda: sla.log_count(worker_log, "escalation.tasks.sweep_sla") >= 1, timeout=60,
             what="a first SLA sweep from beat", log_path=beat_log)


def assert_escalated_once(ticket_ids) -> None:
    per_ticket = sla.escalations_per_ticket(ticket_ids)
    assert len(per_ticket) == len(ticket_ids), f"{len(ticket_ids) - len(per_ticket)} tickets not escalated"
    twice = {pk: n for pk, n in per_ticket.items() if n != 1}
    assert not twice, f"escalated more than once: {twice}"
    assert len(sla.breach_escalations(ticket_ids)) == len(ticket_ids)


# --- (a) escalation latency -------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_escalation_latency(bench_tickets, real_broker, tmp_path, bench_report):
    ids = bench_tickets(TICKETS)
    set_the_policy()  # before the processes start: they keep policies for SLA_POLICY_CACHE_SECONDS
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    with celery_worker(worker_log, f"--concurrency={CONCURRENCY}"), celery_beat(beat_log):
        wait_until_running(worker_log, beat_log)
        start = timezone.now()
        sla.set_first_response_deadlines(
            sla.spread_deadlines(ids, start=start, lead=LEAD_SECONDS, spread=SPREAD_SECONDS)
        )
        wait_for(lambda: sla.escalated_count(ids) == len(ids), timeout=LEAD_SECONDS + SPREAD_SECONDS + 120,
                 what=f"{len(ids)} tickets escalated", log_path=worker_log)
        wait_for(sla.more_sweeps_done(worker_log), timeout=30, what="three more sweeps", log_path=worker_log)

    assert_escalated_once(ids)
    escalations = sla.breach_escalations(ids)
    assert {e.owner_id for e in escalations} == {bench_tickets.manager.pk}
    delays = sla.delays_ms(escalations)
    assert delays[0] >= 0, "escalated before the due time"
    p50, p99 = sla.percentile(delays, 0.50), sla.percentile(delays, 0.99)
    eta_runs = sla.log_count(worker_log, "escalation.tasks.check_ticket_sla")
    print("\n".join([
        header(f"(a) escalation latency, {len(ids)} first-response due times over {SPREAD_SECONDS:g} s, "
               f"{LEAD_SECONDS:g} s ahead; one worker, {CONCURRENCY} pool processes"),
        f"escalation_tickets: {len(ids)}",
        f"escalation_p50_ms: {p50:.1f}",
        f"escalation_p99_ms: {p99:.1f}",
        f"escalation_max_ms: {delays[-1]:.1f}",
        f"escalation_within_1s: {sum(d < 1000 for d in delays)}",
        f"eta_tasks_run: {eta_runs}",
        goal("escalation_p99_ms", p99, P99_GOAL_MS, "ms"),
        *late_escalations(escalations, over_ms=P99_GOAL_MS),
        "=" * 100,
    ]))
    size = f"{len(ids)} tickets, {backends()}"
    bench_report.record("escalation_p50_ms", p50, unit="ms", stat="median", size=size,
                        reference=Goal(ZAMMAD_RULE_PERIOD_MS, "Zammad's 5-minute rule run"))
    bench_report.record("escalation_p99_ms", p99, unit="ms", stat="p99", size=size,
                        reference=Goal(P99_GOAL_MS, "goal < 1 s"))
    bench_report.record("escalation_max_ms", delays[-1], unit="ms", stat="max", size=size)


def late_escalations(escalations, *, over_ms: float, at_most: int = 20) -> list[str]:
    """The escalations later than the goal, to compare with the worker's log (its times are local, UTC here)."""
    late = sorted((e for e in escalations if (e.created_at - e.due_at).total_seconds() * 1000 >= over_ms),
                  key=lambda e: e.due_at)
    if not late:
        return []
    return [f"-- {len(late)} escalations {over_ms:g} ms or more after their due time:"] + [
        f"   ticket {e.ticket_id}: due {e.due_at:%H:%M:%S.%f}, escalated {e.created_at:%H:%M:%S.%f} "
        f"(+{(e.created_at - e.due_at).total_seconds() * 1000:.0f} ms)"
        for e in late[:at_most]
    ]


# --- (b) after a worker is killed -------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_escalation_after_the_worker_is_killed(bench_tickets, real_broker, tmp_path, monkeypatch, bench_report):
    ids = bench_tickets(KILL_TICKETS)
    set_the_policy()
    first_log, second_log, beat_log = tmp_path / "worker-1.log", tmp_path / "worker-2.log", tmp_path / "beat.log"
    with celery_worker(first_log, f"--concurrency={CONCURRENCY}") as first, celery_beat(beat_log):
        wait_until_running(first_log, beat_log)
        start = timezone.now()
        dues = sla.spread_deadlines(ids, start=start, lead=KILL_LEAD_SECONDS, spread=1.0)
        sla.set_first_response_deadlines(dues, warned=True)  # the next check is the breach itself

        # A sweep hands every deadline to an ETA task, which the worker fetches and holds until the due time...
        handed = Ticket.objects.filter(pk__in=ids, sla_timer_at__isnull=False)
        wait_for(lambda: handed.count() == len(ids), timeout=KILL_LEAD_SECONDS, what="the deadlines handed over",
                 log_path=first_log)
        # ...and loses when it is killed (on Redis and the embedded broker; RabbitMQ redelivers what it held).
        sigkill_worker(first)
        killed_at = timezone.now()
        assert killed_at < min(dues.values()), "killed too late: raise BENCH_SLA_KILL_LEAD_SECONDS"
        assert sla.escalated_count(ids) == 0

        last_due = max(dues.values())
        wait_for(lambda: timezone.now() > last_due + timedelta(seconds=1), timeout=KILL_LEAD_SECONDS + 10,
                 what="every deadline passed")
        assert sla.escalated_count(ids) == 0  # nobody was there to escalate

        # Started as after a crash: whatever the broker still holds (beat's sweeps, redelivered messages) stays.
        monkeypatch.setattr(worker_module, "purge_broker", lambda: None)
        restarted_at = timezone.now()
        with celery_worker(second_log, f"--concurrency={CONCURRENCY}"):
            wait_for(lambda: sla.worker_ready(second_log), timeout=60, what="the second worker ready",
                     log_path=second_log)
            ready_after = (timezone.now() - restarted_at).total_seconds()
            wait_for(lambda: sla.escalated_count(ids) == len(ids), timeout=120,
                     what=f"{len(ids)} tickets escalated after the restart", log_path=second_log)
            wait_for(sla.more_sweeps_done(second_log), timeout=30, what="three more sweeps", log_path=second_log)

    assert_escalated_once(ids)
    escalations = sla.breach_escalations(ids)
    after_restart = sorted((e.created_at - restarted_at).total_seconds() for e in escalations)
    print("\n".join([
        header(f"(b) {len(ids)} deadlines passed while the worker was dead (SIGKILL), then it was started again; "
               f"{CONCURRENCY} pool processes"),
        f"escalation_after_kill_tickets: {len(ids)}",
        f"escalation_after_kill_worker_ready_s: {ready_after:.2f}",
        f"escalation_after_kill_first_s: {after_restart[0]:.2f}",
        f"escalation_after_kill_max_s: {after_restart[-1]:.2f}",
        f"escalation_after_kill_max_lateness_s: {max(sla.delays_ms(escalations)) / 1000:.2f}",
        goal("escalation_after_kill_max_s", after_restart[-1], AFTER_KILL_GOAL_S, "s", below=False),
        "=" * 100,
    ]))
    bench_report.record("escalation_after_kill_max_s", after_restart[-1], unit="s", stat="max",
                        size=f"{len(ids)} tickets, {backends()}", reference=Goal(AFTER_KILL_GOAL_S, "goal ≤ 10 s"),
                        note=f"worker start-up {ready_after:.2f} s of it")


# --- (c) the cost of a sweep ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_sweep_cost(real_broker, bench_report):
    if connection.vendor != "postgresql":
        pytest.skip("the sweep-cost benchmark loads up to a million rows with generate_series: PostgreSQL only")
    sizes = sorted({SWEEP_SMALL, SWEEP_LARGE})
    try:
        costs = sla.measure_sweep_cost(sizes, due=SWEEP_DUE, passes=SWEEP_PASSES)
    finally:
        purge_broker()  # the escalations' notifications, published for no worker

    lines = [header(f"(c) one sla_sweep() pass, {SWEEP_PASSES} idle passes per size, {SWEEP_DUE} due")]
    for cost in costs:
        lines += [
            f"-- probe plan at {cost.size:,} open tickets (monitor.due_tickets(now).exists()):",
            cost.plan,
            f"sweep_idle_ms_{cost.label}: {cost.idle_median_ms:.2f}",
            f"sweep_idle_max_ms_{cost.label}: {max(cost.idle_ms):.2f}",
            f"sweep_{cost.due}_due_ms_{cost.label}: {cost.due_ms:.1f}",
            goal(f"sweep_idle_ms_{cost.label}", cost.idle_median_ms, IDLE_GOAL_MS, "ms"),
        ]
    slow = [cost for cost in costs if cost.idle_median_ms >= IDLE_GOAL_MS]
    if slow:
        lines += ["-- where an idle pass spends its time (cProfile, 20 passes):", profile_idle_passes(20)]
    lines.append("=" * 100)
    print("\n".join(lines))
    for cost in costs:
        size = f"{cost.size:,} open tickets"
        bench_report.record(f"sweep_idle_ms_{cost.label}", cost.idle_median_ms, unit="ms", stat="median",
                            size=size, reference=Goal(IDLE_GOAL_MS, "goal < 10 ms"))
        bench_report.record(f"sweep_{cost.due}_due_ms_{cost.label}", cost.due_ms, unit="ms", stat="one pass",
                            size=size, note=f"{cost.due_ms / cost.due:.1f} ms per escalation")
        bench_report.note(f"sweep probe plan at {cost.size:,}: " + _plan_line(cost.plan))
    for cost in costs:
        assert sla.plan_uses_the_monitor_index(cost.plan), f"the probe does not use ticket_sla_check_at:\n{cost.plan}"


def _plan_line(plan: str) -> str:
    """The plan's line naming the scan, to show in docs/benchmarks.md."""
    lines = [line.strip(" ->") for line in plan.splitlines() if "Scan" in line or "SCAN" in line or "SEARCH" in line]
    return "`" + (lines[0] if lines else plan.splitlines()[0]) + "`"


def profile_idle_passes(passes: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(passes):
        monitor.sla_sweep()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    return out.getvalue()
