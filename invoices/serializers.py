from decimal import Decimal

from rest_framework import serializers

from invoices.explanations import explain
from invoices.models import MAX_AMOUNT, Currency, Invoice, InvoiceEvent
from supportdesk.models import Role, User


class InvoiceSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    explanation = serializers.SerializerMethodField(help_text="What it waits for, since when, who acts next, by when.")
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id", "reference", "customer", "amount", "currency", "period_start", "period_end", "title", "tax_id",
            "status", "explanation", "stage_due", "stalled", "invoice_number", "issued_at", "created_at",
            "allowed_transitions",
        ]
        read_only_fields = fields

    def get_explanation(self, invoice) -> str:
        return explain(invoice, for_customer=self.context["request"].user.is_customer)

    def get_allowed_transitions(self, invoice) -> list[str]:
        return invoice.allowed_transitions_for(self.context["request"].user)


class InvoiceCreateSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"), max_value=MAX_AMOUNT)
    currency = serializers.ChoiceField(choices=Currency.choices, default=Currency.CNY)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    title = serializers.CharField(max_length=200, help_text="The invoice header: the company or person invoiced.")
    tax_id = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    customer = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.CUSTOMER, is_active=True),
        required=False,
        help_text="Staff requesting on a customer's behalf name the customer; customers leave it out.",
    )

    def validate(self, data):
        user = self.context["request"].user
        if user.role == Role.CUSTOMER:
            if "customer" in data and data["customer"].pk != user.pk:
                raise serializers.ValidationError({"customer": "Customers request invoices for themselves."})
            data["customer"] = user
        elif "customer" not in data:
            raise serializers.ValidationError({"customer": "Name the customer this invoice is for."})
        return data


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why; the customer reads it.")


class EmptySerializer(serializers.Serializer):
    pass


class InvoiceEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceEvent
        fields = ["id", "at", "actor", "kind", "from_status", "to_status", "detail"]
        read_only_fields = fields
