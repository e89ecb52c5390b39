from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from invoices.models import Invoice
from supportdesk.models import Role, User
from tickets.models import Category, Priority, Ticket, TicketEvent, TicketMessage, held_by_phrase


class TicketSlaSerializer(serializers.Serializer):
    first_response_due = serializers.DateTimeField(allow_null=True)
    next_update_due = serializers.DateTimeField(allow_null=True)
    resolution_due = serializers.DateTimeField(allow_null=True)
    paused = serializers.BooleanField(help_text="True while the ticket waits on the customer: the clock stands still.")
    breached = serializers.ListField(
        child=serializers.ChoiceField(choices=["first_response", "next_update", "resolution"]),
        help_text="Targets past due and not met.",
    )


class TicketSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    sla = serializers.SerializerMethodField()
    held_by = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id", "reference", "subject", "description", "category", "priority", "status", "level",
            "customer", "assignee", "escalated_to", "team", "invoice", "incident", "created_at", "updated_at",
            "first_responded_at", "resolved_at", "closed_at", "sla", "held_by", "allowed_transitions",
        ]
        read_only_fields = fields

    @extend_schema_field(TicketSlaSerializer)
    def get_sla(self, ticket) -> dict:
        return {
            "first_response_due": ticket.first_response_due,
            "next_update_due": ticket.next_update_due,
            "resolution_due": ticket.resolution_due,
            "paused": ticket.sla_paused_at is not None,
            "breached": ticket.breached_targets(timezone.now()),
        }

    def get_held_by(self, ticket) -> str:
        return held_by_phrase(ticket)

    def get_allowed_transitions(self, ticket) -> list[str]:
        return ticket.allowed_transitions_for(self.context["request"].user)


class TicketCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    invoice = serializers.PrimaryKeyRelatedField(queryset=Invoice.objects.all(), required=False, allow_null=True)
    customer = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=Role.CUSTOMER, is_active=True),
        required=False,
        help_text="Staff opening a ticket on a customer's behalf name the customer; customers leave it out.",
    )

    def validate(self, data):
        user = self.context["request"].user
        if user.role == Role.CUSTOMER:
            if "customer" in data and data["customer"].pk != user.pk:
                raise serializers.ValidationError({"customer": "Customers open tickets for themselves."})
            data["customer"] = user
        elif "customer" not in data:
            raise serializers.ValidationError({"customer": "Name the customer this ticket is for."})
        invoice = data.get("invoice")
        if invoice is not None and invoice.customer_id != data["customer"].pk:
            # Same answer as for an invoice that does not exist: ids leak nothing.
            raise serializers.ValidationError({"invoice": f'Invalid pk "{invoice.pk}" - object does not exist.'})
        return data


class AssignSerializer(serializers.Serializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(role=Role.AGENT, is_active=True))


class RequestInfoSerializer(serializers.Serializer):
    body = serializers.CharField(help_text="The question for the customer; sent to them as a public reply.")


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(help_text="What was done; the customer reads it.")


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class EscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the ticket needs the next level.")


class ReturnToAgentSerializer(serializers.Serializer):
    guidance = serializers.CharField(help_text="What the agent should do next; internal.")


class EmptySerializer(serializers.Serializer):
    pass


class TransitionRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    status = serializers.CharField()
    allowed_transitions = serializers.ListField(child=serializers.CharField())


class TicketMessageSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = TicketMessage
        fields = ["id", "author", "author_name", "body", "internal", "created_at"]
        read_only_fields = ["id", "author", "author_name", "created_at"]

    def get_author_name(self, message) -> str:
        return str(message.author) if message.author else ""


class TicketEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = TicketEvent
        fields = ["id", "at", "actor", "actor_name", "kind", "from_status", "to_status", "detail", "public"]
        read_only_fields = fields

    def get_actor_name(self, event) -> str:
        return str(event.actor) if event.actor else "Supportdesk"
