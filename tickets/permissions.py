"""Who may see a ticket and who may run each of its transitions.

Permission functions take `(ticket, user)`, as django-fsm calls them, and must
not run SQL per ticket: the lists of the API compute `allowed_transitions` for
every row of a page.
"""

from supportdesk.models import Role


def led_team_ids(user) -> frozenset[int]:
    """The teams a manager leads, fetched once per user object."""
    cached = getattr(user, "_led_team_ids", None)
    if cached is None:
        cached = frozenset(user.led_teams.values_list("id", flat=True)) if user.role == Role.MANAGER else frozenset()
        user._led_team_ids = cached
    return cached


def sees_everything(user) -> bool:
    return user.is_superuser or user.role in (Role.HEAD, Role.ADMIN)


def can_view(user, ticket) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if sees_everything(user):
        return True
    if user.role == Role.CUSTOMER:
        return ticket.customer_id == user.id
    if user.role == Role.AGENT:
        return ticket.assignee_id == user.id or (ticket.team_id is not None and ticket.team_id == user.team_id)
    if user.role == Role.MANAGER:
        return ticket.escalated_to_id == user.id or ticket.team_id in led_team_ids(user)
    return False


def is_staff_on(ticket, user) -> bool:
    return user.is_support_staff and can_view(user, ticket)


def is_manager_or_above_on(ticket, user) -> bool:
    return (user.role in (Role.MANAGER, Role.HEAD, Role.ADMIN) or user.is_superuser) and can_view(user, ticket)


def is_owner_or_staff_on(ticket, user) -> bool:
    return (user.role == Role.CUSTOMER and ticket.customer_id == user.id) or is_staff_on(ticket, user)


def is_owner_on(ticket, user) -> bool:
    return user.role == Role.CUSTOMER and ticket.customer_id == user.id


def may_assign(ticket, user) -> bool:
    """Managers and above assign anyone; an agent may only take an unassigned ticket of their team."""
    if user.role == Role.AGENT:
        return ticket.assignee_id is None and user.team_id is not None and can_view(user, ticket)
    return is_staff_on(ticket, user)


def may_escalate(ticket, user) -> bool:
    """Agents hand a ticket to a manager; only a manager or above sends it further up."""
    if ticket.level > 1:
        return is_manager_or_above_on(ticket, user)
    return is_staff_on(ticket, user)
