"""E-invoice requests.

This is the record that tickets can point at; the review step, the issuance
pipeline and its transitions arrive with the invoice pipeline.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField


class InvoiceStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    PENDING_REVIEW = "pending_review", _("Pending review")
    QUEUED = "queued", _("Queued")
    ISSUING = "issuing", _("Issuing")
    ISSUED = "issued", _("Issued")
    FAILED = "failed", _("Failed")
    REJECTED = "rejected", _("Rejected")


class Invoice(ConcurrentTransitionMixin, models.Model):
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invoices")
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3, default="CNY")
    period_start = models.DateField()
    period_end = models.DateField()
    title = models.CharField(_("invoice header"), max_length=200)
    tax_id = models.CharField(max_length=40, blank=True)
    status = FSMField(default=InvoiceStatus.REQUESTED, choices=InvoiceStatus.choices, protected=True, db_index=True)
    invoice_number = models.CharField(max_length=40, null=True, blank=True, unique=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.reference} {self.amount} {self.currency}"

    @property
    def reference(self) -> str:
        return f"INV-{self.pk:06d}" if self.pk else "INV-new"
