"""Who a ticket goes to: the owning team, its least-loaded agent, the next level up."""

from django.db.models import Count, Q

from supportdesk.models import Role, Team, User
from tickets.models import ACTIVE_STATUSES, Level, Status


def team_for_category(category: str) -> Team | None:
    # A handful of teams: reading them all is one small query and keeps the
    # ownership list portable across SQLite and PostgreSQL JSON support.
    for team in Team.objects.all():
        if category in team.categories:
            return team
    return None


def least_loaded_agent(team: Team) -> User | None:
    """The active agent of the team with the fewest active tickets; ties go to the longest-serving."""
    return (
        User.objects.filter(team=team, role=Role.AGENT, is_active=True)
        .annotate(load=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=ACTIVE_STATUSES)))
        .order_by("load", "id")
        .first()
    )


def escalation_owner(ticket, *, level: int) -> User | None:
    """Who holds the ticket at the given level: the team's manager, then the least-loaded head of support."""
    if level == Level.MANAGER and ticket.team_id and ticket.team.manager_id:
        manager = ticket.team.manager
        if manager.is_active:
            return manager
    role = Role.MANAGER if level == Level.MANAGER else Role.HEAD
    return (
        User.objects.filter(role=role, is_active=True)
        .annotate(load=Count("escalated_tickets", filter=Q(escalated_tickets__status=Status.ESCALATED)))
        .order_by("load", "id")
        .first()
    )
