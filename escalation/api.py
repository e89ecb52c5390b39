"""`/api/v1/sla-policies/`: administrators write, support staff read."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission

from escalation.models import SlaPolicy
from escalation.serializers import SlaPolicySerializer


class StaffReadAdministratorsWrite(BasePermission):
    message = "Only support staff read SLA policies, and only administrators change them."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_support_staff):
            return False
        return request.method in SAFE_METHODS or user.is_administrator


@extend_schema_view(
    list=extend_schema(summary="SLA policies, most specific matches first when applied"),
    create=extend_schema(summary="Add an SLA policy (administrators)"),
    partial_update=extend_schema(summary="Change an SLA policy (administrators)"),
)
class SlaPolicyViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SlaPolicySerializer
    permission_classes = [StaffReadAdministratorsWrite]
    queryset = SlaPolicy.objects.select_related("calendar").order_by("name")
    http_method_names = ["get", "post", "patch", "head", "options"]
