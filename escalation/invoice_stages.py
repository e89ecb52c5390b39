"""Invoice stage targets from the SLA policies, so one place sets every target.

`invoices` calls this through the INVOICE_STAGE_DEADLINE setting and never
imports the escalation app: the policy that matches the customer's invoice
tickets sets the review and issuance minutes and the calendar they count on.
"""

from escalation.calendars import add_working_minutes
from escalation.policies import policy_for
from invoices.models import InvoiceStatus


def stage_deadline(invoice, start):
    """When the invoice's current stage is due, or None when no policy sets a target for it."""
    policy = policy_for(category="invoice", priority="normal", customer_tier=invoice.customer.tier)
    if policy is None:
        return None
    minutes = policy.invoice_review_minutes if invoice.status == InvoiceStatus.PENDING_REVIEW else policy.invoice_issue_minutes
    return add_working_minutes(policy.calendar, start, minutes) if minutes else None
