"""What every invoice page shows: the facts, the definite explanation and the pipeline timeline."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from invoices import selectors
from invoices.explanations import duration, explain
from invoices.models import Invoice, InvoiceStatus

# While the invoice is in one of these, someone or something still owes the next step: the page keeps refreshing.
MOVING_STATUSES = (InvoiceStatus.REQUESTED, InvoiceStatus.PENDING_REVIEW, InvoiceStatus.QUEUED, InvoiceStatus.ISSUING)
POLL_SECONDS = 3


@dataclass(frozen=True)
class ExplainedInvoice:
    invoice: Invoice
    explanation: str
    waited: str  # how long it has been in its current stage, "" when unknown

    @classmethod
    def of(cls, invoice: Invoice, *, now: datetime | None = None, for_customer: bool = True) -> "ExplainedInvoice":
        now = now or timezone.now()
        waited = duration(now - invoice.stage_started_at) if invoice.stage_started_at else ""
        return cls(invoice=invoice, explanation=explain(invoice, now=now, for_customer=for_customer), waited=waited)


def invoice_context(invoice: Invoice, *, live_url: str, staff_view: bool = False) -> dict:
    """The context of `invoices/_live.html`: two queries at most (the invoice is loaded, the timeline is one)."""
    return {
        "invoice": invoice,
        "explanation": explain(invoice, for_customer=not staff_view),
        "timeline": list(selectors.invoice_timeline(invoice=invoice)),
        "live_url": live_url,
        "polling": invoice.status in MOVING_STATUSES,
        "poll_seconds": POLL_SECONDS,
        "staff_view": staff_view,
    }
