from rest_framework import serializers

from escalation.models import Calendar, SlaPolicy
from tickets.models import Category, Priority


class SlaPolicySerializer(serializers.ModelSerializer):
    category = serializers.ChoiceField(choices=[("", "any"), *Category.choices], required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=[("", "any"), *Priority.choices], required=False, allow_blank=True)
    calendar = serializers.PrimaryKeyRelatedField(queryset=Calendar.objects.all())

    class Meta:
        model = SlaPolicy
        fields = [
            "id", "name", "category", "priority", "customer_tier", "first_response_minutes", "next_update_minutes",
            "resolution_minutes", "acknowledge_minutes", "invoice_review_minutes", "invoice_issue_minutes",
            "calendar", "is_active",
        ]
