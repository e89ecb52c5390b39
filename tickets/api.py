"""`/api/v1/tickets/`: thin views over tickets.services and tickets.selectors."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from tickets import selectors, services
from tickets.filters import TicketFilter
from tickets.models import Ticket
from tickets.serializers import (
    AssignSerializer,
    EmptySerializer,
    EscalateSerializer,
    ReopenSerializer,
    RequestInfoSerializer,
    ResolveSerializer,
    ReturnToAgentSerializer,
    TicketCreateSerializer,
    TicketEventSerializer,
    TicketMessageSerializer,
    TicketSerializer,
    TransitionRefusedSerializer,
)

_TRANSITION_RESPONSES = {
    200: TicketSerializer,
    400: OpenApiResponse(description="Field errors, e.g. {\"reason\": [\"This field may not be blank.\"]}"),
    403: OpenApiResponse(description="Your role may not run this transition."),
    404: OpenApiResponse(description="No such ticket, or not one you may see."),
    409: TransitionRefusedSerializer,
}


def transition_schema(request_serializer, summary):
    return extend_schema(request=request_serializer, responses=_TRANSITION_RESPONSES, summary=summary)


@extend_schema_view(
    list=extend_schema(summary="Tickets you may see"),
    retrieve=extend_schema(summary="One ticket"),
    create=extend_schema(request=TicketCreateSerializer, responses={201: TicketSerializer}, summary="Open a ticket"),
)
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = TicketSerializer
    filterset_class = TicketFilter
    queryset = Ticket.objects.none()  # for the schema; real queries go through the selector

    def get_queryset(self):
        return selectors.ticket_list_visible(user=self.request.user).order_by("-created_at", "-id")

    def create(self, request, *args, **kwargs):
        payload = TicketCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        if not (request.user.is_customer or request.user.is_support_staff):
            raise PermissionDenied()
        ticket = services.ticket_create(**payload.validated_data)
        ticket = selectors.ticket_get_visible(user=request.user, pk=ticket.pk)
        return Response(self.get_serializer(ticket).data, status=status.HTTP_201_CREATED)

    def _run(self, request, input_serializer, service):
        ticket = self.get_object()
        payload = input_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        # The answer is the ticket as the transition left it, even when the
        # caller no longer holds it afterwards (a manager returning it to an agent).
        updated = service(ticket=ticket, by=request.user, **payload.validated_data)
        return Response(self.get_serializer(updated).data)

    @transition_schema(AssignSerializer, "Assign to an agent (new or open -> open)")
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._run(request, AssignSerializer, services.ticket_assign)

    @transition_schema(RequestInfoSerializer, "Ask the customer for information (open -> waiting_on_customer)")
    @action(detail=True, methods=["post"])
    def request_info(self, request, pk=None):
        return self._run(request, RequestInfoSerializer, services.ticket_request_info)

    @transition_schema(EscalateSerializer, "Escalate one level (new, open or escalated -> escalated)")
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self._run(request, EscalateSerializer, services.ticket_escalate)

    @transition_schema(ReturnToAgentSerializer, "Return to the agent with guidance (escalated -> open)")
    @action(detail=True, methods=["post"])
    def return_to_agent(self, request, pk=None):
        return self._run(request, ReturnToAgentSerializer, services.ticket_return_to_agent)

    @transition_schema(ResolveSerializer, "Resolve (open or escalated -> resolved)")
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._run(request, ResolveSerializer, services.ticket_resolve)

    @transition_schema(ReopenSerializer, "Reopen (resolved -> open)")
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._run(request, ReopenSerializer, services.ticket_reopen)

    @transition_schema(EmptySerializer, "Close (resolved -> closed)")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._run(request, EmptySerializer, services.ticket_close)


class _TicketChildViewSet(viewsets.GenericViewSet):
    """Messages and events of one ticket: 404 unless the caller may see the ticket."""

    pagination_class = None

    def get_ticket(self) -> Ticket:
        if getattr(self, "swagger_fake_view", False):
            return None
        try:
            return selectors.ticket_get_visible(user=self.request.user, pk=self.kwargs["ticket_pk"])
        except Ticket.DoesNotExist:
            raise Http404 from None


@extend_schema_view(
    list=extend_schema(summary="The conversation: public replies, and internal notes for staff"),
    create=extend_schema(summary="Post a public reply or an internal note"),
)
class TicketMessageViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, _TicketChildViewSet):
    serializer_class = TicketMessageSerializer

    def get_queryset(self):
        ticket = self.get_ticket()
        if ticket is None:
            return Ticket.objects.none()
        return selectors.message_list_visible(user=self.request.user, ticket=ticket)

    def create(self, request, *args, **kwargs):
        ticket = self.get_ticket()
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        message = services.message_post(
            ticket=ticket, author=request.user, body=payload.validated_data["body"],
            internal=payload.validated_data.get("internal", False),
        )
        return Response(self.get_serializer(message).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="The audit timeline; customers see public events only"))
class TicketEventViewSet(mixins.ListModelMixin, _TicketChildViewSet):
    serializer_class = TicketEventSerializer

    def get_queryset(self):
        ticket = self.get_ticket()
        if ticket is None:
            return Ticket.objects.none()
        return selectors.event_list_visible(user=self.request.user, ticket=ticket)
