from rest_framework import serializers

from escalation.models import Calendar, Escalation, Incident, SlaPolicy
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


class EscalationSerializer(serializers.ModelSerializer):
    ticket_reference = serializers.CharField(source="ticket.reference", read_only=True)
    owner_name = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Escalation
        fields = [
            "id", "ticket", "ticket_reference", "level", "reason", "target", "due_at", "created_at", "owner", "owner_name",
            "status", "acknowledge_due", "acknowledged_at", "acknowledged_by", "resolved_at", "note", "allowed_transitions",
        ]
        read_only_fields = fields

    def get_owner_name(self, escalation) -> str:
        return str(escalation.owner) if escalation.owner else ""

    def get_allowed_transitions(self, escalation) -> list[str]:
        return escalation.allowed_transitions_for(self.context["request"].user)


class IncidentSerializer(serializers.ModelSerializer):
    ticket_count = serializers.IntegerField(read_only=True, default=0)
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id", "title", "status", "public_message", "eta", "started_at", "resolved_at", "automatic", "resolution",
            "ticket_count", "allowed_transitions",
        ]
        read_only_fields = ["id", "status", "started_at", "resolved_at", "automatic", "resolution", "ticket_count"]

    def get_allowed_transitions(self, incident) -> list[str]:
        return incident.allowed_transitions_for(self.context["request"].user)


class IncidentCustomerSerializer(serializers.ModelSerializer):
    """What a customer may read: the banner, not the staff's notes."""

    class Meta:
        model = Incident
        fields = ["id", "title", "status", "public_message", "eta", "started_at", "resolved_at", "resolution"]
        read_only_fields = fields


class IncidentDeclareSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    public_message = serializers.CharField()
    eta = serializers.DateTimeField(required=False, allow_null=True)


class IncidentUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    public_message = serializers.CharField(required=False)
    eta = serializers.DateTimeField(required=False, allow_null=True)


class IncidentResolveSerializer(serializers.Serializer):
    public_message = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="What every linked customer is told."
    )
