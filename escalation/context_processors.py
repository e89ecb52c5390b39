"""What every page needs from escalation: the banner of open incidents and the manager's navigation."""

from django.utils.functional import SimpleLazyObject

from escalation import permissions, selectors

BANNER_INCIDENTS = 3


def incidents_and_escalations(request) -> dict:
    """`open_incidents` is read only by a page that shows the banner: one small query, none for a partial."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "open_incidents": SimpleLazyObject(
            lambda: list(selectors.open_incidents()[:BANNER_INCIDENTS]) if signed_in else []
        ),
        "can_manage_escalations": signed_in and permissions.is_manager_or_above(user),
    }
