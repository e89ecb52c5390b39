"""Reading escalations and incidents: always through what the user may see."""

from django.db.models import Count, Q, QuerySet

from escalation.models import Escalation, Incident, IncidentStatus
from supportdesk.models import Role
from tickets.permissions import led_team_ids, sees_everything


def escalation_list_visible(*, user) -> QuerySet[Escalation]:
    escalations = Escalation.objects.select_related("ticket", "ticket__team", "owner", "acknowledged_by")
    if not user.is_authenticated or not user.is_active:
        return escalations.none()
    if sees_everything(user):
        return escalations
    if user.role == Role.MANAGER:
        return escalations.filter(Q(owner=user) | Q(ticket__team_id__in=led_team_ids(user)))
    return escalations.none()


def incident_list_visible(*, user) -> QuerySet[Incident]:
    """Staff see every incident; customers see the open ones (the banner) and those touching their tickets."""
    if not user.is_authenticated or not user.is_active:
        return Incident.objects.none()
    if user.is_support_staff:
        return Incident.objects.annotate(ticket_count=Count("tickets"))
    mine = Incident.objects.filter(tickets__customer=user).values("pk")
    return Incident.objects.filter(Q(status=IncidentStatus.OPEN) | Q(pk__in=mine))


def open_incidents():
    return Incident.objects.filter(status=IncidentStatus.OPEN).order_by("-started_at", "-id")
