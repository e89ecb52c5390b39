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
    """Who holds the ticket at the given level.

    Level 2 is the team's manager; a team without one falls back to the
    least-loaded manager who declares the ticket's category as expertise, then
    to any manager. Level 3 is the least-loaded head of support.
    """
    if level == Level.MANAGER:
        manager = ticket.team.manager if ticket.team_id else None
        if manager is not None and manager.is_active:
            return manager
        managers = list(_by_escalation_load(User.objects.filter(role=Role.MANAGER, is_active=True)))
        experts = [m for m in managers if m.has_expertise(ticket.category)]
        return (experts or managers or [None])[0]
    return _by_escalation_load(User.objects.filter(role=Role.HEAD, is_active=True)).first()


def _by_escalation_load(users):
    return users.annotate(
        load=Count("escalated_tickets", filter=Q(escalated_tickets__status=Status.ESCALATED))
    ).order_by("load", "id")
