"""Who may see and act on escalations and incidents. No SQL per row: lists call these for every row."""

from supportdesk.models import Role
from tickets import permissions as ticket_permissions


def is_manager_or_above(user) -> bool:
    return user.is_authenticated and (user.role in (Role.MANAGER, Role.HEAD, Role.ADMIN) or user.is_superuser)


def can_view(user, escalation) -> bool:
    """Managers see the escalations they own and those of the teams they lead; the head of support sees all."""
    if ticket_permissions.sees_everything(user):
        return True
    if user.role != Role.MANAGER:
        return False
    return escalation.owner_id == user.id or ticket_permissions.can_view(user, escalation.ticket)


def may_acknowledge(escalation, user) -> bool:
    return escalation.owner_id == user.id or ticket_permissions.sees_everything(user)


def may_take_over(escalation, user) -> bool:
    return is_manager_or_above(user) and can_view(user, escalation)


def may_run_incidents(user) -> bool:
    """Declaring, updating and resolving incidents."""
    return is_manager_or_above(user)
