"""`/api/v1/escalations/` and `/api/v1/incidents/`: thin views over escalation.services and escalation.incidents."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from escalation import incidents, selectors, services
from escalation.filters import EscalationFilter, IncidentFilter
from escalation.models import Escalation, Incident
from escalation.serializers import (
    EscalationSerializer,
    IncidentCustomerSerializer,
    IncidentDeclareSerializer,
    IncidentResolveSerializer,
    IncidentSerializer,
    IncidentUpdateSerializer,
)
from tickets.serializers import EmptySerializer, TransitionRefusedSerializer

_REFUSALS = {
    403: OpenApiResponse(description="Your role may not do this."),
    404: OpenApiResponse(description="No such record, or not one you may see."),
    409: TransitionRefusedSerializer,
}


@extend_schema_view(
    list=extend_schema(summary="Escalations you may see, oldest first (filters: open, level, owner)"),
    retrieve=extend_schema(summary="One escalation"),
)
class EscalationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EscalationSerializer
    filterset_class = EscalationFilter
    queryset = Escalation.objects.none()

    def get_queryset(self):
        return selectors.escalation_list_visible(user=self.request.user).order_by("created_at", "id")

    def _run(self, service):
        escalation = self.get_object()
        service(escalation=escalation, by=self.request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=escalation.pk)).data)

    @extend_schema(request=EmptySerializer, responses={200: EscalationSerializer, **_REFUSALS}, summary="Acknowledge (owner)")
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._run(services.escalation_acknowledge)

    @extend_schema(request=EmptySerializer, responses={200: EscalationSerializer, **_REFUSALS}, summary="Take the ticket over")
    @action(detail=True, methods=["post"])
    def take_over(self, request, pk=None):
        return self._run(services.escalation_take_over)


@extend_schema_view(
    list=extend_schema(summary="Incidents; `?status=open` feeds the customers' status banner"),
    retrieve=extend_schema(summary="One incident"),
    create=extend_schema(request=IncidentDeclareSerializer, responses={201: IncidentSerializer}, summary="Declare an incident"),
    partial_update=extend_schema(request=IncidentUpdateSerializer, summary="Change the public message or ETA"),
)
class IncidentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    filterset_class = IncidentFilter
    queryset = Incident.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.incident_list_visible(user=self.request.user).order_by("-started_at", "-id")

    def get_serializer_class(self):
        user = self.request.user
        return IncidentSerializer if user.is_authenticated and user.is_support_staff else IncidentCustomerSerializer

    def _respond(self, incident, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=incident.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        payload = IncidentDeclareSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        incident = incidents.incident_declare(by=request.user, **payload.validated_data)
        return self._respond(incident, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        incident = self.get_object()
        payload = IncidentUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        return self._respond(incidents.incident_update(incident=incident, by=request.user, **payload.validated_data))

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=IncidentResolveSerializer, responses={200: IncidentSerializer, **_REFUSALS}, summary="Resolve")
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        incident = self.get_object()
        payload = IncidentResolveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._respond(incidents.incident_resolve(incident=incident, by=request.user, **payload.validated_data))
