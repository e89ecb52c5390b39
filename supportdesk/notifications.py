"""Telling a person something once: an in-app row and an email.

The row is unique per recipient and source, so a redelivered task never
notifies twice.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from supportdesk.models import Notification


@dataclass(frozen=True)
class Delivery:
    recipient: object
    subject: str
    body: str
    url: str


@transaction.atomic
def deliver_once(delivery: Delivery, *, source_key: str) -> int:
    """Returns 1 when this was news, 0 when it had been delivered already."""
    if not delivery.recipient.is_active:
        return 0
    notification, created = Notification.objects.get_or_create(
        recipient=delivery.recipient,
        source_key=source_key,
        defaults={"subject": delivery.subject[:200], "body": delivery.body, "url": delivery.url},
    )
    if not created:
        return 0
    if delivery.recipient.email:
        # Inside the transaction: if the mail server refuses, the row is rolled
        # back and the task's retry tries again.
        send_mail(
            notification.subject,
            f"{notification.body}\n\n{settings.SITE_URL}{notification.url}",
            settings.DEFAULT_FROM_EMAIL,
            [delivery.recipient.email],
        )
    return 1
