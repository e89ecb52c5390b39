"""Managers and the head of support hear about incidents; each person once per incident and change."""

from django.urls import reverse
from django.utils.translation import gettext as _

from escalation.models import Incident
from supportdesk.models import Role, User
from supportdesk.notifications import Delivery, deliver_once


def alert_about_incident(incident_id: int, what: str) -> int:
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        return 0
    if what == "opened":
        subject = _("Incident opened: %(title)s") % {"title": incident.title}
        body = incident.public_message
    else:
        subject = _("Incident resolved: %(title)s") % {"title": incident.title}
        body = incident.resolution or incident.public_message
    url = reverse("incident-page", args=[incident.pk])
    recipients = User.objects.filter(role__in=[Role.MANAGER, Role.HEAD], is_active=True).order_by("id")
    return sum(
        deliver_once(Delivery(recipient=user, subject=subject, body=body, url=url), source_key=f"incident:{incident.pk}:{what}")
        for user in recipients
    )
