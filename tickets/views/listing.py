"""How ticket lists are ordered and paged on the web pages."""

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import F, QuerySet

from supportdesk.api.pagination import CappedPaginator, OpenEndedPage
from tickets.models import Ticket, finished_last, nearest_due


def active_first(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Work still to do on top, the most recently touched first; finished tickets after."""
    return tickets.annotate(finished=finished_last()).order_by("finished", "-updated_at", "-id")


def nearest_deadline_first(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Work still to do on top, the nearest SLA due time first; tickets without one after, then finished ones."""
    return tickets.annotate(finished=finished_last(), nearest_due=nearest_due()).order_by(
        "finished", F("nearest_due").asc(nulls_last=True), "-updated_at", "-id"
    )


def page_of(tickets: QuerySet[Ticket], request, *, size: int) -> Page:
    """One page: two queries (count, rows) whatever the number of tickets."""
    return Paginator(tickets, size).get_page(request.GET.get("page"))


class UncountedPaginator(CappedPaginator):
    """Pages that never count: each reads one row more than it shows to know whether another page follows, and the
    list has no last page to name ("Page N", Previous, Next). A page past the last row is empty (its Previous link
    leads back), which costs the same one query as any other."""

    def __init__(self, object_list, per_page):
        super().__init__(object_list, per_page, limit=0)
        self._set_count(1)  # "more than none": count_is_exact is false, the count a lower bound from here on

    def page(self, number) -> Page:
        try:
            return super().page(number)
        except EmptyPage:
            return OpenEndedPage([], self.validate_number(number), self, more=False)  # below 1: raises again


def uncounted_page_of(tickets: QuerySet[Ticket], request, *, size: int) -> Page:
    """One page in one query (its rows and one more) whatever the number of tickets, and no count."""
    return UncountedPaginator(tickets, size).get_page(request.GET.get("page"))
