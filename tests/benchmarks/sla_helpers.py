"""Shared pieces of the SLA tests that run real processes and of the SLA benchmarks.

Used by tests/escalation/test_worker_e2e.py and tests/benchmarks/test_sla_escalation.py;
tests/escalation/test_bench_smoke.py runs the sweep-cost helpers with tiny sizes in the
normal suite, on whichever database is active, so that this code cannot rot.
"""

import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from escalation import monitor
from escalation.models import Calendar, CalendarKind, Escalation, Reason, SlaPolicy, Target
from escalation.policies import policy_for_ticket
from escalation.targets import next_check_at
from tests.benchmarks.stats import median, percentile, size_label  # noqa: F401 - the helpers callers import from here
from tickets.models import SlaAlert, Status, Ticket

# The rows of escalation/migrations/0002_default_policies.py. A transactional test's
# teardown flushes every table, the migration's rows too, so the tests that start
# real processes write them again, on the 24x7 calendar and with their own targets.
DEFAULT_POLICY = {
    "category": "", "first_response_minutes": 60, "next_update_minutes": 240, "resolution_minutes": 1440,
    "acknowledge_minutes": 30, "invoice_review_minutes": 240, "invoice_issue_minutes": 10,
}
INVOICES_POLICY = {
    "category": "invoice", "first_response_minutes": 30, "next_update_minutes": 120, "resolution_minutes": 480,
    "acknowledge_minutes": 15, "invoice_review_minutes": 240, "invoice_issue_minutes": 10,
}


def policies_on_the_clock(**targets) -> tuple[SlaPolicy, SlaPolicy]:
    """The "Default" and "Invoices" policies, created if a flush removed them, both on the 24x7 calendar,
    with `targets` (e.g. invoice_review_minutes=0.05) applied to both."""
    calendar, _created = Calendar.objects.update_or_create(
        name="24x7", defaults={"kind": CalendarKind.ALWAYS, "time_zone": "UTC"}
    )
    policies = []
    for name, spec in (("Default", DEFAULT_POLICY), ("Invoices", INVOICES_POLICY)):
        policy, _created = SlaPolicy.objects.update_or_create(
            name=name, defaults={**spec, **targets, "calendar": calendar, "is_active": True}
        )
        policies.append(policy)
    SlaPolicy.objects.exclude(name__in=["Default", "Invoices"]).update(is_active=False)
    return policies[0], policies[1]


# --- deadlines and what became of them ---------------------------------------------------------


def set_first_response_deadlines(due_by_ticket: dict[int, datetime], *, warned: bool = False) -> None:
    """Moves each ticket's first-response due time, and its monitor column with it, as the clock would.

    `sla_check_at` is what escalation.targets.next_check_at says for the new due time: the 75%
    warning first unless `warned` says it was already given. Timers handed over before are forgotten.
    """
    tickets = list(Ticket.objects.filter(pk__in=due_by_ticket).select_related("customer"))
    policies = {}
    for ticket in tickets:
        key = (ticket.category, ticket.priority, ticket.customer.tier)
        if key not in policies:
            policies[key] = policy_for_ticket(ticket)
        ticket.first_response_due = due_by_ticket[ticket.pk]
        ticket.sla_alerts = {Target.FIRST_RESPONSE: SlaAlert.WARNED} if warned else {}
        ticket.sla_timer_at = None
        ticket.sla_check_at = next_check_at(ticket, policies[key])
    Ticket.objects.bulk_update(
        tickets, ["first_response_due", "sla_alerts", "sla_timer_at", "sla_check_at"], batch_size=500
    )


def spread_deadlines(ticket_ids: list[int], *, start: datetime, lead: float, spread: float) -> dict[int, datetime]:
    """Due times from start+lead to start+lead+spread seconds, evenly spaced, in the order given."""
    count = max(len(ticket_ids), 1)
    return {pk: start + timedelta(seconds=lead + spread * n / count) for n, pk in enumerate(ticket_ids)}


def breach_escalations(ticket_ids) -> list[Escalation]:
    return list(
        Escalation.objects.filter(ticket_id__in=ticket_ids, reason=Reason.SLA_BREACH, target=Target.FIRST_RESPONSE)
    )


def escalated_count(ticket_ids) -> int:
    escalations = Escalation.objects.filter(ticket_id__in=ticket_ids, reason=Reason.SLA_BREACH)
    return escalations.values("ticket").distinct().count()


def escalations_per_ticket(ticket_ids) -> Counter:
    """How many escalations each ticket got, of any reason; a ticket with none is absent."""
    return Counter(Escalation.objects.filter(ticket_id__in=ticket_ids).values_list("ticket_id", flat=True))


def delays_ms(escalations) -> list[float]:
    """For each escalation, the time from the breached target's due time to the escalation, in ms."""
    return sorted((e.created_at - e.due_at).total_seconds() * 1000 for e in escalations)




def log_count(log: Path, task: str, outcome: str = "succeeded") -> int:
    """How many runs of a task a worker's log reports (e.g. task="escalation.tasks.sweep_sla")."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return len(re.findall(re.escape(task) + r"\[[0-9a-f-]+\] " + outcome, text))


def worker_ready(log: Path) -> bool:
    return log.exists() and re.search(r" ready\.", log.read_text(errors="replace")) is not None


def more_sweeps_done(log: Path, count: int = 3):
    """A predicate, true once the worker has finished `count` more of beat's SLA sweeps than it has now."""
    seen = log_count(log, "escalation.tasks.sweep_sla")
    return lambda: log_count(log, "escalation.tasks.sweep_sla") >= seen + count


# --- the sweep's cost on a large table ----------------------------------------------------------


@dataclass(frozen=True)
class Population:
    """Who the bulk-loaded tickets belong to: created once, shared by every load."""

    team_id: int
    manager_id: int
    agent_ids: list[int]
    customer_ids: list[int]


def sweep_population(*, customers: int = 50, agents: int = 20) -> Population:
    from tests.factories import AgentFactory, CustomerFactory, ManagerFactory, TeamFactory

    manager = ManagerFactory(username="sweep-manager", expertise=["technical"])
    team = TeamFactory(name="Sweep", manager=manager, categories=["technical", "account", "other"])
    agent_ids = [AgentFactory(username=f"sweep-agent{n:02d}", team=team).pk for n in range(agents)]
    customer_ids = [CustomerFactory(username=f"sweep-customer{n:03d}").pk for n in range(customers)]
    return Population(team_id=team.pk, manager_id=manager.pk, agent_ids=agent_ids, customer_ids=customer_ids)


# Most loaded tickets are due far beyond the timer horizon (one hour to thirty days ahead), one in ten
# has nothing left to watch (NULL); all are open and at level 1, assigned round-robin.
_FAR_AHEAD_SECONDS = 3600
_SPREAD_SECONDS = 30 * 24 * 3600

_PG_BULK_INSERT = """
INSERT INTO tickets_ticket (
    subject, description, category, priority, status, level, customer_id, team_id, assignee_id,
    created_at, updated_at, first_response_due, sla_check_at, sla_alerts
)
SELECT 'Bulk ticket ' || n, 'Loaded by the SLA sweep benchmark.', 'technical', 'normal', 'open', 1,
       (%(customers)s::bigint[])[1 + n %% cardinality(%(customers)s::bigint[])], %(team)s,
       (%(agents)s::bigint[])[1 + n %% cardinality(%(agents)s::bigint[])],
       %(now)s, %(now)s, due, due, '{"first_response": "warned"}'::jsonb
FROM (
    SELECT n, CASE WHEN n %% 10 = 0 THEN NULL
                   ELSE %(now)s::timestamptz + make_interval(secs => %(ahead)s + (n * 7919) %% %(spread)s) END AS due
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS n
) AS numbered
"""


def bulk_load_open_tickets(count: int, *, population: Population, now: datetime | None = None) -> int:
    """Adds `count` open tickets; raw INSERT ... SELECT FROM generate_series on PostgreSQL, bulk_create elsewhere."""
    now = now or timezone.now()
    first = Ticket.objects.count() + 1  # only to vary subjects and due times between loads
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_PG_BULK_INSERT, {
                "customers": population.customer_ids, "agents": population.agent_ids, "team": population.team_id,
                "now": now, "ahead": _FAR_AHEAD_SECONDS, "spread": _SPREAD_SECONDS,
                "first": first, "last": first + count - 1,
            })
            loaded = cursor.rowcount
    else:
        rows = []
        for n in range(first, first + count):
            due = None if n % 10 == 0 else now + timedelta(seconds=_FAR_AHEAD_SECONDS + (n * 7919) % _SPREAD_SECONDS)
            rows.append(Ticket(
                subject=f"Bulk ticket {n}", description="Loaded by the SLA sweep benchmark.", category="technical",
                priority="normal", status=Status.OPEN, level=1,
                customer_id=population.customer_ids[n % len(population.customer_ids)], team_id=population.team_id,
                assignee_id=population.agent_ids[n % len(population.agent_ids)],
                first_response_due=due, sla_check_at=due, sla_alerts={Target.FIRST_RESPONSE: SlaAlert.WARNED},
            ))
        loaded = len(Ticket.objects.bulk_create(rows, batch_size=2000))
    refresh_statistics()
    return loaded


def refresh_statistics() -> None:
    """What autovacuum would do after a large load: fresh planner statistics (and a visibility map, outside
    a transaction, which an index-only scan needs)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            in_transaction = connection.in_atomic_block
            cursor.execute("ANALYZE tickets_ticket" if in_transaction else "VACUUM ANALYZE tickets_ticket")
        elif connection.vendor == "sqlite":
            cursor.execute("ANALYZE")


def idle_sweep_ms(passes: int) -> list[float]:
    """Milliseconds of each of `passes` sweeps that find nothing to do; fails if one did something."""
    timings = []
    for _ in range(passes):
        started = time.perf_counter()
        report = monitor.sla_sweep()
        timings.append((time.perf_counter() - started) * 1000)
        assert (report.tickets, report.acknowledgements, report.timers) == (0, 0, 0), f"not idle: {report}"
    return timings


def make_due(count: int, *, now: datetime | None = None) -> list[int]:
    """Makes `count` open level-1 tickets due now: first response missed a second ago (already warned)."""
    now = now or timezone.now()
    ids = list(
        Ticket.objects.filter(status=Status.OPEN, level=1, sla_check_at__isnull=False)
        .order_by("-id").values_list("pk", flat=True)[:count]
    )
    past = now - timedelta(seconds=1)
    Ticket.objects.filter(pk__in=ids).update(
        first_response_due=past, sla_check_at=past, sla_timer_at=None,
        sla_alerts={Target.FIRST_RESPONSE: SlaAlert.WARNED},
    )
    return ids


def timed_sweep() -> tuple[float, monitor.SweepReport]:
    started = time.perf_counter()
    report = monitor.sla_sweep()
    return (time.perf_counter() - started) * 1000, report


def probe_sql(now: datetime | None = None) -> tuple[str, tuple]:
    """The exact SQL (and parameters) of the monitor's probe, `monitor.due_tickets(now).exists()`."""
    now = now or timezone.now()
    captured = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        monitor.due_tickets(now).exists()
    assert len(captured) == 1, captured
    return captured[0]


def probe_plan(now: datetime | None = None, *, analyze: bool = True, force_index: bool = False) -> str:
    """The database's plan of the probe: EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite.

    force_index asks whether the index can serve the probe at all, whatever the table's size: PostgreSQL is
    told to avoid sequential and bitmap scans, SQLite is told `INDEXED BY ticket_sla_check_at` (an error,
    "no query solution", when it cannot use it).
    """
    sql, params = probe_sql(now)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if force_index:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(("EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN ") + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
        if connection.vendor == "sqlite":
            if force_index:
                sql = sql.replace('FROM "tickets_ticket"', 'FROM "tickets_ticket" INDEXED BY "ticket_sla_check_at"', 1)
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        raise NotImplementedError(connection.vendor)


def plan_uses_the_monitor_index(plan: str) -> bool:
    if connection.vendor == "postgresql":
        return bool(re.search(r"Index (Only )?Scan (Backward )?using ticket_sla_check_at\b", plan))
    return bool(re.search(r"USING (COVERING )?INDEX ticket_sla_check_at\b", plan))




@dataclass(frozen=True)
class SweepCost:
    size: int  # open tickets in the table
    idle_ms: list  # one per pass that found nothing
    due: int  # tickets made due for the timed pass
    due_ms: float  # the pass that escalated them
    report: monitor.SweepReport
    plan: str  # the probe's plan, nothing due

    @property
    def label(self) -> str:
        """10k, 1m, 250k: the suffix of the figures' names."""
        return size_label(self.size)

    @property
    def idle_median_ms(self) -> float:
        return median(self.idle_ms)


def measure_sweep_cost(sizes, *, due: int, passes: int, population: Population | None = None) -> list[SweepCost]:
    """For each size in turn (the table grows to it): idle passes, the probe's plan, then one pass with `due` due.

    The tickets escalated by a timed pass stay in the table (escalated, nothing left to watch)."""
    population = population or sweep_population()
    results = []
    for size in sizes:
        missing = size - Ticket.objects.count()
        if missing > 0:
            bulk_load_open_tickets(missing, population=population)
        idle = idle_sweep_ms(passes)
        plan = probe_plan()
        escalations_before = Escalation.objects.count()
        made_due = make_due(due)
        due_ms, report = timed_sweep()
        assert report.tickets == len(made_due), f"{report} for {len(made_due)} due"
        assert Escalation.objects.count() - escalations_before == len(made_due)
        results.append(SweepCost(size=size, idle_ms=idle, due=len(made_due), due_ms=due_ms, report=report, plan=plan))
    return results
