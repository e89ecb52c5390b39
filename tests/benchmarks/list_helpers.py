"""Shared pieces of the list benchmarks (tests/benchmarks/test_lists.py): a large helpdesk, loaded fast, and the
timing of a page through Django's test client.

tests/bench_smoke/test_list_bench.py runs them with a few dozen tickets in the normal suite, on whichever database
is active, so that this code cannot rot.

The loaded helpdesk looks like a year of work: most tickets closed or resolved, about a third still active, each
with two messages (the customer's, then the agent's answer) and three events (created, assigned, and a reply or the
closing); two teams share the tickets, so the measured agent's team holds half of them.
"""

import statistics
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.benchmarks.stats import percentile, size_label  # noqa: F401 - size_label for test_lists
from tickets.models import EventKind, Level, Status, Ticket, TicketEvent, TicketMessage


@dataclass(frozen=True)
class Helpdesk:
    """Who the loaded tickets belong to: created once, shared by every load. The measured agent is agent_ids[0]."""

    team_ids: list[int]
    manager_ids: list[int]  # one per team, same order
    agent_ids: list[int]  # team-major: the agents of team_ids[0], then those of team_ids[1]...
    agents_per_team: int
    customer_ids: list[int]

    @property
    def agent_id(self) -> int:
        return self.agent_ids[0]


def helpdesk_population(*, teams: int = 2, agents_per_team: int = 10, customers: int = 200) -> Helpdesk:
    from tests.factories import AgentFactory, CustomerFactory, ManagerFactory, TeamFactory

    team_ids, manager_ids, agent_ids = [], [], []
    for t in range(teams):
        manager = ManagerFactory(username=f"list-manager{t}", expertise=["technical", "billing"])
        team = TeamFactory(name=f"List team {t}", manager=manager, categories=["technical", "billing", "other"])
        team_ids.append(team.pk)
        manager_ids.append(manager.pk)
        agent_ids += [AgentFactory(username=f"list-agent{t}-{a:02d}", team=team).pk for a in range(agents_per_team)]
    customer_ids = [CustomerFactory(username=f"list-customer{c:04d}").pk for c in range(customers)]
    return Helpdesk(team_ids=team_ids, manager_ids=manager_ids, agent_ids=agent_ids,
                    agents_per_team=agents_per_team, customer_ids=customer_ids)


# --- the shape of ticket number n, written once in SQL and once in Python ---------------------------------------
#
# bucket = n % 100: 0-59 closed, 60-69 resolved, 70-87 open, 88-92 waiting on the customer, 93-95 escalated,
# 96-99 new (unassigned). Ticket n belongs to team n % teams and, unless new or one in seven of the open ones,
# to agent (n / teams) % agents_per_team of that team. Created 30 s apart, the last one now.

SPACING_SECONDS = 30


def _status(n: int) -> str:
    bucket = n % 100
    if bucket < 60:
        return Status.CLOSED
    if bucket < 70:
        return Status.RESOLVED
    if bucket < 88:
        return Status.OPEN
    if bucket < 93:
        return Status.WAITING_ON_CUSTOMER
    if bucket < 96:
        return Status.ESCALATED
    return Status.NEW


_PG_TICKETS = """
INSERT INTO tickets_ticket (
    subject, description, category, priority, status, level, customer_id, team_id, assignee_id, escalated_to_id,
    created_at, updated_at, first_responded_at, first_response_due, next_update_due, resolution_due, sla_paused_at,
    sla_check_at, sla_alerts, sla_timer_at, resolved_at, closed_at
)
SELECT 'Loaded ticket ' || n, 'A question loaded by the list benchmark, number ' || n || '.',
       (ARRAY['technical', 'billing', 'other'])[1 + n %% 3], (ARRAY['low', 'normal', 'normal', 'high'])[1 + n %% 4],
       status, CASE WHEN status = 'escalated' THEN 2 ELSE 1 END,
       (%(customers)s::bigint[])[1 + n %% cardinality(%(customers)s::bigint[])],
       (%(teams)s::bigint[])[1 + team],
       CASE WHEN status = 'new' OR (status = 'open' AND n %% 7 = 0) THEN NULL
            ELSE (%(agents)s::bigint[])[1 + team * %(per_team)s + (n / %(team_count)s) %% %(per_team)s] END,
       CASE WHEN status = 'escalated' THEN (%(managers)s::bigint[])[1 + team] END,
       created, created + make_interval(secs => (n * 7919) %% 86400),
       CASE WHEN status <> 'new' THEN created + interval '1 hour' END,
       CASE WHEN status = 'new' THEN %(now)s::timestamptz + make_interval(secs => (n * 7919) %% 172800 - 43200) END,
       CASE WHEN status IN ('open', 'escalated')
            THEN %(now)s::timestamptz + make_interval(secs => (n * 104729) %% 172800 - 21600) END,
       CASE WHEN status IN ('open', 'escalated')
            THEN %(now)s::timestamptz + make_interval(secs => (n * 7919) %% 604800 - 86400) END,
       CASE WHEN status = 'waiting_on_customer' THEN created + interval '2 hours' END,
       NULL, '{}'::jsonb, NULL,
       CASE WHEN status IN ('resolved', 'closed') THEN created + interval '2 days' END,
       CASE WHEN status = 'closed' THEN created + interval '5 days' END
FROM (
    SELECT n, n %% %(team_count)s AS team,
           %(now)s::timestamptz - make_interval(secs => (%(last)s - n) * %(spacing)s) AS created,
           CASE WHEN n %% 100 < 60 THEN 'closed' WHEN n %% 100 < 70 THEN 'resolved' WHEN n %% 100 < 88 THEN 'open'
                WHEN n %% 100 < 93 THEN 'waiting_on_customer' WHEN n %% 100 < 96 THEN 'escalated'
                ELSE 'new' END AS status
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS n
) AS numbered
"""

# Two messages a ticket: the customer's question, then the answer of the assignee (or of the team's first agent).
_PG_MESSAGES = """
INSERT INTO tickets_ticketmessage (ticket_id, author_id, body, internal, created_at)
SELECT t.id, CASE WHEN m = 0 THEN t.customer_id ELSE coalesce(t.assignee_id, %(agent)s) END,
       CASE WHEN m = 0 THEN t.description ELSE 'Thank you, we are looking into it.' END,
       false, t.created_at + make_interval(mins => 30 * m)
FROM tickets_ticket t CROSS JOIN generate_series(0, 1) AS m
WHERE t.id > %(after)s
"""

# Three events a ticket: created, assigned (or acknowledged by the system for new ones), then the reply, or the
# closing for finished tickets.
_PG_EVENTS = """
INSERT INTO tickets_ticketevent (ticket_id, at, actor_id, kind, from_status, to_status, detail, public, message_id)
SELECT t.id, t.created_at + make_interval(mins => 20 * e),
       CASE WHEN e = 0 THEN t.customer_id ELSE t.assignee_id END,
       CASE WHEN e = 0 THEN 'created' WHEN e = 1 THEN 'assigned'
            WHEN t.status IN ('resolved', 'closed') THEN t.status ELSE 'reply' END,
       CASE WHEN e = 1 THEN 'new' WHEN e = 2 AND t.status IN ('resolved', 'closed') THEN 'open' ELSE '' END,
       CASE WHEN e = 0 THEN 'new' WHEN e = 1 THEN 'open'
            WHEN e = 2 AND t.status IN ('resolved', 'closed') THEN t.status ELSE '' END,
       '', true, NULL
FROM tickets_ticket t CROSS JOIN generate_series(0, 2) AS e
WHERE t.id > %(after)s
"""


def bulk_load_tickets(count: int, *, helpdesk: Helpdesk, now: datetime | None = None) -> int:
    """Adds `count` tickets with their messages and events: INSERT ... SELECT FROM generate_series on PostgreSQL,
    bulk_create elsewhere. Numbers continue from the tickets already there, so loads can grow a table."""
    now = now or timezone.now()
    first = Ticket.objects.count() + 1
    last = first + count - 1
    after = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_PG_TICKETS, {
                "customers": helpdesk.customer_ids, "teams": helpdesk.team_ids, "team_count": len(helpdesk.team_ids),
                "agents": helpdesk.agent_ids, "per_team": helpdesk.agents_per_team, "managers": helpdesk.manager_ids,
                "now": now, "first": first, "last": last, "spacing": SPACING_SECONDS,
            })
            loaded = cursor.rowcount
            cursor.execute(_PG_MESSAGES, {"after": after, "agent": helpdesk.agent_id})
            cursor.execute(_PG_EVENTS, {"after": after})
    else:
        loaded = _load_with_the_orm(first, last, helpdesk=helpdesk, now=now, after=after)
    refresh_statistics()
    return loaded


def _load_with_the_orm(first: int, last: int, *, helpdesk: Helpdesk, now: datetime, after: int) -> int:
    teams = len(helpdesk.team_ids)
    rows = []
    for n in range(first, last + 1):
        status, team = _status(n), n % teams
        created = now - timedelta(seconds=(last - n) * SPACING_SECONDS)
        unassigned = status == Status.NEW or (status == Status.OPEN and n % 7 == 0)
        running = status in (Status.OPEN, Status.ESCALATED)
        rows.append(Ticket(
            subject=f"Loaded ticket {n}", description=f"A question loaded by the list benchmark, number {n}.",
            category=("technical", "billing", "other")[n % 3], priority=("low", "normal", "normal", "high")[n % 4],
            status=status, level=Level.MANAGER if status == Status.ESCALATED else Level.AGENT,
            customer_id=helpdesk.customer_ids[n % len(helpdesk.customer_ids)], team_id=helpdesk.team_ids[team],
            assignee_id=None if unassigned else
            helpdesk.agent_ids[team * helpdesk.agents_per_team + (n // teams) % helpdesk.agents_per_team],
            escalated_to_id=helpdesk.manager_ids[team] if status == Status.ESCALATED else None,
            first_responded_at=created + timedelta(hours=1) if status != Status.NEW else None,
            first_response_due=now + timedelta(seconds=(n * 7919) % 172800 - 43200) if status == Status.NEW else None,
            next_update_due=now + timedelta(seconds=(n * 104729) % 172800 - 21600) if running else None,
            resolution_due=now + timedelta(seconds=(n * 7919) % 604800 - 86400) if running else None,
            sla_paused_at=created + timedelta(hours=2) if status == Status.WAITING_ON_CUSTOMER else None,
            resolved_at=created + timedelta(days=2) if status in (Status.RESOLVED, Status.CLOSED) else None,
            closed_at=created + timedelta(days=5) if status == Status.CLOSED else None,
        ))
        rows[-1]._created, rows[-1]._updated = created, created + timedelta(seconds=(n * 7919) % 86400)
    Ticket.objects.bulk_create(rows, batch_size=1000)
    # auto_now_add and auto_now overwrite the times given to the constructor: set them afterwards.
    tickets = list(Ticket.objects.filter(pk__gt=after).order_by("pk"))
    for ticket, row in zip(tickets, rows, strict=True):
        ticket.created_at, ticket.updated_at = row._created, row._updated
    Ticket.objects.bulk_update(tickets, ["created_at", "updated_at"], batch_size=1000)
    messages, events = [], []
    for t in tickets:
        finished = t.status in (Status.RESOLVED, Status.CLOSED)
        for m in range(2):
            messages.append(TicketMessage(ticket=t, author_id=t.customer_id if m == 0 else t.assignee_id or
                                          helpdesk.agent_id, body=t.description if m == 0 else
                                          "Thank you, we are looking into it.", internal=False))
        events += [
            TicketEvent(ticket=t, at=t.created_at, actor_id=t.customer_id, kind=EventKind.CREATED, to_status="new"),
            TicketEvent(ticket=t, at=t.created_at + timedelta(minutes=20), actor_id=t.assignee_id,
                        kind=EventKind.ASSIGNED, from_status="new", to_status="open"),
            TicketEvent(ticket=t, at=t.created_at + timedelta(minutes=40), actor_id=t.assignee_id,
                        kind=t.status if finished else EventKind.REPLY, from_status="open" if finished else "",
                        to_status=t.status if finished else ""),
        ]
    TicketMessage.objects.bulk_create(messages, batch_size=1000)
    TicketEvent.objects.bulk_create(events, batch_size=1000)
    return len(tickets)


def refresh_statistics() -> None:
    """Fresh planner statistics after a large load, as autovacuum would give them (and a visibility map, outside a
    transaction, which index-only scans need)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            for table in ("tickets_ticket", "tickets_ticketmessage", "tickets_ticketevent"):
                cursor.execute(f"{command} {table}")
        elif connection.vendor == "sqlite":
            cursor.execute("ANALYZE")


# --- timing pages -------------------------------------------------------------------------------------------------




@dataclass
class PageTiming:
    url: str
    timings_ms: list[float] = field(default_factory=list)
    queries: int = 0
    sql: list[tuple[float, str]] = field(default_factory=list)  # (seconds, SQL) of the counted request

    @property
    def median_ms(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def p95_ms(self) -> float:
        return percentile(self.timings_ms, 0.95)


@contextmanager
def templates_rendered_as_in_production():
    """Under the test runner every template render sends a signal that the test client answers by copying the
    whole context, once per included template too (a queue row's SLA badge): a cost that only tests pay. Inside
    this block templates render as they do in production."""
    from django.template import Template
    from django.test.utils import _TestState

    original = getattr(getattr(_TestState, "saved_data", None), "template_render", None)
    if original is None:  # not under the test runner
        yield
        return
    instrumented, Template._render = Template._render, original
    try:
        yield
    finally:
        Template._render = instrumented


def time_page(client, url: str, *, runs: int = 30, warmups: int = 3, check=None, **headers) -> PageTiming:
    """`runs` timed GETs of `url` after `warmups` untimed ones, and the queries of one more, counted.

    Every answer must be a 200; `check(response)` may look further (e.g. that the page has rows)."""
    timing = PageTiming(url)
    with templates_rendered_as_in_production():
        _time_page(client, timing, runs=runs, warmups=warmups, check=check, **headers)
    return timing


def _time_page(client, timing: PageTiming, *, runs: int, warmups: int, check, **headers) -> None:
    url = timing.url
    for n in range(warmups + runs + 1):
        counting = n == warmups + runs
        with CaptureQueriesContext(connection) if counting else nullcontext() as captured:
            started = time.perf_counter()
            response = client.get(url, **headers)
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        if check is not None:
            check(response)
        if counting:
            timing.queries = len(captured.captured_queries)
            timing.sql = [(float(q["time"]), q["sql"]) for q in captured.captured_queries]
        elif n >= warmups:
            timing.timings_ms.append(elapsed)




def explain(sql: str) -> str:
    """The plan of one captured query, run: EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())

