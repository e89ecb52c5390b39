"""Invoices in the admin: their pipeline state is shown, never edited by hand."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from invoices import services
from invoices.explanations import explain
from invoices.models import Invoice, InvoiceEvent, InvoiceStatus
from supportdesk.admin_actions import run_on_each

# What the customer asked for: it decided whether the invoice needed review.
AMOUNT_FIELDS = ("amount", "currency", "period_start", "period_end")
# Fields the issuance pipeline owns: a hand edit would contradict what the gateway did.
PIPELINE_FIELDS = (
    "status", "explanation", "stage_started_at", "stage_due", "stalled", "attempts", "last_error",
    "reviewed_by", "reviewed_at", "rejection_reason", "invoice_number", "issued_at", "created_at", "updated_at",
)
# Until issuance starts, support may still correct the header and the tax ID.
CORRECTABLE_STATUSES = (InvoiceStatus.REQUESTED, InvoiceStatus.PENDING_REVIEW, InvoiceStatus.QUEUED)


class InvoiceEventInline(admin.TabularInline):
    model = InvoiceEvent
    fields = ("at", "actor", "kind", "from_status", "to_status", "detail")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("pipeline timeline")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _run_on_each(modeladmin, request, queryset, service, done: str) -> int:
    return run_on_each(
        modeladmin, request, queryset, lambda invoice, by: service(invoice=invoice, by=by),
        name=lambda invoice: invoice.reference,
        done=lambda n: ngettext("%(n)d invoice %(done)s.", "%(n)d invoices %(done)s.", n) % {"n": n, "done": done},
    )


@admin.action(description=_("Approve (pending review -> queued)"), permissions=["view"])
def approve(modeladmin, request, queryset):
    _run_on_each(modeladmin, request, queryset, services.invoice_approve, _("approved"))


@admin.action(description=_("Retry issuance (failed -> queued)"), permissions=["view"])
def retry(modeladmin, request, queryset):
    _run_on_each(modeladmin, request, queryset, services.invoice_retry, _("sent back to issuance"))


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    # Rejecting needs a reason for the customer: it is done in the review queue or the API.
    actions = [approve, retry]
    inlines = [InvoiceEventInline]
    list_display = (
        "reference",
        "customer",
        "amount",
        "currency",
        "period_start",
        "period_end",
        "status",
        "stalled",
        "invoice_number",
        "issued_at",
        "created_at",
    )
    list_filter = ("status", "stalled", "currency")
    list_select_related = ("customer",)
    search_fields = ("invoice_number", "title", "tax_id", "customer__username", "customer__email")
    search_help_text = _("Invoice number, header, tax ID or customer.")
    readonly_fields = ("reference", "customer", *AMOUNT_FIELDS, *PIPELINE_FIELDS)
    fieldsets = (
        (None, {"fields": ("reference", "customer", "title", "tax_id")}),
        (_("Amount"), {"fields": AMOUNT_FIELDS}),
        (_("Pipeline"), {"fields": PIPELINE_FIELDS}),
    )

    @admin.display(description=_("explanation"))
    def explanation(self, invoice):
        return explain(invoice, for_customer=False)

    @admin.display(description=_("reference"), ordering="pk")
    def reference(self, invoice):
        return invoice.reference

    def has_change_permission(self, request, obj=None):
        # Once issuance has started, the invoice is a record: shown, not edited.
        if obj is not None and obj.status not in CORRECTABLE_STATUSES:
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False  # customers request invoices through the product, which routes them into the pipeline

    def has_delete_permission(self, request, obj=None):
        return False  # an invoice request is a record of what the customer asked for and what was issued
