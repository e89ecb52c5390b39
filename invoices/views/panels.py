"""The invoice panel of a ticket page: the linked invoice's facts, explanation and pipeline timeline."""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.urls import reverse

from invoices import selectors
from invoices.explanations import explain
from invoices.models import Invoice, InvoiceEvent
from invoices.permissions import can_view


@dataclass(frozen=True)
class InvoicePanel:
    invoice: Invoice
    explanation: str
    timeline: list[InvoiceEvent]
    url: str  # the invoice's own page on the user's side


def invoice_panel(*, ticket, user) -> InvoicePanel | None:
    """The panel for `templates/invoices/_invoice_panel.html`, or None.

    Two queries when the ticket has an invoice (the invoice, its events), none otherwise.
    """
    if ticket.invoice_id is None:
        return None
    invoice = (
        selectors.invoice_list_visible(user=user)
        .prefetch_related(Prefetch("events", queryset=InvoiceEvent.objects.select_related("actor")))
        .filter(pk=ticket.invoice_id)
        .first()
    )
    if invoice is None or not can_view(user, invoice):
        return None
    side = "staff-invoice" if user.is_support_staff else "customer-invoice"
    return InvoicePanel(
        invoice=invoice,
        explanation=explain(invoice, for_customer=user.is_customer),
        timeline=list(invoice.events.all()),
        url=reverse(side, args=[invoice.pk]),
    )
