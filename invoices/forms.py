"""Forms of the invoice pages: they check the input's shape; invoices.services decides and acts."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from invoices.models import MAX_AMOUNT, Currency


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")  # what a date input expects, in every language


class InvoiceRequestForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT,
        error_messages={
            "invalid": _("Enter the amount as a number, such as 300 or 10300.50."),
            "min_value": _("The amount must be more than zero."),
            "max_value": _("The amount is too large for one invoice."),
        },
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.CNY)
    period_start = forms.DateField(label=_("Billing period from"), widget=_DateInput())
    period_end = forms.DateField(
        label=_("Billing period to"),
        widget=_DateInput(),
        help_text=_("The last day the invoice covers; not in the future."),
    )
    title = forms.CharField(
        label=_("Invoice header"),
        max_length=200,
        help_text=_("The name printed on the invoice, usually your company's."),
    )
    tax_id = forms.CharField(label=_("Tax id (optional)"), max_length=40, required=False)


class InvoiceActionForm(forms.Form):
    """A form that runs one transition on one invoice; `next` says where to go back to after it."""

    next = forms.CharField(required=False, widget=forms.HiddenInput)


class ApproveForm(InvoiceActionForm):
    pass


class RejectForm(InvoiceActionForm):
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The customer reads this, so say what to correct."),
    )


class RetryForm(InvoiceActionForm):
    pass
