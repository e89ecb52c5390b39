"""Reading users and teams."""

from django.db.models import Count, Q, QuerySet

from supportdesk.models import Role, Team, User
from tickets.models import ACTIVE_STATUSES, Status


def team_list_visible(*, user) -> QuerySet[Team]:
    """Managers see the teams they lead, agents their own, the head of support and administrators all."""
    teams = Team.objects.select_related("manager").order_by("name")
    if user.is_superuser or user.role in (Role.HEAD, Role.ADMIN):
        return teams
    if user.role == Role.MANAGER:
        return teams.filter(manager=user)
    if user.role == Role.AGENT and user.team_id:
        return teams.filter(pk=user.team_id)
    return teams.none()


def team_agents_with_load(*, team: Team) -> QuerySet[User]:
    """The team's agents with their active and escalated ticket counts, in one query."""
    return (
        User.objects.filter(team=team, role=Role.AGENT)
        .annotate(
            active_tickets=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=ACTIVE_STATUSES)),
            escalated_tickets_count=Count("assigned_tickets", filter=Q(assigned_tickets__status=Status.ESCALATED)),
        )
        .order_by("-is_active", "username")
    )
