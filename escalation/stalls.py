"""An invoice that misses its stage target becomes a manager's problem at once.

`invoices` flags the stall and sends `invoice_stalled` inside its transaction;
here, in that same transaction, the customer's ticket about the invoice is
found or opened, escalated straight to a manager with invoice expertise, and
joined to the incident when several invoices stall together. If anything
fails, the flag rolls back with it and the next sweep tries again.
"""

from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from escalation import incidents
from escalation.models import Reason, Target
from invoices.explanations import explain, money
from invoices.models import Invoice, InvoiceStatus
from invoices.signals import invoice_stalled
from tickets import services as tickets
from tickets.models import ACTIVE_STATUSES, Category, EventKind, Level, Status, Ticket


@receiver(invoice_stalled, dispatch_uid="escalation.stalls")
def escalate_the_stall(sender, invoice_id: int, **kwargs) -> None:
    invoice = Invoice.objects.select_related("customer").get(pk=invoice_id)
    now = timezone.now()
    ticket = _ticket_about(invoice)
    if ticket.status == Status.WAITING_ON_CUSTOMER:
        tickets.ticket_resume(ticket=ticket, by=None, detail=_("The invoice stalled: this is ours to solve, not the customer's."))
    ticket.refresh_from_db()
    reason = _("Invoice %(ref)s missed its %(stage)s target. %(explanation)s") % {
        "ref": invoice.reference, "stage": _stage_target(invoice).label, "explanation": explain(invoice, now=now, for_customer=False),
    }
    if ticket.level == Level.AGENT:
        tickets.ticket_escalate(
            ticket=ticket, reason=reason, by=None, cause=Reason.INVOICE_STALL, target=_stage_target(invoice),
            due_at=invoice.stage_due,
        )
    else:
        tickets.ticket_log(ticket=ticket, kind=EventKind.SLA_BREACHED, detail=reason)
    incident = incidents.incident_for_stalls(now=now)
    if incident is not None and ticket.incident_id is None:
        tickets.ticket_link_incident(ticket=ticket, incident=incident)


def _ticket_about(invoice: Invoice) -> Ticket:
    """The customer's open ticket about this invoice, or a new one opened for them."""
    existing = (
        Ticket.objects.filter(customer=invoice.customer, invoice=invoice, status__in=ACTIVE_STATUSES).order_by("created_at", "id").first()
    )
    if existing is not None:
        return existing
    return tickets.ticket_create(
        customer=invoice.customer,
        opened_by=None,
        subject=_("Your invoice request %(ref)s for %(amount)s is delayed") % {
            "ref": invoice.reference, "amount": money(invoice.amount, invoice.currency)
        },
        description=explain(invoice, for_customer=True),
        category=Category.INVOICE,
        invoice=invoice,
    )


def _stage_target(invoice: Invoice) -> Target:
    return Target.INVOICE_REVIEW if invoice.status == InvoiceStatus.PENDING_REVIEW else Target.INVOICE_ISSUE
