"""Pages write dates, times and money as the reader's language does, in the reader's time zone."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client

from escalation import incidents
from invoices.models import Invoice
from tests.factories import CustomerFactory, InvoiceFactory

REQUESTED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
FIX_EXPECTED_AT = datetime(2030, 1, 1, 14, 30, tzinfo=UTC)


@pytest.fixture
def open_incident(maria):
    return incidents.incident_declare(
        by=maria, title="Invoice issuance is delayed", public_message="Invoices take longer than usual.", eta=FIX_EXPECTED_AT,
    )


def invoices_page_of(customer) -> str:
    invoice = InvoiceFactory(customer=customer, amount=Decimal("10300.00"), currency="CNY", period_start=date(2015, 1, 1), period_end=date(2019, 12, 31))
    Invoice.objects.filter(pk=invoice.pk).update(created_at=REQUESTED_AT)
    client = Client()
    client.force_login(customer)
    return client.get("/my/invoices/").content.decode()


def test_a_chinese_customer_in_shanghai_reads_chinese_dates_and_numbers(open_incident):
    # given
    wei = CustomerFactory(username="wei", language="zh-hans", time_zone="Asia/Shanghai")
    # when
    html = invoices_page_of(wei)
    # then
    assert '<html lang="zh-hans">' in html
    assert "10300.00 CNY" in html
    assert "2015年1月1日 – 2019年12月31日" in html
    assert "2026年3月2日 17:30" in html  # requested at 09:30 UTC
    assert "2030年1月1日 22:30 CST" in html  # the promised fix, with its zone


def test_a_spanish_customer_in_madrid_reads_spanish_dates_and_numbers(open_incident):
    # given
    lucia = CustomerFactory(username="lucia", language="es", time_zone="Europe/Madrid")
    # when
    html = invoices_page_of(lucia)
    # then
    assert '<html lang="es">' in html
    assert "10\xa0300,00 CNY" in html
    assert "01/01/2015 – 31/12/2019" in html
    assert "02/03/2026 10:30" in html
    assert "1 de enero de 2030 a las 15:30 CET" in html
