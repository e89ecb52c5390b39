"""Tasks travel through the real broker to a real Celery worker process."""

import re

import pytest
from django.core import mail

from supportdesk.celery import app as celery_app
from supportdesk.models import Notification
from tests.worker import celery_worker, wait_for
from tickets import services

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_broker():
    """Tasks are published to the configured broker instead of running inline."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


def test_a_new_ticket_notifies_the_customer_and_the_agent_through_the_worker(real_broker, tmp_path, alice, billing, agent01):
    log = tmp_path / "worker.log"
    with celery_worker(log):
        ticket = services.ticket_create(customer=alice, subject="Invoice hangs", description="Since 9:00", category="invoice")

        notified = wait_for(
            lambda: set(Notification.objects.values_list("recipient__username", flat=True)) >= {"alice", "agent01"},
            timeout=60, what="the worker to write both notifications", log_path=log,
        )

    assert notified
    assert mail.outbox == []  # the email left from the worker process, not from this one
    customer_note = Notification.objects.get(recipient=alice)
    assert ticket.reference in customer_note.subject
    assert Notification.objects.count() == 2


def test_a_task_published_twice_notifies_once(real_broker, tmp_path, alice, billing, agent01):
    from tickets.tasks import notify_ticket_event

    log = tmp_path / "worker.log"
    with celery_worker(log):
        ticket = services.ticket_create(customer=alice, subject="Invoice hangs", description="x", category="invoice")
        created = ticket.events.get(kind="created")
        notify_ticket_event.delay(created.pk)  # as if the broker redelivered it

        # created, assigned, and the duplicate of created: three tasks ran to completion
        wait_for(lambda: _succeeded(log) >= 3, timeout=60, what="three tasks to succeed", log_path=log)

    assert Notification.objects.filter(recipient=alice, source_key=f"ticket-event:{created.pk}").count() == 1



def _succeeded(log) -> int:
    if not log.exists():
        return 0
    return len(re.findall(r"tickets\.tasks\.notify_ticket_event\[[0-9a-f-]+\] succeeded", log.read_text(errors="replace")))
