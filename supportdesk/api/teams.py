from django.conf import settings
from django.db.models import Count, Prefetch, Q
from rest_framework import serializers, viewsets

from supportdesk.api.permissions import IsSupportStaff
from supportdesk.models import Role, Team, User


class TeamMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name"]


class TeamSerializer(serializers.ModelSerializer):
    manager = TeamMemberSerializer(read_only=True)
    agents = TeamMemberSerializer(many=True, read_only=True, source="active_agents")
    expertise = serializers.ListField(child=serializers.CharField(), read_only=True)
    agent_count = serializers.IntegerField(read_only=True)
    over_capacity = serializers.SerializerMethodField(help_text="More agents than one manager should lead (about 20).")

    class Meta:
        model = Team
        fields = ["id", "name", "manager", "agents", "expertise", "categories", "agent_count", "over_capacity"]
        read_only_fields = fields

    def get_over_capacity(self, team) -> bool:
        return team.agent_count > settings.TEAM_RECOMMENDED_MAX_AGENTS


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TeamSerializer
    permission_classes = [IsSupportStaff]

    def get_queryset(self):
        active_agents = User.objects.filter(role=Role.AGENT, is_active=True).order_by("username")
        return (
            Team.objects.select_related("manager")
            .prefetch_related(Prefetch("members", queryset=active_agents, to_attr="active_agents"))
            .annotate(agent_count=Count("members", filter=Q(members__role=Role.AGENT, members__is_active=True)))
            .order_by("name")
        )
