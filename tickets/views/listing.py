"""How ticket lists are ordered and paged on the web pages."""

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, QuerySet, Value, When

from tickets.models import ACTIVE_STATUSES, Ticket


def active_first(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Work still to do on top, the most recently touched first; finished tickets after."""
    finished = Case(When(status__in=ACTIVE_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField())
    return tickets.annotate(finished=finished).order_by("finished", "-updated_at", "-id")


def page_of(tickets: QuerySet[Ticket], request, *, size: int) -> Page:
    """One page: two queries (count, rows) whatever the number of tickets."""
    return Paginator(tickets, size).get_page(request.GET.get("page"))
