import django_filters

from escalation.models import Escalation, EscalationStatus, Incident, IncidentStatus
from tickets.models import Level


class EscalationFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(method="filter_open", label="Not resolved yet")
    level = django_filters.ChoiceFilter(choices=[c for c in Level.choices if c[0] > Level.AGENT])
    status = django_filters.MultipleChoiceFilter(choices=EscalationStatus.choices)

    class Meta:
        model = Escalation
        fields = ["open", "level", "owner", "reason", "status", "ticket"]

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        resolved = {"status": EscalationStatus.RESOLVED}
        return queryset.exclude(**resolved) if value else queryset.filter(**resolved)


class IncidentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=IncidentStatus.choices)

    class Meta:
        model = Incident
        fields = ["status"]
