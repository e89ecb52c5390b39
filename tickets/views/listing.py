"""How ticket lists are ordered and paged on the web pages."""

from django.core.paginator import Page, Paginator
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.db.models.functions import Coalesce, Least

from tickets.models import ACTIVE_STATUSES, Ticket


def active_first(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Work still to do on top, the most recently touched first; finished tickets after."""
    return tickets.annotate(finished=_finished()).order_by("finished", "-updated_at", "-id")


def nearest_deadline_first(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Work still to do on top, the nearest SLA due time first; tickets without one after, then finished ones."""
    return tickets.annotate(finished=_finished(), nearest_due=nearest_due()).order_by(
        "finished", F("nearest_due").asc(nulls_last=True), "-updated_at", "-id"
    )


def nearest_due():
    """The earliest of the three due columns, ignoring empty ones; empty when all are.

    LEAST is NULL as soon as one argument is on SQLite (and MIN ignores nothing),
    so each argument is a COALESCE starting from a different column: every set
    due time is the first choice of one of them, and none is NULL unless all are.
    """
    first, update, resolution = "first_response_due", "next_update_due", "resolution_due"
    return Least(
        Coalesce(first, update, resolution),
        Coalesce(update, resolution, first),
        Coalesce(resolution, first, update),
    )


def _finished():
    return Case(When(status__in=ACTIVE_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField())


def page_of(tickets: QuerySet[Ticket], request, *, size: int) -> Page:
    """One page: two queries (count, rows) whatever the number of tickets."""
    return Paginator(tickets, size).get_page(request.GET.get("page"))
