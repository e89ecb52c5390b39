"""A team's SLA picture for its manager: who is breaching now, and how often the team kept its promises.

Everything here reads a fixed number of queries, whatever the number of
agents and tickets: compliance is annotated on the team query itself, the
breaches of every agent come from one query over the due columns, and the
day-by-day series of the chart is one aggregate query grouped by day.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce, RowNumber, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from escalation.models import Escalation, Reason, Target
from supportdesk import selectors
from supportdesk.models import Team, User
from tickets.models import SLA_DUE_FIELDS, SLA_RUNNING_STATUSES, EventKind, Ticket, TicketEvent

COMPLIANCE_WINDOWS_DAYS = (7, 30)
BREACHES_SHOWN_PER_AGENT = 5


# --- compliance over a window ------------------------------------------------------------


def share_without_breach(total: int, breached: int) -> int | None:
    """Percent of tickets that never breached, rounded down so that one breach in a thousand never reads
    as 100%; None without tickets (not 0%, not 100%)."""
    if not total:
        return None
    return (total - breached) * 100 // total


@dataclass(frozen=True)
class Compliance:
    """Of the team's tickets created in the last `days`, how many never breached an SLA target."""

    days: int
    total: int
    breached: int

    @property
    def percent(self) -> int | None:
        return share_without_breach(self.total, self.breached)

    @property
    def period(self) -> str:
        return _("Last %(days)d days") % {"days": self.days}

    @property
    def summary(self) -> str:
        if not self.total:
            return _("No tickets were created in this period.")
        return ngettext(
            "%(percent)d%% — %(breached)d of %(total)d ticket breached",
            "%(percent)d%% — %(breached)d of %(total)d tickets breached",
            self.total,
        ) % {"percent": self.percent, "breached": self.breached, "total": self.total}


def breached_ever() -> Q:
    """A ticket that breached a target: escalated for it, or (at the top level) logged as breached."""
    escalated = Escalation.objects.filter(ticket=OuterRef("pk"), reason=Reason.SLA_BREACH)
    logged = TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=EventKind.SLA_BREACHED)
    return Q(Exists(escalated)) | Q(Exists(logged))


def _annotation(window_days: int, *, breached: bool) -> str:
    return f"sla_{'breached' if breached else 'created'}_{window_days}d"


def with_sla_compliance(teams: QuerySet[Team], *, now: datetime) -> QuerySet[Team]:
    """Annotates each team with its tickets created, and those that breached, in every window: no extra query."""
    annotations = {}
    for days in COMPLIANCE_WINDOWS_DAYS:
        since = now - timedelta(days=days)
        created = Ticket.objects.filter(team=OuterRef("pk"), created_at__gt=since, created_at__lte=now)
        annotations[_annotation(days, breached=False)] = _count(created)
        annotations[_annotation(days, breached=True)] = _count(created.filter(breached_ever()))
    return teams.annotate(**annotations)


def team_compliance(team: Team) -> list[Compliance]:
    """The figures of a team annotated by `with_sla_compliance`, shortest window first."""
    return [
        Compliance(
            days=days,
            total=getattr(team, _annotation(days, breached=False)),
            breached=getattr(team, _annotation(days, breached=True)),
        )
        for days in COMPLIANCE_WINDOWS_DAYS
    ]


def _count(tickets: QuerySet[Ticket]) -> Coalesce:
    per_team = tickets.order_by().values("team").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(per_team, output_field=IntegerField()), Value(0))


# --- what each agent is breaching now -------------------------------------------------------


@dataclass(frozen=True)
class Breach:
    ticket: Ticket
    targets: list[str]  # the targets' names, as people read them

    @property
    def targets_text(self) -> str:
        return ", ".join(self.targets)


@dataclass
class AgentRow:
    agent: User  # annotated with active_tickets and escalated_tickets_count
    breaches: list[Breach] = field(default_factory=list)  # the first ones: the page lists no more
    breach_total: int = 0  # how many there are in all

    @property
    def breaches_shown(self) -> list[Breach]:
        return self.breaches[:BREACHES_SHOWN_PER_AGENT]

    @property
    def breaches_not_shown(self) -> int:
        return max(0, max(self.breach_total, len(self.breaches)) - len(self.breaches_shown))


def team_agent_rows(*, team: Team, now: datetime) -> list[AgentRow]:
    """Each agent of the team with their load and the tickets past a target now: two queries.

    Only the first breaches of each agent are read, with how many there are in all, so the page stays the same
    size however many tickets breach.
    """
    agents = list(selectors.team_agents_with_load(team=team))
    breaches: dict[int, list[Breach]] = defaultdict(list)
    totals: dict[int, int] = {}
    per_agent = Window(Count("id"), partition_by=[F("assignee_id")])
    rank = Window(RowNumber(), partition_by=[F("assignee_id")], order_by=[F("id").asc()])
    first_ones = (
        breaching_tickets(agent_ids=[agent.pk for agent in agents], now=now)
        .annotate(breach_rank=rank, breach_total=per_agent)
        .filter(breach_rank__lte=BREACHES_SHOWN_PER_AGENT)
    )
    for ticket in first_ones:
        targets = [str(Target(target).label) for target in ticket.breached_targets(now)]
        breaches[ticket.assignee_id].append(Breach(ticket=ticket, targets=targets))
        totals[ticket.assignee_id] = ticket.breach_total
    return [
        AgentRow(agent=agent, breaches=breaches.get(agent.pk, []), breach_total=totals.get(agent.pk, 0))
        for agent in agents
    ]


def breaching_tickets(*, agent_ids: list[int], now: datetime) -> QuerySet[Ticket]:
    """Tickets of these agents with a target past due while the clock runs (what `Ticket.breached_targets` says)."""
    past_due = Q()
    for due in SLA_DUE_FIELDS:
        past_due |= Q(**{f"{due}__lte": now})
    return (
        Ticket.objects.filter(assignee_id__in=agent_ids, status__in=SLA_RUNNING_STATUSES, sla_paused_at__isnull=True)
        .filter(past_due)
        .only("id", "subject", "status", "level", "assignee_id", "sla_paused_at", *SLA_DUE_FIELDS)
        .order_by("assignee_id", "id")
    )


# --- compliance day by day, for the team page's chart ---------------------------------------

CHART_DAYS = max(COMPLIANCE_WINDOWS_DAYS)


@dataclass(frozen=True)
class DailyCompliance:
    """Of the team's tickets created on `day` (in the current time zone), how many never breached."""

    day: date
    total: int
    breached: int

    @property
    def percent(self) -> int | None:
        return share_without_breach(self.total, self.breached)


def team_daily_compliance(*, team: Team, now: datetime, days: int = CHART_DAYS) -> list[DailyCompliance]:
    """The last `days` days, today last, every day present: one aggregate query whatever the number of tickets.

    Days are calendar days in the current time zone, so that a manager in Shanghai
    reads her own days; today counts the tickets created so far.
    """
    zone = timezone.get_current_timezone()
    today = timezone.localdate(now, zone)
    first_day = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(first_day, time.min), zone)
    rows = (
        Ticket.objects.filter(team=team, created_at__gte=since, created_at__lte=now)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(total=Count("pk"), breached=Count("pk", filter=breached_ever()))
    )
    per_day = {row["day"]: row for row in rows}
    series = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        row = per_day.get(day, {"total": 0, "breached": 0})
        series.append(DailyCompliance(day=day, total=row["total"], breached=row["breached"]))
    return series
