"""Which side of the site a user works on: support staff under /agent/, customers under /my/."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect

from tickets import selectors
from tickets.models import Ticket


def _side_only(belongs: bool, *, elsewhere_list: str, elsewhere_ticket: str):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if belongs(request.user):
                return view(request, *args, **kwargs)
            if request.method != "GET":
                raise PermissionDenied
            # A link from the other side (an email, a bookmark) lands on the same ticket there.
            if "pk" in kwargs:
                return redirect(elsewhere_ticket, pk=kwargs["pk"])
            return redirect(elsewhere_list)

        return wrapper

    return decorator


staff_only = _side_only(
    lambda user: user.is_support_staff, elsewhere_list="customer-tickets", elsewhere_ticket="customer-ticket"
)
customer_only = _side_only(
    lambda user: not user.is_support_staff, elsewhere_list="agent-queue", elsewhere_ticket="agent-ticket"
)


def visible_ticket_or_404(user, pk) -> Ticket:
    try:
        return selectors.ticket_get_visible(user=user, pk=pk)
    except Ticket.DoesNotExist:
        raise Http404 from None


def still_visible(user, ticket: Ticket) -> bool:
    """After a transition the user may no longer see the ticket, e.g. a manager who returned it."""
    return selectors.ticket_list_visible(user=user).filter(pk=ticket.pk).exists()
