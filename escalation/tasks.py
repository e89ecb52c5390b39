from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from escalation import monitor, notifications


@shared_task(ignore_result=True)
def sweep_sla() -> str:
    """Beat runs this every SLA_SWEEP_SECONDS; it costs one index probe per kind of deadline when nothing is due."""
    return str(monitor.sla_sweep())


@shared_task(ignore_result=True)
def check_ticket_sla(ticket_id: int, check_at: str | None = None) -> bool:
    """The ETA task a sweep hands a deadline of the next minute to; it re-reads the row, so a stale one does nothing."""
    if monitor.enforce_ticket(ticket_id, now=timezone.now()):
        return True
    monitor.rearm_early_timer(ticket_id, check_at)
    return False


@shared_task(
    autoretry_for=(OSError, SMTPException), retry_backoff=5, retry_backoff_max=300, retry_jitter=True, max_retries=10,
)
def alert_about_incident(incident_id: int, what: str) -> int:
    return notifications.alert_about_incident(incident_id, what)
