"""The e-invoice gateway: one small interface, several adapters.

An adapter issues one invoice for an `IssueRequest` and answers an
`IssuedDocument`. It must be idempotent on `request.idempotency_key`: a second
call with the same key answers the same number and never issues again. That is
what makes a retried or redelivered task safe.

A real tax-authority gateway plugs in the same way: write a class with
`issue(request) -> IssuedDocument` that calls the authority's API with the key
as its idempotency header (or request id), raises `GatewayUnavailable` for
timeouts and 5xx answers (the pipeline retries them with backoff) and
`GatewayRejected` for a definite refusal such as an invalid tax id (the invoice
fails at once with that reason), then name it in `INVOICE_GATEWAY`.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class IssueRequest:
    idempotency_key: str
    reference: str
    customer_name: str
    title: str
    tax_id: str
    amount: Decimal
    currency: str
    period_start: date
    period_end: date


@dataclass(frozen=True)
class IssuedDocument:
    number: str
    document: str
    issued_at: datetime


class GatewayError(Exception):
    """Anything that went wrong at the gateway."""


class GatewayUnavailable(GatewayError):
    """A transient failure (timeout, 5xx, connection refused): try again later."""


class GatewayRejected(GatewayError):
    """A definite refusal: retrying the same request cannot succeed."""


class InvoiceGateway(Protocol):
    def issue(self, request: IssueRequest) -> IssuedDocument: ...


@lru_cache(maxsize=1)
def _configured_gateway(path: str, options: tuple) -> InvoiceGateway:
    return import_string(path)(**dict(options))


def get_gateway() -> InvoiceGateway:
    return _configured_gateway(settings.INVOICE_GATEWAY, tuple(sorted(settings.INVOICE_GATEWAY_OPTIONS.items())))
