"""A gateway that misbehaves on purpose, for tests and demos.

It wraps the local gateway and can add latency, fail a share of calls, and
hang (then time out) for invoices whose header contains a chosen text.
Configured by `INVOICE_GATEWAY_FAULTS`, e.g.
`latency=0.2,failure_rate=0.3,hang_title=HANG,hang_seconds=30`.
"""

import random
import time

from invoices.gateways import GatewayUnavailable, IssuedDocument, IssueRequest
from invoices.gateways.local import LocalGateway


class FaultInjectingGateway:
    def __init__(
        self, latency: float = 0.0, failure_rate: float = 0.0, hang_title: str = "", hang_seconds: float = 30.0,
        seed: int | None = None, inner=None,
    ):
        if not 0.0 <= failure_rate <= 1.0:
            raise ValueError("failure_rate is a share between 0 and 1")
        self.latency = latency
        self.failure_rate = failure_rate
        self.hang_title = hang_title
        self.hang_seconds = hang_seconds
        self.random = random.Random(seed)
        self.inner = inner or LocalGateway()

    def issue(self, request: IssueRequest) -> IssuedDocument:
        if self.hang_title and self.hang_title in request.title:
            time.sleep(self.hang_seconds)
            raise GatewayUnavailable(f"the gateway did not answer within {self.hang_seconds:g} s")
        if self.latency:
            time.sleep(self.latency)
        if self.random.random() < self.failure_rate:
            raise GatewayUnavailable("the gateway answered 503 Service Unavailable (injected fault)")
        return self.inner.issue(request)
