"""`/api/v1/notifications/`: your own in-app notifications; mark one or all read."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from supportdesk import inbox
from supportdesk.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "subject", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


class ReadCountSerializer(serializers.Serializer):
    marked_read = serializers.IntegerField()


@extend_schema_view(list=extend_schema(summary="Your notifications, newest first (`?unread=true` for the new ones)"))
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    queryset = Notification.objects.none()

    def get_queryset(self):
        notifications = inbox.notifications_of(self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            notifications = notifications.filter(read_at__isnull=True)
        return notifications

    @extend_schema(request=None, responses=ReadCountSerializer, summary="Mark one notification read")
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        return Response({"marked_read": inbox.mark_read(request.user, pk=notification.pk)})

    @extend_schema(request=None, responses=ReadCountSerializer, summary="Mark all your notifications read")
    @action(detail=False, methods=["post"])
    def read_all(self, request):
        return Response({"marked_read": inbox.mark_read(request.user)})
