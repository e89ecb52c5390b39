"""Who hears about an invoice: reviewers when one needs them, the customer when it is done.

Subjects and bodies are callables, built by `deliver_once` in each
recipient's language and time zone (amounts as that language writes numbers).
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from invoices.explanations import explain, money
from invoices.models import Invoice, InvoiceStatus
from invoices.permissions import is_reviewer
from supportdesk.models import Role, User
from supportdesk.notifications import Delivery, deliver_once


def notify_reviewers(invoice_id: int) -> int:
    invoice = Invoice.objects.select_related("customer").filter(pk=invoice_id).first()
    if invoice is None or invoice.status != InvoiceStatus.PENDING_REVIEW:
        return 0
    reviewers = [m for m in User.objects.filter(role=Role.MANAGER, is_active=True) if is_reviewer(m)]

    def subject():
        return _("[%(ref)s] Review needed: %(amount)s for %(customer)s") % {
            "ref": invoice.reference, "amount": money(invoice.amount, invoice.currency), "customer": invoice.customer,
        }

    def body():
        return explain(invoice, for_customer=False)

    return sum(
        deliver_once(
            Delivery(recipient=reviewer, subject=subject, body=body, url=reverse("invoice-review-queue")),
            source_key=f"invoice-review:{invoice.pk}",
        )
        for reviewer in reviewers
    )


def notify_customer(invoice_id: int, status: str) -> int:
    invoice = Invoice.objects.select_related("customer").filter(pk=invoice_id).first()
    if invoice is None:
        return 0

    def subject():
        return _("[%(ref)s] Your invoice is %(status)s") % {"ref": invoice.reference, "status": InvoiceStatus(status).label.lower()}

    delivery = Delivery(recipient=invoice.customer, subject=subject, body=lambda: explain(invoice), url=reverse("customer-invoice", args=[invoice.pk]))
    return deliver_once(delivery, source_key=f"invoice-{status}:{invoice.pk}:{invoice.attempts}")
