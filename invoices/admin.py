"""Invoices in the admin: their pipeline state is shown, never edited by hand."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from invoices.models import Invoice, InvoiceStatus

# What the customer asked for: it decided whether the invoice needed review.
AMOUNT_FIELDS = ("amount", "currency", "period_start", "period_end")
# Fields the issuance pipeline owns: a hand edit would contradict what the gateway did.
PIPELINE_FIELDS = ("status", "invoice_number", "issued_at", "created_at", "updated_at")
# Until issuance starts, support may still correct the header and the tax ID.
CORRECTABLE_STATUSES = (InvoiceStatus.REQUESTED, InvoiceStatus.PENDING_REVIEW, InvoiceStatus.QUEUED)


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "customer",
        "amount",
        "currency",
        "period_start",
        "period_end",
        "status",
        "invoice_number",
        "issued_at",
        "created_at",
    )
    list_filter = ("status", "currency")
    list_select_related = ("customer",)
    search_fields = ("invoice_number", "title", "tax_id", "customer__username", "customer__email")
    search_help_text = _("Invoice number, header, tax ID or customer.")
    readonly_fields = ("reference", "customer", *AMOUNT_FIELDS, *PIPELINE_FIELDS)
    fieldsets = (
        (None, {"fields": ("reference", "customer", "title", "tax_id")}),
        (_("Amount"), {"fields": AMOUNT_FIELDS}),
        (_("Pipeline"), {"fields": PIPELINE_FIELDS}),
    )

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
