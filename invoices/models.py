"""E-invoice requests, their state machine and their audit trail.

The model only changes fields; `invoices.services` runs each transition in a
transaction, records the event and dispatches work after commit.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from invoices import permissions


class InvoiceStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    PENDING_REVIEW = "pending_review", _("Pending review")
    QUEUED = "queued", _("Queued")
    ISSUING = "issuing", _("Issuing")
    ISSUED = "issued", _("Issued")
    FAILED = "failed", _("Failed")
    REJECTED = "rejected", _("Rejected")


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan")
    USD = "USD", _("US dollar")
    EUR = "EUR", _("Euro")
    KRW = "KRW", _("Korean won")


# Stages that have a target and can stall: a person or the pipeline owes the next step.
STAGE_STATUSES = (InvoiceStatus.PENDING_REVIEW, InvoiceStatus.QUEUED, InvoiceStatus.ISSUING)
MAX_AMOUNT = Decimal("9999999999.99")  # 12 digits


def within_automatic_limit(invoice) -> bool:
    return invoice.amount <= invoice.customer.invoice_auto_limit


def above_automatic_limit(invoice) -> bool:
    return not within_automatic_limit(invoice)


class Invoice(ConcurrentTransitionMixin, models.Model):
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invoices")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("Who filed the request: the customer, or staff on their behalf."),
    )
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_AMOUNT)]
    )
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.CNY)
    period_start = models.DateField()
    period_end = models.DateField()
    title = models.CharField(_("invoice header"), max_length=200)
    tax_id = models.CharField(max_length=40, blank=True)
    status = FSMField(default=InvoiceStatus.REQUESTED, choices=InvoiceStatus.choices, protected=True, db_index=True)

    # The current stage: since when, due when, and whether it missed its target.
    stage_started_at = models.DateTimeField(null=True, blank=True)
    stage_due = models.DateTimeField(null=True, blank=True)
    stalled = models.BooleanField(default=False)
    stalled_at = models.DateTimeField(null=True, blank=True)

    # Review.
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)

    # Issuance: the key goes with every gateway call, so the gateway never issues twice.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dispatched_at = models.DateTimeField(null=True, blank=True, help_text=_("When the issuance task was last sent."))
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text=_("A worker owns the issuance until then; after it, recovery may take over.")
    )
    lease_owner = models.CharField(max_length=64, blank=True, help_text=_("The task that holds the lease."))
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    invoice_number = models.CharField(max_length=40, null=True, blank=True, unique=True)
    document = models.TextField(blank=True, help_text=_("The issued invoice as an HTML document."))
    issued_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # What the stall sweep reads: only rows in a stage, not yet flagged.
            models.Index(
                fields=["stage_due"], name="invoice_stage_due",
                condition=Q(status__in=STAGE_STATUSES, stalled=False),
            ),
            # What the recovery pass reads: issuance that nobody is known to be doing.
            models.Index(
                fields=["lease_until"], name="invoice_issuance_lease",
                condition=Q(status__in=[InvoiceStatus.QUEUED, InvoiceStatus.ISSUING]),
            ),
            models.Index(fields=["customer", "-created_at"], name="invoice_customer_recent"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(condition=Q(period_start__lte=models.F("period_end")), name="invoice_period_ordered"),
            models.CheckConstraint(
                condition=~Q(status=InvoiceStatus.ISSUED) | Q(invoice_number__isnull=False),
                name="invoice_issued_has_number",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.amount} {self.currency}"

    @property
    def reference(self) -> str:
        return f"INV-{self.pk:06d}" if self.pk else "INV-new"

    # --- transitions: fields only; invoices.services does the rest ---

    @transition(field=status, source=InvoiceStatus.REQUESTED, target=InvoiceStatus.QUEUED, conditions=[within_automatic_limit])
    def queue_automatically(self):
        pass

    @transition(field=status, source=InvoiceStatus.REQUESTED, target=InvoiceStatus.PENDING_REVIEW, conditions=[above_automatic_limit])
    def send_to_review(self):
        pass

    @transition(field=status, source=InvoiceStatus.PENDING_REVIEW, target=InvoiceStatus.QUEUED, permission=permissions.may_review)
    def approve(self, *, by, at):
        self.reviewed_by, self.reviewed_at = by, at

    @transition(field=status, source=InvoiceStatus.PENDING_REVIEW, target=InvoiceStatus.REJECTED, permission=permissions.may_review)
    def reject(self, *, by, at, reason):
        self.reviewed_by, self.reviewed_at, self.rejection_reason = by, at, reason

    @transition(field=status, source=InvoiceStatus.QUEUED, target=InvoiceStatus.ISSUING)
    def start_issuing(self, *, lease_until, owner):
        self.lease_until, self.lease_owner = lease_until, owner
        self.attempts += 1

    @transition(field=status, source=InvoiceStatus.ISSUING, target=InvoiceStatus.ISSUED)
    def mark_issued(self, *, number, document, at):
        self.invoice_number, self.document, self.issued_at = number, document, at
        self.lease_until, self.lease_owner = None, ""
        self.last_error = ""

    @transition(field=status, source=InvoiceStatus.ISSUING, target=InvoiceStatus.FAILED)
    def mark_failed(self, *, error):
        self.last_error = error
        self.lease_until, self.lease_owner = None, ""

    @transition(field=status, source=InvoiceStatus.FAILED, target=InvoiceStatus.QUEUED, permission=permissions.may_retry)
    def retry(self):
        self.last_error = ""

    # --- reading ---

    def allowed_transitions_for(self, user) -> list[str]:
        names = {t.name for t in self.get_available_user_status_transitions(user)}
        return [name for name in PUBLIC_TRANSITIONS if name in names]


PUBLIC_TRANSITIONS = ("approve", "reject", "retry")


class InvoiceEventKind(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    QUEUED = "queued", _("Queued for issuance")
    SENT_TO_REVIEW = "sent_to_review", _("Sent to review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ISSUING = "issuing", _("Issuance started")
    GATEWAY_ERROR = "gateway_error", _("Gateway error")
    ISSUED = "issued", _("Issued")
    FAILED = "failed", _("Issuance failed")
    RETRIED = "retried", _("Retry requested")
    RECOVERED = "recovered", _("Issuance resumed after a lost task")
    STALLED = "stalled", _("Missed its stage target")
    REQUEUED = "requeued", _("Sent to issuance again")


class InvoiceEvent(models.Model):
    """One line of the invoice's pipeline timeline: who, when, from, to, why."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=InvoiceEventKind.choices)
    from_status = models.CharField(max_length=20, choices=InvoiceStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=InvoiceStatus.choices, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["invoice", "at"], name="invoice_event_timeline")]

    def __str__(self):
        return f"{self.kind} on {self.invoice_id}"


class LocalGatewayIssue(models.Model):
    """The local gateway's own ledger: one row per idempotency key, so one number per invoice."""

    idempotency_key = models.CharField(max_length=64, unique=True)
    number = models.CharField(max_length=40, null=True, unique=True)
    document = models.TextField(blank=True)
    issued_at = models.DateTimeField()

    def __str__(self):
        return self.number or self.idempotency_key
