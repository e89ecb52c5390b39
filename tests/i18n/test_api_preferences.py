"""The API answers a token's user in their language and time zone, like the pages do a signed-in user."""

from datetime import UTC, datetime

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from invoices.models import Invoice, InvoiceStatus
from tests.factories import CustomerFactory, InvoiceFactory

ISSUED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def issued_invoice_of(customer) -> Invoice:
    invoice = InvoiceFactory(customer=customer, status=InvoiceStatus.ISSUED, invoice_number="INV-7", issued_at=ISSUED_AT)
    Invoice.objects.filter(pk=invoice.pk).update(created_at=ISSUED_AT)
    return invoice


def with_token(user, **headers) -> APIClient:
    client = APIClient(headers=headers)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_a_token_user_reads_the_api_in_their_saved_language_and_zone(db):
    # given Minsu, who reads Korean in Seoul, and whose browser asks for Spanish
    minsu = CustomerFactory(username="minsu", language="ko", time_zone="Asia/Seoul")
    invoice = issued_invoice_of(minsu)
    # when
    response = with_token(minsu, accept_language="es").get(f"/api/v1/invoices/{invoice.pk}/")
    # then his saved choices win
    assert response.status_code == 200
    assert response["Content-Language"] == "ko"
    assert response.json()["issued_at"] == "2026-03-02T18:30:00+09:00"
    assert response.json()["explanation"].startswith("2026-03-02 18:30")  # the explanation's clock is Seoul's too


def test_a_token_user_with_no_saved_language_is_answered_in_the_requests_language(db):
    # given
    lucia = CustomerFactory(username="lucia", language="", time_zone="Europe/Madrid")
    invoice = issued_invoice_of(lucia)
    # when
    response = with_token(lucia, accept_language="es").get(f"/api/v1/invoices/{invoice.pk}/")
    # then
    assert response["Content-Language"] == "es"
    assert response.json()["issued_at"] == "2026-03-02T10:30:00+01:00"
    assert response.json()["explanation"].startswith("Emitida")


@pytest.mark.parametrize("language, expected", [("", "en"), ("zh-hans", "zh-hans")])
def test_without_accept_language_it_is_the_users_language_or_the_sites(db, language, expected):
    # given
    wei = CustomerFactory(username="wei", language=language)
    # when
    response = with_token(wei).get("/api/v1/notifications/")
    # then
    assert response.status_code == 200 and response["Content-Language"] == expected
