"""Reading invoices: always through what the user may see."""

from django.db.models import QuerySet

from invoices.models import Invoice, InvoiceEvent, InvoiceStatus
from invoices.permissions import sees_all_invoices


def invoice_list_visible(*, user) -> QuerySet[Invoice]:
    invoices = Invoice.objects.select_related("customer", "reviewed_by")
    if not user.is_authenticated or not user.is_active:
        return invoices.none()
    if sees_all_invoices(user):
        return invoices
    return invoices.filter(customer=user)


def invoice_get_visible(*, user, pk) -> Invoice:
    """The invoice, or Invoice.DoesNotExist when it does not exist or the user may not see it."""
    return invoice_list_visible(user=user).get(pk=pk)


def invoice_list_awaiting_review() -> QuerySet[Invoice]:
    return Invoice.objects.select_related("customer").filter(status=InvoiceStatus.PENDING_REVIEW).order_by("stage_started_at", "id")


def invoice_list_failed() -> QuerySet[Invoice]:
    """Issuance that gave up: staff must retry it."""
    return Invoice.objects.select_related("customer").filter(status=InvoiceStatus.FAILED).order_by("stage_started_at", "id")


def invoice_timeline(*, invoice: Invoice) -> QuerySet[InvoiceEvent]:
    return invoice.events.select_related("actor")
