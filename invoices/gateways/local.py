"""The default gateway: numbers and documents issued by Supportdesk itself.

It keeps its own ledger (`LocalGatewayIssue`), keyed by the idempotency key,
exactly as a remote tax authority would, so a repeated call answers the same
number.
"""

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from invoices.gateways import IssuedDocument, IssueRequest
from invoices.models import LocalGatewayIssue


class LocalGateway:
    def __init__(self, prefix: str = "EI"):
        self.prefix = prefix

    def issue(self, request: IssueRequest) -> IssuedDocument:
        entry = self._entry_for(request)
        return IssuedDocument(number=entry.number, document=entry.document, issued_at=entry.issued_at)

    def _entry_for(self, request: IssueRequest) -> LocalGatewayIssue:
        existing = LocalGatewayIssue.objects.filter(idempotency_key=request.idempotency_key).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                entry = LocalGatewayIssue.objects.create(idempotency_key=request.idempotency_key, issued_at=timezone.now())
                entry.number = f"{self.prefix}-{entry.issued_at:%Y}-{entry.pk:07d}"
                entry.document = render_to_string("invoices/document.html", {"request": request, "entry": entry})
                entry.save(update_fields=["number", "document"])
                return entry
        except IntegrityError:  # another call with the same key won the race: answer its number
            return LocalGatewayIssue.objects.get(idempotency_key=request.idempotency_key)
