"""Incidents: a fault that touches many customers, handled once instead of as many complaints.

The system opens one when INCIDENT_STALL_THRESHOLD invoices stall within
INCIDENT_STALL_WINDOW_MINUTES; managers may declare one by hand. Open incidents
collect the affected tickets, show customers a banner, and alert managers and
the head of support. Resolving one re-queues the stalled invoices, tells every
linked customer, and resolves or returns the linked tickets.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escalation import permissions
from escalation.models import Incident, IncidentStatus
from invoices import services as invoices
from invoices.models import Invoice, InvoiceStatus
from supportdesk import fsm
from tickets import services as tickets
from tickets.models import ACTIVE_STATUSES, EventKind, Status, Ticket

ACTIONS = {"resolve": gettext_lazy("resolve this incident")}


class IncidentRefused(fsm.TransitionRefused):
    def __init__(self, incident: Incident, transition: str, message: str = ""):
        super().__init__(incident, transition, message, actions=ACTIONS)


def open_incident() -> Incident | None:
    return Incident.objects.filter(status=IncidentStatus.OPEN).order_by("-started_at", "-id").first()


# --- opening --------------------------------------------------------------------------


def incident_for_stalls(*, now) -> Incident | None:
    """The open incident a new stall belongs to, opening one when the stalls of the window reach the threshold.

    Runs inside the stall's transaction; of two stalls racing, the unique
    constraint lets one open the incident and the other joins it.
    """
    current = open_incident()
    if current is not None:
        return current
    window_start = now - timedelta(minutes=settings.INCIDENT_STALL_WINDOW_MINUTES)
    stalls = Invoice.objects.filter(stalled=True, stalled_at__gte=window_start).count()
    if stalls < settings.INCIDENT_STALL_THRESHOLD:
        return None
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                title=_("Invoice issuance is delayed"),
                public_message=_(
                    "Some invoices are taking longer than usual to be issued. We are working on it; "
                    "your request is safe and will be issued as soon as this is fixed."
                ),
                eta=now + timedelta(minutes=settings.INCIDENT_DEFAULT_ETA_MINUTES),
                started_at=now,
                automatic=True,
            )
    except IntegrityError:
        return open_incident()
    _link_stalled_tickets(incident, since=window_start)
    _alert_managers_after_commit(incident, "opened")
    return incident


def _link_stalled_tickets(incident: Incident, *, since) -> None:
    affected = Ticket.objects.filter(
        status__in=ACTIVE_STATUSES, incident__isnull=True, invoice__stalled=True, invoice__stalled_at__gte=since
    )
    affected.update(incident=incident)


@transaction.atomic
def incident_declare(*, by, title: str, public_message: str, eta=None) -> Incident:
    if not permissions.may_run_incidents(by):
        raise PermissionDenied(_("Only managers and the head of support declare incidents."))
    _require({"title": title, "public_message": public_message})
    incident = Incident.objects.create(title=title.strip(), public_message=public_message.strip(), eta=eta, declared_by=by)
    _alert_managers_after_commit(incident, "opened")
    return incident


@transaction.atomic
def incident_update(*, incident: Incident, by, **changes) -> Incident:
    """Changes the public message or the ETA of an open incident."""
    if not permissions.may_run_incidents(by):
        raise PermissionDenied(_("Only managers and the head of support update incidents."))
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if locked.status != IncidentStatus.OPEN:
        raise IncidentRefused(locked, "update", _("This incident is resolved; declare a new one."))
    allowed = {key: value for key, value in changes.items() if key in ("title", "public_message", "eta")}
    _require({key: allowed[key] for key in ("title", "public_message") if key in allowed})
    for field, value in allowed.items():
        setattr(locked, field, value.strip() if isinstance(value, str) else value)
    locked.save()
    return locked


# --- resolving --------------------------------------------------------------------------


@transaction.atomic
def incident_resolve(*, incident: Incident, by, public_message: str = "") -> Incident:
    if not permissions.may_run_incidents(by):
        raise PermissionDenied(_("Only managers and the head of support resolve incidents."))
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if locked.status != IncidentStatus.OPEN:
        raise IncidentRefused(locked, "resolve")
    now = timezone.now()
    message = (public_message or "").strip() or _("The problem is fixed; delayed invoices are being issued now.")
    locked.status, locked.resolved_at, locked.resolved_by, locked.resolution = IncidentStatus.RESOLVED, now, by, message
    locked.save()
    _requeue_stalled_invoices(by=by)
    for ticket in locked.tickets.filter(status__in=ACTIVE_STATUSES).select_related("invoice").order_by("id"):
        _settle(ticket, message=message)
    _alert_managers_after_commit(locked, "resolved")
    return locked


def _requeue_stalled_invoices(*, by) -> None:
    stuck = Invoice.objects.filter(stalled=True, status__in=[InvoiceStatus.QUEUED, InvoiceStatus.ISSUING])
    failed_of_linked = Invoice.objects.filter(status=InvoiceStatus.FAILED, tickets__incident__isnull=False).distinct()
    for invoice in [*stuck, *failed_of_linked]:
        invoices.invoice_requeue(invoice=invoice, by=by)


def _settle(ticket: Ticket, *, message: str) -> None:
    """Tells the customer, then closes the loop: resolved when the invoice is out, back to the agent otherwise."""
    tickets.ticket_log(ticket=ticket, kind=EventKind.NOTICE, detail=message, public=True)
    ticket.refresh_from_db()
    if ticket.invoice_id and ticket.invoice.status == InvoiceStatus.ISSUED and ticket.status in (Status.OPEN, Status.ESCALATED):
        tickets.ticket_resolve(ticket=ticket, resolution=message, by=None)
    elif ticket.status == Status.ESCALATED and ticket.assignee_id:
        tickets.ticket_return_to_agent(
            ticket=ticket, by=None,
            guidance=_("The incident is resolved and the invoice is back in line. Confirm with the customer once it is issued."),
        )


def _alert_managers_after_commit(incident: Incident, what: str) -> None:
    from escalation.tasks import alert_about_incident

    transaction.on_commit(lambda: alert_about_incident.delay(incident.pk, what))


def _require(values: dict) -> None:
    errors = {field: [_("This field may not be blank.")] for field, value in values.items() if not (value or "").strip()}
    if errors:
        raise ValidationError(errors)
