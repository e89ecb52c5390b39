"""Reading tickets: always through what the user may see."""

from django.db import connections
from django.db.models import Q, QuerySet

from supportdesk.models import Role
from tickets.models import Ticket, TicketEvent, TicketMessage
from tickets.permissions import led_team_ids, sees_everything


def ticket_list_visible(*, user) -> QuerySet[Ticket]:
    tickets = Ticket.objects.select_related("customer", "assignee", "escalated_to", "team", "invoice")
    if not user.is_authenticated or not user.is_active:
        return tickets.none()
    if sees_everything(user):
        return tickets
    if user.role == Role.CUSTOMER:
        return tickets.filter(customer=user)
    if user.role == Role.AGENT:
        mine = Q(assignee=user)
        return tickets.filter(mine | Q(team_id=user.team_id)) if user.team_id else tickets.filter(mine)
    if user.role == Role.MANAGER:
        return tickets.filter(Q(escalated_to=user) | Q(team_id__in=led_team_ids(user)))
    return tickets.none()


def ticket_count_each(tickets: dict[str, QuerySet[Ticket]], *, limit: int) -> dict[str, int]:
    """How many tickets each queryset holds, counting no further than limit + 1 (more than `limit` means "at least
    that"), all in one query: each count is a `COUNT(*)` over a `LIMIT`ed subquery, so the database stops early
    however many tickets there are."""
    if not tickets:
        return {}
    parts, params = [], []
    for n, queryset in enumerate(tickets.values()):
        sql, sql_params = queryset.order_by().values("pk")[: limit + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped_{n})")
        params.extend(sql_params)
    with connections[Ticket.objects.db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        counts = cursor.fetchone()
    return dict(zip(tickets, counts, strict=True))


def ticket_get_visible(*, user, pk) -> Ticket:
    """The ticket, or Ticket.DoesNotExist when it does not exist or the user may not see it."""
    return ticket_list_visible(user=user).get(pk=pk)


def message_list_visible(*, user, ticket: Ticket) -> QuerySet[TicketMessage]:
    messages = ticket.messages.select_related("author")
    return messages.filter(internal=False) if not user.is_support_staff else messages


def event_list_visible(*, user, ticket: Ticket) -> QuerySet[TicketEvent]:
    events = ticket.events.select_related("actor")
    return events.filter(public=True) if not user.is_support_staff else events
