"""Pages that cost the same whatever the size of the list.

An exact `COUNT(*)` reads every row a caller may see: a million tickets make it the slowest query of a page.
`CappedPaginator` counts no further than `COUNT_LIMIT` (a `LIMIT` inside the count, so the database stops early);
beyond that the count is a lower bound (`count_is_exact` is false) and pages go on for as long as they have rows,
which each page learns by fetching one row more than it shows.
"""

from collections import OrderedDict

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination
from rest_framework.response import Response

COUNT_LIMIT = 10_000


def count_up_to(items, *, limit: int) -> int:
    """How many items there are, counting no further than limit + 1: more than `limit` means "at least that"."""
    if isinstance(items, QuerySet):
        return items.order_by().values("pk")[: limit + 1].count()
    return min(len(items), limit + 1)


class CappedPaginator(Paginator):
    """A paginator whose `count` is exact up to `limit` and a lower bound beyond it (`count_is_exact` says which)."""

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, limit: int | None = None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.limit = COUNT_LIMIT if limit is None else limit

    @cached_property
    def count(self) -> int:
        counted = count_up_to(self.object_list, limit=self.limit)
        self._set_count(counted)
        return self.__dict__["count"]

    def _set_count(self, counted: int) -> None:
        self.count_is_exact = counted <= self.limit
        self.__dict__["count"] = counted if self.count_is_exact else self.limit
        self.__dict__.pop("num_pages", None)

    def validate_number(self, number):
        if self.count is not None and self.count_is_exact:  # counting first says which rule applies
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(_("That page number is not an integer")) from None
        if number < 1:
            raise EmptyPage(_("That page number is less than 1"))
        return number  # how far the rows go is known once the page is read

    def _rows(self, bottom: int, top: int):
        """The rows from bottom to top. Deep in a queryset, the page's primary keys are picked first, from the
        table alone, and only those rows are read with their joins: with a plain OFFSET the database joins every
        row it skips (ten thousand of them on page 400) before throwing them away."""
        items = self.object_list
        if bottom == 0 or not isinstance(items, QuerySet):
            return items[bottom:top]
        return items.filter(pk__in=items.values("pk")[bottom:top])

    def get_page(self, number) -> Page:
        """As Paginator.get_page: the first page for a bad number, the last known one for a page past the end."""
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.num_pages)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if self.count_is_exact:
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            return self._get_page(self._rows(bottom, top), number, self)
        rows = list(self._rows(bottom, bottom + self.per_page + 1))
        if not rows:
            raise EmptyPage(_("That page contains no results"))
        more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        if bottom + len(rows) > self.count:  # a page beyond the limit: the lower bound grows with it
            self.__dict__["count"] = bottom + len(rows)
            self.__dict__.pop("num_pages", None)
        return OpenEndedPage(rows, number, self, more=more)


class OpenEndedPage(Page):
    """A page of a list counted only up to a limit: whether another page follows is known from its rows."""

    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more


class PageNumberPagination(BasePageNumberPagination):
    """`{"count", "count_is_exact", "next", "previous", "results"}`: `count` is exact up to 10,000, a lower bound
    beyond (then `count_is_exact` is false); `next` is null on the last page either way."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(OrderedDict([
            ("count", paginator.count),
            ("count_is_exact", getattr(paginator, "count_is_exact", True)),
            ("next", self.get_next_link()),
            ("previous", self.get_previous_link()),
            ("results", data),
        ]))

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        properties = answer["properties"]
        properties["count"]["description"] = f"Exact up to {COUNT_LIMIT:,}; beyond, a lower bound."
        answer["properties"] = {
            "count": properties["count"],
            "count_is_exact": {"type": "boolean", "example": True,
                               "description": f"False when there are more than {COUNT_LIMIT:,} items."},
            **{key: value for key, value in properties.items() if key != "count"},
        }
        answer["required"] = ["count", "count_is_exact", "results"]
        return answer
