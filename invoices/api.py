"""`/api/v1/invoices/`: thin views over invoices.services and invoices.selectors."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from invoices import selectors, services
from invoices.filters import InvoiceFilter
from invoices.models import Invoice
from invoices.serializers import (
    EmptySerializer,
    InvoiceCreateSerializer,
    InvoiceEventSerializer,
    InvoiceSerializer,
    RejectSerializer,
)
from tickets.serializers import TransitionRefusedSerializer

_TRANSITION_RESPONSES = {
    200: InvoiceSerializer,
    400: OpenApiResponse(description="Field errors"),
    403: OpenApiResponse(description="Your role may not do this (reviewers: managers with invoice expertise)."),
    404: OpenApiResponse(description="No such invoice, or not one you may see."),
    409: TransitionRefusedSerializer,
}


@extend_schema_view(
    list=extend_schema(summary="Invoices you may see"),
    retrieve=extend_schema(summary="One invoice, with its definite explanation"),
    create=extend_schema(request=InvoiceCreateSerializer, responses={201: InvoiceSerializer}, summary="Request an e-invoice"),
)
class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    queryset = Invoice.objects.none()  # for the schema; real queries go through the selector

    def get_queryset(self):
        return selectors.invoice_list_visible(user=self.request.user).order_by("-created_at", "-id")

    def create(self, request, *args, **kwargs):
        if not (request.user.is_customer or request.user.is_support_staff):
            raise PermissionDenied()
        payload = InvoiceCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        invoice = services.invoice_request(**payload.validated_data, by=request.user)
        invoice = selectors.invoice_get_visible(user=request.user, pk=invoice.pk)
        return Response(self.get_serializer(invoice).data, status=status.HTTP_201_CREATED)

    def _run(self, request, input_serializer, service):
        invoice = self.get_object()
        payload = input_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        updated = service(invoice=invoice, by=request.user, **payload.validated_data)
        return Response(self.get_serializer(selectors.invoice_get_visible(user=request.user, pk=updated.pk)).data)

    @extend_schema(request=EmptySerializer, responses=_TRANSITION_RESPONSES, summary="Approve (pending_review -> queued)")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._run(request, EmptySerializer, services.invoice_approve)

    @extend_schema(request=RejectSerializer, responses=_TRANSITION_RESPONSES, summary="Reject with a reason (pending_review -> rejected)")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._run(request, RejectSerializer, services.invoice_reject)

    @extend_schema(request=EmptySerializer, responses=_TRANSITION_RESPONSES, summary="Retry a failed issuance (failed -> queued)")
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        return self._run(request, EmptySerializer, services.invoice_retry)

    @extend_schema(responses=InvoiceEventSerializer(many=True), summary="The pipeline timeline")
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def events(self, request, pk=None):
        invoice = self.get_object()
        return Response(InvoiceEventSerializer(selectors.invoice_timeline(invoice=invoice), many=True).data)
