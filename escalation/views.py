"""The manager's pages: escalation queue, incidents, team SLA compliance (being built)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from escalation import permissions, selectors


@login_required
def incident_detail(request, pk: int):
    if not permissions.may_run_incidents(request.user):
        raise Http404
    incident = selectors.incident_list_visible(user=request.user).filter(pk=pk).first()
    if incident is None:
        raise Http404
    return render(request, "escalation/incident_detail.html", {"incident": incident})
