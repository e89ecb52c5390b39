import re

import django_filters
from django.db.models import Q

from tickets.models import Category, Level, Status, Ticket

_REFERENCE = re.compile(r"^\s*T-?0*(\d+)\s*$", re.IGNORECASE)


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    category = django_filters.MultipleChoiceFilter(choices=Category.choices)
    level = django_filters.ChoiceFilter(choices=Level.choices)
    search = django_filters.CharFilter(method="filter_search", label="Reference, subject or description contains")

    class Meta:
        model = Ticket
        fields = ["status", "category", "level", "assignee", "team", "customer"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        reference = _REFERENCE.match(value)
        if reference:
            return queryset.filter(pk=int(reference.group(1)))
        return queryset.filter(Q(subject__icontains=value) | Q(description__icontains=value))
