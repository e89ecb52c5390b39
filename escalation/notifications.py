"""Managers and the head of support hear about incidents; each person once per incident and change.

Subjects and bodies are callables, built by `deliver_once` in each
recipient's language and time zone.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from escalation.models import Incident
from supportdesk.models import Role, User
from supportdesk.notifications import Delivery, deliver_once, moment


def alert_about_incident(incident_id: int, what: str) -> int:
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        return 0

    def subject():
        if what == "opened":
            return _("Incident opened: %(title)s") % {"title": incident.title}
        return _("Incident resolved: %(title)s") % {"title": incident.title}

    def body():
        if what == "opened":
            when = _("Started: %(at)s") % {"at": moment(incident.started_at)}
            if incident.eta:
                when += "\n" + _("Expected fix: %(at)s") % {"at": moment(incident.eta)}
            return f"{incident.public_message}\n\n{when}"
        text = incident.resolution or incident.public_message
        return f"{text}\n\n" + _("Resolved: %(at)s") % {"at": moment(incident.resolved_at or timezone.now())}

    url = reverse("incident-page", args=[incident.pk])
    recipients = User.objects.filter(role__in=[Role.MANAGER, Role.HEAD], is_active=True).order_by("id")
    return sum(
        deliver_once(Delivery(recipient=user, subject=subject, body=body, url=url), source_key=f"incident:{incident.pk}:{what}")
        for user in recipients
    )
