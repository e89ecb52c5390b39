from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from escalation import compliance
from supportdesk import selectors
from supportdesk.models import Role


@login_required
def home(request):
    """Each role starts where its work is."""
    if request.user.is_support_staff:
        return redirect("agent-queue")
    return redirect("customer-home")


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
    now = timezone.now()
    teams = compliance.with_sla_compliance(selectors.team_list_visible(user=request.user), now=now)
    team = get_object_or_404(teams, pk=pk)
    agent_rows = compliance.team_agent_rows(team=team, now=now)
    active_agents = sum(1 for row in agent_rows if row.agent.is_active)
    context = {
        "team": team,
        "agent_rows": agent_rows,
        "compliance": compliance.team_compliance(team),
        "active_agents": active_agents,
        "limit": settings.TEAM_RECOMMENDED_MAX_AGENTS,
        "over_capacity": active_agents > settings.TEAM_RECOMMENDED_MAX_AGENTS,
    }
    return render(request, "supportdesk/team_detail.html", context)
