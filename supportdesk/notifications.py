"""Telling a person something once: an in-app row and an email.

The row is unique per recipient and source, so a redelivered task never
notifies twice. It is written in the recipient's language and time zone:
a subject or body given as a callable (or a lazy string) is built inside
`speaking_to(recipient)`, and callers that build text themselves wrap that
in `speaking_to` too.
"""

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from supportdesk.middleware import user_time_zone
from supportdesk.models import Notification


@dataclass(frozen=True)
class Delivery:
    recipient: object
    subject: str | Callable[[], str]
    body: str | Callable[[], str]
    url: str


@contextmanager
def speaking_to(recipient):
    """Text built inside is in the recipient's language, and times in their zone.

    Someone with no saved language reads the site's LANGUAGE_CODE: a task has
    no browser to ask, and a request's language is the sender's, not theirs.
    """
    language = getattr(recipient, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(user_time_zone(recipient)):
        yield


def moment(value) -> str:
    """A time as the active language writes it, in the active zone, with the zone's name: "22 de noviembre de 2026 a las 23:16 CET"."""
    local = timezone.localtime(value)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"


def _text(value) -> str:
    return str(value() if callable(value) else value)


@transaction.atomic
def deliver_once(delivery: Delivery, *, source_key: str) -> int:
    """Returns 1 when this was news, 0 when it had been delivered already."""
    if not delivery.recipient.is_active:
        return 0
    with speaking_to(delivery.recipient):
        subject, body = _text(delivery.subject), _text(delivery.body)
        link = _("Open it here: %(link)s") % {"link": f"{settings.SITE_URL}{delivery.url}"}
    notification, created = Notification.objects.get_or_create(
        recipient=delivery.recipient,
        source_key=source_key,
        defaults={"subject": subject[:200], "body": body, "url": delivery.url},
    )
    if not created:
        return 0
    if delivery.recipient.email:
        # Inside the transaction: if the mail server refuses, the row is rolled
        # back and the task's retry tries again.
        send_mail(
            notification.subject,
            f"{notification.body}\n\n{link}",
            settings.DEFAULT_FROM_EMAIL,
            [delivery.recipient.email],
        )
    return 1
