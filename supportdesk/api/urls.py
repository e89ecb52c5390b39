from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from escalation.api import SlaPolicyViewSet
from escalation.api_escalations import EscalationViewSet, IncidentViewSet
from invoices.api import InvoiceViewSet
from supportdesk.api.auth import ObtainTokenView
from supportdesk.api.notifications import NotificationViewSet
from supportdesk.api.teams import TeamViewSet
from tickets.api import TicketEventViewSet, TicketMessageViewSet, TicketViewSet

router = DefaultRouter()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("teams", TeamViewSet, basename="team")
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("sla-policies", SlaPolicyViewSet, basename="sla-policy")
router.register("escalations", EscalationViewSet, basename="escalation")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("incidents", IncidentViewSet, basename="incident")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "tickets/<int:ticket_pk>/messages/",
        TicketMessageViewSet.as_view({"get": "list", "post": "create"}),
        name="ticket-messages",
    ),
    path("tickets/<int:ticket_pk>/events/", TicketEventViewSet.as_view({"get": "list"}), name="ticket-events"),
    path("", include(router.urls)),
]
