from smtplib import SMTPException

from celery import shared_task

from tickets import notifications, services


@shared_task(
    autoretry_for=(OSError, SMTPException),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=10,
)
def notify_ticket_event(event_id: int) -> int:
    return notifications.deliver_for_event(event_id)


@shared_task
def close_resolved_tickets() -> int:
    return services.tickets_close_resolved()
