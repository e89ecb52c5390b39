"""Who a ticket goes to: the owning team, its least-loaded agent, the next level up."""

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from supportdesk.models import Area, Role, Team, User
from tickets.models import ACTIVE_STATUSES, Category, Level, Status, Ticket


def team_for_category(category: str) -> Team | None:
    # A handful of teams: reading them all is one small query and keeps the
    # ownership list portable across SQLite and PostgreSQL JSON support.
    for team in Team.objects.all():
        if category in team.categories:
            return team
    return None


def least_loaded_agent(team: Team) -> User | None:
    """The active agent of the team with the fewest active tickets; ties go to the longest-serving.

    Runs on every new ticket: each agent's load is a COUNT(*) that the index on (assignee, status) answers
    alone (an index-only scan), where a join counting ticket ids read every active ticket's row."""
    active = (
        Ticket.objects.filter(assignee=OuterRef("pk"), status__in=ACTIVE_STATUSES)
        .order_by().values("assignee").annotate(n=Count("*")).values("n")
    )
    return (
        User.objects.filter(team=team, role=Role.AGENT, is_active=True)
        .annotate(load=Coalesce(Subquery(active), 0))
        .order_by("load", "id")
        .first()
    )


def escalation_owner(ticket, *, level: int) -> User | None:
    """Who holds the ticket at the given level.

    Level 2 is a manager. An invoice ticket goes to the manager with invoice
    expertise who holds the fewest escalated tickets (the team's own manager
    wins a tie). Any other ticket goes to its team's manager; a team without one
    falls back to the least-loaded manager who knows the category, then to any
    manager. Level 3 is the least-loaded head of support.
    """
    if level == Level.MANAGER:
        team_manager_id = ticket.team.manager_id if ticket.team_id else None
        managers = sorted(
            _by_escalation_load(User.objects.filter(role=Role.MANAGER, is_active=True)),
            key=lambda m: (m.load, m.pk != team_manager_id, m.pk),
        )
        if needs_invoice_expertise(ticket):
            experts = [m for m in managers if m.has_expertise(Area.INVOICE)]
            if experts:
                return experts[0]
        own = [m for m in managers if m.pk == team_manager_id]
        experts = [m for m in managers if m.has_expertise(ticket.category)]
        return (own or experts or managers or [None])[0]
    return _by_escalation_load(User.objects.filter(role=Role.HEAD, is_active=True)).order_by("load", "id").first()


def needs_invoice_expertise(ticket) -> bool:
    return ticket.category == Category.INVOICE or ticket.invoice_id is not None


def _by_escalation_load(users):
    return users.annotate(load=Count("escalated_tickets", filter=Q(escalated_tickets__status=Status.ESCALATED)))
