import django_filters

from invoices.models import Invoice, InvoiceStatus


class InvoiceFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=InvoiceStatus.choices)
    stalled = django_filters.BooleanFilter()

    class Meta:
        model = Invoice
        fields = ["status", "stalled", "customer", "currency"]
