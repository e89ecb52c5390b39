from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from supportdesk import selectors
from supportdesk.models import Role


@login_required
def home(request):
    """Each role starts where its work is."""
    if request.user.is_support_staff:
        return redirect("agent-queue")
    return redirect("customer-tickets")


@login_required
def team_list(request):
    if not request.user.is_support_staff:
        raise Http404
    teams = selectors.team_list_visible(user=request.user).annotate(
        agent_total=Count("members", filter=Q(members__role=Role.AGENT, members__is_active=True))
    )
    return render(request, "supportdesk/team_list.html", {"teams": teams, "limit": settings.TEAM_RECOMMENDED_MAX_AGENTS})


@login_required
def team_detail(request, pk):
    team = get_object_or_404(selectors.team_list_visible(user=request.user), pk=pk)
    agents = list(selectors.team_agents_with_load(team=team))
    active_agents = sum(1 for agent in agents if agent.is_active)
    context = {
        "team": team,
        "agents": agents,
        "active_agents": active_agents,
        "limit": settings.TEAM_RECOMMENDED_MAX_AGENTS,
        "over_capacity": active_agents > settings.TEAM_RECOMMENDED_MAX_AGENTS,
    }
    return render(request, "supportdesk/team_detail.html", context)
