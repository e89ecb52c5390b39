"""Every invoice explains itself in one or two definite sentences.

Built only from the invoice's own facts: what it waits for, since when, who
acts next and by when. Where the system does not know why something is late,
it says so, and says who is finding out. Never "maybe".
"""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from invoices.models import Invoice, InvoiceStatus


def explain(invoice: Invoice, *, now: datetime | None = None, for_customer: bool = True) -> str:
    """`for_customer` speaks to the customer ("your limit"); staff read about "the customer"."""
    now = now or timezone.now()
    return _EXPLAINERS[invoice.status](invoice, now, for_customer)


def _requested(invoice: Invoice, now, for_customer) -> str:
    if not for_customer:
        return _("Received at %(at)s and being routed: within the customer's automatic limit it goes straight to issuance, above it to a reviewer.") % {
            "at": clock(invoice.created_at, now)
        }
    return _("Received at %(at)s and being routed: within your automatic limit it goes straight to issuance, above it to a reviewer.") % {
        "at": clock(invoice.created_at, now)
    }


def _since(invoice: Invoice) -> datetime:
    return invoice.stage_started_at or invoice.created_at


def _pending_review(invoice: Invoice, now, for_customer) -> str:
    facts = {
        "amount": money(invoice.amount, invoice.currency),
        "limit": money(invoice.customer.invoice_auto_limit, invoice.currency),
        "due": clock(invoice.stage_due, now),
        "waited": duration(now - _since(invoice)),
    }
    if for_customer:
        why = _("Waiting for manual review because %(amount)s is above your automatic limit of %(limit)s.") % facts
    else:
        why = _("Waiting for manual review because %(amount)s is above the customer's automatic limit of %(limit)s.") % facts
    if invoice.stalled:
        late = _("The review was due at %(due)s and is %(late)s late; it is flagged to the invoice managers, who must decide now.")
        return f"{why} {late % {**facts, 'late': duration(now - (invoice.stage_due or now))}}"
    return f"{why} " + _("Invoice reviewers must decide by %(due)s; it has waited %(waited)s.") % facts


def _queued(invoice: Invoice, now, for_customer) -> str:
    facts = {"since": clock(_since(invoice), now), "due": clock(invoice.stage_due, now), "waited": duration(now - _since(invoice))}
    if invoice.stalled:
        return _(
            "Queued for issuance since %(since)s and past its %(due)s target: no issuance worker has taken it yet. "
            "We do not yet know why; it is flagged to the invoice managers, who are finding out."
        ) % facts
    return _(
        "Queued for issuance since %(since)s; it does not wait behind invoices in review. "
        "The issuance service must issue it by %(due)s; it has waited %(waited)s."
    ) % facts


def _issuing(invoice: Invoice, now, for_customer) -> str:
    facts = {
        "since": clock(_since(invoice), now),
        "due": clock(invoice.stage_due, now),
        "attempt": invoice.attempts,
        "error": invoice.last_error,
    }
    if invoice.stalled:
        sentence = _("The tax gateway has not issued it since %(since)s, past its %(due)s target (attempt %(attempt)d).") % facts
        cause = (
            _("Its last answer was: %(error)s.") % facts if invoice.last_error else _("It has not answered at all.")
        )
        return f"{sentence} {cause} " + _("We do not yet know whether the gateway itself is down; the invoice managers are alerted and finding out.")
    sentence = _("Being issued at the tax gateway (attempt %(attempt)d); it must be issued by %(due)s.") % facts
    if invoice.last_error:
        return f"{sentence} " + _("The gateway's last answer was: %(error)s; we retry automatically.") % facts
    return sentence


def _issued(invoice: Invoice, now, for_customer) -> str:
    facts = {"at": clock(invoice.issued_at, now), "number": invoice.invoice_number}
    if for_customer:
        return _("Issued at %(at)s with number %(number)s. You can download it now.") % facts
    return _("Issued at %(at)s with number %(number)s. The customer can download it now.") % facts


def _failed(invoice: Invoice, now, for_customer) -> str:
    return _(
        "Issuance failed after %(attempts)d attempts; the gateway's last answer was: %(error)s. "
        "Nothing was issued. Support must retry it, and it is on their list."
    ) % {"attempts": invoice.attempts, "error": invoice.last_error or _("no answer")}


def _rejected(invoice: Invoice, now, for_customer) -> str:
    facts = {"who": invoice.reviewed_by or _("a reviewer"), "at": clock(invoice.reviewed_at, now), "reason": invoice.rejection_reason}
    if for_customer:
        return _("Rejected by %(who)s at %(at)s: %(reason)s. Nothing was issued; you can request a corrected invoice.") % facts
    return _("Rejected by %(who)s at %(at)s: %(reason)s. Nothing was issued; the customer may request a corrected invoice.") % facts


_EXPLAINERS = {
    InvoiceStatus.REQUESTED: _requested,
    InvoiceStatus.PENDING_REVIEW: _pending_review,
    InvoiceStatus.QUEUED: _queued,
    InvoiceStatus.ISSUING: _issuing,
    InvoiceStatus.ISSUED: _issued,
    InvoiceStatus.FAILED: _failed,
    InvoiceStatus.REJECTED: _rejected,
}


def money(amount, currency: str) -> str:
    """10,300.00 CNY in English, 10 300,00 CNY in Spanish: written as the active language writes numbers."""
    return f"{number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)} {currency}"


def clock(moment: datetime | None, now: datetime) -> str:
    """13:00 today, or the date as well when it is another day (in the active time zone)."""
    if moment is None:
        return _("an unknown time")
    local, local_now = timezone.localtime(moment), timezone.localtime(now)
    return local.strftime("%H:%M") if local.date() == local_now.date() else local.strftime("%Y-%m-%d %H:%M")


def duration(span: timedelta) -> str:
    minutes = max(0, int(span.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    if hours:
        return _("%(h)d h") % {"h": hours}
    return _("%(m)d min") % {"m": minutes}
