from datetime import date
from decimal import Decimal

import pytest

from invoices import services


@pytest.fixture(autouse=True)
def stage_targets_from_settings(settings):
    """These tests are about the pipeline, not the SLA policies: stage targets come from settings, 24x7.

    The policies' targets and calendars are tested in tests/escalation/test_invoice_stages.py.
    """
    settings.INVOICE_STAGE_DEADLINE = ""


@pytest.fixture
def request_invoice(django_capture_on_commit_callbacks):
    """`request_invoice(customer, amount, **more)`: as the customer would, with after-commit work run."""

    def requested(customer, amount, **more):
        fields = {"period_start": date(2025, 1, 1), "period_end": date(2025, 12, 31), "title": "Lumen Analytics Co., Ltd.", **more}
        with django_capture_on_commit_callbacks(execute=True):
            invoice = services.invoice_request(customer=customer, amount=Decimal(amount), **fields)
        invoice.refresh_from_db()
        return invoice

    return requested


@pytest.fixture
def no_issuance(monkeypatch):
    """Queued invoices stay queued: the issuance task is not run inline."""
    from invoices import tasks

    dispatched = []
    monkeypatch.setattr(tasks.issue_invoice, "delay", lambda invoice_id: dispatched.append(invoice_id))
    return dispatched
