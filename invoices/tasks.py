"""Thin tasks: load by id, call a service, retry transient gateway errors with capped, jittered backoff."""

import logging
import random

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from invoices import notifications, services
from invoices.gateways import GatewayError, GatewayUnavailable

logger = logging.getLogger(__name__)


def backoff_seconds(retries: int) -> float:
    """Exponential, capped well below the broker's visibility timeout, with equal jitter (half fixed, half random)."""
    ceiling = min(settings.INVOICE_RETRY_BACKOFF_CAP_SECONDS, settings.INVOICE_RETRY_BACKOFF_SECONDS * 2**retries)
    return random.uniform(ceiling / 2, ceiling)


def _claimant(request, retries: int) -> str:
    return f"{request.id or 'inline'}/{retries}"


@shared_task(bind=True, max_retries=None, soft_time_limit=settings.INVOICE_ISSUE_LEASE_SECONDS * 0.75)
def issue_invoice(self, invoice_id: int) -> str:
    try:
        try:
            return services.invoice_issue(invoice_id=invoice_id, claimant=_claimant(self.request, self.request.retries))
        except SoftTimeLimitExceeded:
            # A gateway call that never returns must not hold the worker past its lease.
            raise GatewayUnavailable("the gateway did not answer before the task's time limit") from None
    except GatewayError as error:
        if services.is_permanent(error) or self.request.retries >= settings.INVOICE_ISSUE_MAX_RETRIES:
            services.invoice_fail_issuance(invoice_id=invoice_id, error=str(error))
            return "failed"
        countdown = backoff_seconds(self.request.retries)
        services.invoice_extend_lease(
            invoice_id=invoice_id, seconds=countdown, next_claimant=_claimant(self.request, self.request.retries + 1)
        )
        logger.warning("Invoice %s: gateway error %r; retry %d in %.1fs", invoice_id, error, self.request.retries + 1, countdown)
        raise self.retry(countdown=countdown, exc=error) from error


@shared_task
def notify_reviewers(invoice_id: int) -> int:
    return notifications.notify_reviewers(invoice_id)


@shared_task
def notify_customer(invoice_id: int, status: str) -> int:
    return notifications.notify_customer(invoice_id, status)


@shared_task
def sweep_invoices() -> dict:
    return {"stalled": services.invoices_detect_stalls(), "redispatched": services.invoices_recover_lost()}
