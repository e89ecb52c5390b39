"""Every change to an invoice goes through these functions.

Requests are routed at once: within the customer's automatic limit they are
queued for issuance, above it they wait for a reviewer. Issuance claims the
row before it calls the gateway and sends the same idempotency key with every
call, so a retried or redelivered task never issues a second number. Periodic
passes flag invoices that missed their stage target and re-dispatch issuance
that a lost task left behind.
"""

import logging
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed

from invoices import signals
from invoices.explanations import money
from invoices.gateways import GatewayError, GatewayRejected, IssueRequest, get_gateway
from invoices.models import STAGE_STATUSES, Invoice, InvoiceEvent, InvoiceEventKind, InvoiceStatus
from supportdesk import fsm

logger = logging.getLogger(__name__)

TRANSITION_ACTIONS = {
    "approve": gettext_lazy("approve this invoice"),
    "reject": gettext_lazy("reject this invoice"),
    "retry": gettext_lazy("retry this invoice"),
}


class InvoiceTransitionRefused(fsm.TransitionRefused):
    """The invoice's current state does not allow this (HTTP 409)."""

    def __init__(self, invoice: Invoice, transition: str):
        super().__init__(invoice, transition, actions=TRANSITION_ACTIONS)
        self.invoice = invoice


# --- requesting -------------------------------------------------------------------


@transaction.atomic
def invoice_request(
    *, customer, amount: Decimal, period_start, period_end, title: str, currency: str = "CNY", tax_id: str = "", by=None
) -> Invoice:
    invoice = Invoice(
        customer=customer, requested_by=by or customer, amount=amount, currency=currency,
        period_start=period_start, period_end=period_end, title=title, tax_id=tax_id,
    )
    _validate_period(invoice)
    invoice.full_clean(exclude=["status"])
    invoice.save()
    now = timezone.now()
    _record(invoice, actor=by or customer, kind=InvoiceEventKind.REQUESTED, to_status=InvoiceStatus.REQUESTED,
            detail=money(invoice.amount, invoice.currency))
    if can_proceed(invoice.queue_automatically):
        _move(invoice, "queue_automatically", actor=None, kind=InvoiceEventKind.QUEUED, now=now,
              detail=_("Within the automatic limit of %(limit)s %(currency)s.") % _limit(invoice))
        _dispatch_issuance_after_commit(invoice, now=now)
    else:
        _move(invoice, "send_to_review", actor=None, kind=InvoiceEventKind.SENT_TO_REVIEW, now=now,
              detail=_("Above the automatic limit of %(limit)s %(currency)s.") % _limit(invoice))
        from invoices.tasks import notify_reviewers

        transaction.on_commit(lambda: _publish(notify_reviewers, invoice.pk))
    return invoice


def _validate_period(invoice: Invoice) -> None:
    if invoice.period_start is None or invoice.period_end is None:
        return  # full_clean reports the missing date
    errors = {}
    if invoice.period_start > invoice.period_end:
        errors["period_end"] = [_("The period cannot end before it starts.")]
    if invoice.period_end > timezone.localdate():
        errors.setdefault("period_end", []).append(_("The period cannot end in the future."))
    if errors:
        raise ValidationError(errors)


def _limit(invoice: Invoice) -> dict:
    return {"limit": f"{invoice.customer.invoice_auto_limit:,.2f}", "currency": invoice.currency}


# --- people's transitions -----------------------------------------------------------


def invoice_approve(*, invoice: Invoice, by) -> Invoice:
    def then(locked: Invoice, now):
        _dispatch_issuance_after_commit(locked, now=now)

    return _transition(invoice=invoice, name="approve", by=by, kind=InvoiceEventKind.APPROVED, then=then,
                       arguments=lambda now: {"by": by, "at": now})


def invoice_reject(*, invoice: Invoice, by, reason: str) -> Invoice:
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why, so the customer can correct the request.")]})
    def then(locked: Invoice, now):
        from invoices.tasks import notify_customer

        transaction.on_commit(lambda: _publish(notify_customer, locked.pk, InvoiceStatus.REJECTED))

    return _transition(invoice=invoice, name="reject", by=by, kind=InvoiceEventKind.REJECTED, detail=reason,
                       arguments=lambda now: {"by": by, "at": now, "reason": reason}, then=then)


def invoice_retry(*, invoice: Invoice, by) -> Invoice:
    def then(locked: Invoice, now):
        _dispatch_issuance_after_commit(locked, now=now)

    return _transition(invoice=invoice, name="retry", by=by, kind=InvoiceEventKind.RETRIED, then=then)


@transaction.atomic
def _transition(*, invoice: Invoice, name: str, by, kind: str, detail: str = "", arguments=None, then=None) -> Invoice:
    locked = _lock(invoice.pk)
    method = getattr(locked, name)
    if not fsm.role_may_run(method, locked, by):
        raise PermissionDenied(_("You may not %(action)s.") % {"action": TRANSITION_ACTIONS.get(name, name)})
    if not can_proceed(method):
        raise InvoiceTransitionRefused(locked, name)
    now = timezone.now()
    _move(locked, name, actor=by, kind=kind, now=now, detail=detail, **(arguments(now) if arguments else {}))
    if then is not None:
        then(locked, now)
    return locked


# --- issuance ---------------------------------------------------------------------


HANDED_TO = "next:"  # the lease_owner of a lease handed to a task's next retry


class Outcome:
    ISSUED = "issued"
    ALREADY_DONE = "already_done"  # issued, failed or rejected: nothing to do
    HELD_ELSEWHERE = "held_elsewhere"  # another worker holds a live lease
    NOT_YET = "not_yet"  # still in review


def invoice_issue(*, invoice_id: int, claimant: str = "") -> str:
    """Issues one invoice: claim, call the gateway with the key, record the number.

    `claimant` names the task (its id stays the same across its retries), so a
    retry takes back its own lease. Raises GatewayError when the gateway failed;
    the caller (the task) retries with backoff or gives up with
    `invoice_fail_issuance`.
    """
    claimed = _claim_for_issuance(invoice_id, claimant=claimant or "anonymous")
    if isinstance(claimed, str):
        return claimed
    request = _issue_request(claimed)
    try:
        issued = get_gateway().issue(request)
    except GatewayError as error:
        _record_gateway_error(invoice_id, error)
        raise
    return _record_issued(invoice_id, issued)


@transaction.atomic
def _claim_for_issuance(invoice_id: int, *, claimant: str):
    invoice = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
    if invoice is None or invoice.status in (InvoiceStatus.ISSUED, InvoiceStatus.FAILED, InvoiceStatus.REJECTED):
        return Outcome.ALREADY_DONE
    if invoice.status in (InvoiceStatus.REQUESTED, InvoiceStatus.PENDING_REVIEW):
        return Outcome.NOT_YET
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.INVOICE_ISSUE_LEASE_SECONDS)
    if invoice.status == InvoiceStatus.QUEUED:
        _move(invoice, "start_issuing", actor=None, kind=InvoiceEventKind.ISSUING, now=now, new_stage=False,
              lease_until=lease_until, owner=claimant)
        return invoice
    # Issuing already: our own retry (the lease was handed to it), another live worker, or a lost worker.
    own_retry = invoice.lease_owner == f"{HANDED_TO}{claimant}"
    if not own_retry and invoice.lease_until and invoice.lease_until > now:
        return Outcome.HELD_ELSEWHERE
    recovered = not own_retry
    invoice.lease_until, invoice.lease_owner = lease_until, claimant
    invoice.attempts += 1
    invoice.save(update_fields=["lease_until", "lease_owner", "attempts", "updated_at"])
    if recovered:
        _record(invoice, actor=None, kind=InvoiceEventKind.RECOVERED, from_status=InvoiceStatus.ISSUING,
                to_status=InvoiceStatus.ISSUING,
                detail=_("Attempt %(n)d, with the same idempotency key.") % {"n": invoice.attempts})
    return invoice


def _issue_request(invoice: Invoice) -> IssueRequest:
    return IssueRequest(
        idempotency_key=str(invoice.idempotency_key), reference=invoice.reference, customer_name=str(invoice.customer),
        title=invoice.title, tax_id=invoice.tax_id, amount=invoice.amount, currency=invoice.currency,
        period_start=invoice.period_start, period_end=invoice.period_end,
    )


@transaction.atomic
def _record_issued(invoice_id: int, issued) -> str:
    invoice = _lock(invoice_id)
    if invoice.status != InvoiceStatus.ISSUING:
        # A twin task got here first; the gateway gave it this very number.
        return Outcome.ALREADY_DONE
    if Invoice.objects.filter(invoice_number=issued.number).exclude(pk=invoice.pk).exists():
        # The gateway answered a number another invoice already carries: retrying would
        # get the same answer for ever, so stop here and say why.
        error = _("The gateway answered number %(number)s, which another invoice already carries.") % {"number": issued.number}
        _move(invoice, "mark_failed", actor=None, kind=InvoiceEventKind.FAILED, now=timezone.now(), detail=error, error=error)
        return Outcome.ALREADY_DONE
    _move(invoice, "mark_issued", actor=None, kind=InvoiceEventKind.ISSUED, now=timezone.now(),
          detail=issued.number, number=issued.number, document=issued.document, at=issued.issued_at)
    from invoices.tasks import notify_customer

    transaction.on_commit(lambda: _publish(notify_customer, invoice.pk, InvoiceStatus.ISSUED))
    return Outcome.ISSUED


@transaction.atomic
def _record_gateway_error(invoice_id: int, error: Exception) -> None:
    invoice = _lock(invoice_id)
    invoice.last_error = str(error)[:1000]
    invoice.save(update_fields=["last_error", "updated_at"])
    _record(invoice, actor=None, kind=InvoiceEventKind.GATEWAY_ERROR, detail=invoice.last_error)


@transaction.atomic
def invoice_extend_lease(*, invoice_id: int, seconds: float, next_claimant: str) -> None:
    """Hands the issuance to the task's next retry, alone; recovery leaves it alone until then.

    A copy of the same message (a redelivery carries the same task id) does
    not count as that retry, so it cannot skip the live lease.
    """
    Invoice.objects.filter(pk=invoice_id, status=InvoiceStatus.ISSUING).update(
        lease_until=timezone.now() + timedelta(seconds=seconds + settings.INVOICE_ISSUE_LEASE_SECONDS),
        lease_owner=f"{HANDED_TO}{next_claimant}",
    )


@transaction.atomic
def invoice_fail_issuance(*, invoice_id: int, error: str) -> bool:
    invoice = _lock(invoice_id)
    if invoice.status != InvoiceStatus.ISSUING:
        return False
    _move(invoice, "mark_failed", actor=None, kind=InvoiceEventKind.FAILED, now=timezone.now(), detail=error, error=error)
    from invoices.tasks import notify_customer

    transaction.on_commit(lambda: _publish(notify_customer, invoice.pk, InvoiceStatus.FAILED))
    return True


def is_permanent(error: Exception) -> bool:
    return isinstance(error, GatewayRejected)


# --- periodic passes ---------------------------------------------------------------


def invoices_detect_stalls(*, now=None, limit: int = 1000) -> int:
    """Flags invoices past their stage target, one short transaction each; returns how many.

    An invoice whose stall cannot be handled now (a listener failed) stays
    unflagged and is tried again by the next pass; it does not hold up the rest.
    """
    now = now or timezone.now()
    if not _due_for_stall(now).exists():  # the usual case: one index probe, no transaction
        return 0
    flagged, failed = 0, set()
    while flagged < limit:
        try:
            outcome = _flag_next_stalled(now=now, skipping=failed)
        except _StallNotHandled as error:
            logger.exception("Could not handle the stall of invoice %s; the next pass retries", error.invoice_id)
            failed.add(error.invoice_id)
            continue
        if not outcome:
            break
        flagged += 1
    return flagged


class _StallNotHandled(Exception):
    def __init__(self, invoice_id: int):
        super().__init__(invoice_id)
        self.invoice_id = invoice_id


def _due_for_stall(now):
    return Invoice.objects.filter(status__in=STAGE_STATUSES, stalled=False, stage_due__lte=now)


def _flag_next_stalled(*, now, skipping=frozenset()) -> bool:
    with transaction.atomic():
        invoice = (
            _due_for_stall(now).exclude(pk__in=skipping).order_by("stage_due", "id").select_for_update(skip_locked=True).first()
        )
        if invoice is None:
            return False
        try:
            with transaction.atomic():
                _flag(invoice, now=now)
        except Exception as error:
            raise _StallNotHandled(invoice.pk) from error
    return True


def _flag(invoice: Invoice, *, now) -> None:
    invoice.stalled, invoice.stalled_at = True, now
    invoice.save(update_fields=["stalled", "stalled_at", "updated_at"])
    _record(invoice, actor=None, kind=InvoiceEventKind.STALLED, from_status=invoice.status, to_status=invoice.status,
            detail=_("%(stage)s was due at %(due)s.") % {
                "stage": invoice.get_status_display(), "due": timezone.localtime(invoice.stage_due).strftime("%Y-%m-%d %H:%M %Z")
            })
    # Inside the transaction: what listeners do (open a ticket, escalate) commits
    # with the flag or not at all, and the next pass tries again.
    signals.invoice_stalled.send(sender=Invoice, invoice_id=invoice.pk, invoice=invoice)


def invoices_recover_lost(*, now=None, limit: int = 500) -> int:
    """Re-dispatches issuance that no task is known to be doing; returns how many were sent."""
    now = now or timezone.now()
    quiet_since = now - timedelta(seconds=settings.INVOICE_REDISPATCH_AFTER_SECONDS)
    candidates = (
        Invoice.objects.filter(status__in=[InvoiceStatus.QUEUED, InvoiceStatus.ISSUING], dispatched_at__lte=quiet_since)
        .order_by("dispatched_at", "id")
        .values_list("pk", "status", "lease_until", "dispatched_at")[:limit]
    )
    sent = 0
    for pk, status, lease_until, dispatched_at in candidates:
        if status == InvoiceStatus.ISSUING and lease_until and lease_until > now:
            continue  # a worker holds it right now
        # Conditional update: of several recovery passes, one re-dispatches.
        if Invoice.objects.filter(pk=pk, dispatched_at=dispatched_at).update(dispatched_at=now) == 1:
            _publish(_issue_task(), pk)
            sent += 1
    return sent


def invoice_requeue(*, invoice: Invoice, by) -> Invoice | None:
    """Puts a stalled or failed invoice back in line once the fault behind it is fixed.

    A failed invoice is retried; a queued or issuing one no worker holds is
    dispatched again with a fresh stage clock. One in review, or held by a live
    lease, is left alone (returns None): it needs a reviewer, or it is moving.
    """
    if invoice.status == InvoiceStatus.FAILED:
        return invoice_retry(invoice=invoice, by=by)
    with transaction.atomic():
        locked = _lock(invoice.pk)
        now = timezone.now()
        if locked.status not in (InvoiceStatus.QUEUED, InvoiceStatus.ISSUING):
            return None
        if locked.status == InvoiceStatus.ISSUING and locked.lease_until and locked.lease_until > now:
            return None
        locked.stage_started_at, locked.stalled, locked.stalled_at = now, False, None
        locked.stage_due = stage_deadline(locked, now)
        locked.save(update_fields=["stage_started_at", "stage_due", "stalled", "stalled_at", "updated_at"])
        _record(locked, actor=by, kind=InvoiceEventKind.REQUEUED, detail=_("Sent to issuance again after the incident was resolved."))
        _dispatch_issuance_after_commit(locked, now=now)
        return locked


# --- the machinery ---------------------------------------------------------------


def _move(invoice: Invoice, name: str, *, actor, kind: str, now, detail: str = "", new_stage: bool = True, **arguments) -> InvoiceEvent:
    """Applies one transition to a locked invoice, resets its stage clock, records the event."""
    from_status = invoice.status
    try:
        getattr(invoice, name)(**arguments)
        _start_stage(invoice, now=now, new_stage=new_stage)
        invoice.save()
    except (TransitionNotAllowed, ConcurrentTransition):
        invoice.refresh_from_db()
        raise InvoiceTransitionRefused(invoice, name) from None
    return _record(invoice, actor=actor, kind=kind, from_status=from_status, to_status=invoice.status, detail=detail)


def _start_stage(invoice: Invoice, *, now, new_stage: bool) -> None:
    """Queued and issuing are one stage (issuance); review is another; the rest have no target."""
    if invoice.status not in STAGE_STATUSES:
        invoice.stage_started_at, invoice.stage_due, invoice.stalled, invoice.stalled_at = now, None, False, None
        return
    if new_stage:
        invoice.stage_started_at = now
        invoice.stage_due = stage_deadline(invoice, now)
        invoice.stalled, invoice.stalled_at = False, None


def stage_deadline(invoice: Invoice, start):
    """When the invoice's current stage must be done: from the SLA engine's hook, else from settings, 24x7."""
    hook = import_string(settings.INVOICE_STAGE_DEADLINE) if settings.INVOICE_STAGE_DEADLINE else None
    due = hook(invoice, start) if hook else None
    if due is not None:
        return due
    if invoice.status == InvoiceStatus.PENDING_REVIEW:
        return start + timedelta(minutes=settings.INVOICE_REVIEW_TARGET_MINUTES)
    return start + timedelta(minutes=settings.INVOICE_ISSUE_TARGET_MINUTES)


def _dispatch_issuance_after_commit(invoice: Invoice, *, now) -> None:
    Invoice.objects.filter(pk=invoice.pk).update(dispatched_at=now)
    transaction.on_commit(lambda: _publish(_issue_task(), invoice.pk))


def _issue_task():
    from invoices.tasks import issue_invoice

    return issue_invoice


def _publish(task, *args) -> None:
    """Sends a task; if the broker is down the row stays due and the recovery pass sends it later."""
    try:
        task.delay(*args)
    except Exception:  # noqa: BLE001 - any broker failure; nothing is lost, see above
        logger.exception("Could not publish %s%r; the recovery pass will retry", task.name, args)


def _lock(invoice_id: int) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice_id)


def _record(invoice: Invoice, *, actor, kind: str, from_status: str = "", to_status: str = "", detail: str = "") -> InvoiceEvent:
    return InvoiceEvent.objects.create(
        invoice=invoice, at=timezone.now(), actor=actor, kind=kind, from_status=from_status, to_status=to_status, detail=detail
    )
