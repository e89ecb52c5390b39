"""Who reaches which invoice page: customers under /my/invoices/, support staff under /invoices/ and /review/."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect

from invoices import selectors
from invoices.models import Invoice
from invoices.permissions import is_reviewer


def customer_only(view):
    """Customers' pages; staff following a customer's link land on the same invoice on their side."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_support_staff:
            return view(request, *args, **kwargs)
        if request.method != "GET":
            raise PermissionDenied
        if "pk" in kwargs:
            return redirect("staff-invoice", pk=kwargs["pk"])
        return redirect("invoice-review-queue" if is_reviewer(request.user) else "home")

    return wrapper


def staff_only(view):
    """Staff pages; a customer's link to one lands on her own page, anything else is not there for her."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_support_staff:
            return view(request, *args, **kwargs)
        if request.method == "GET" and "pk" in kwargs and not request.htmx:
            return redirect("customer-invoice", pk=kwargs["pk"])
        raise Http404

    return wrapper


def reviewers_only(view):
    """The review queue: 404 for customers (it does not exist for them), 403 for staff who do not review."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_support_staff:
            raise Http404
        if not is_reviewer(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def visible_invoice_or_404(user, pk) -> Invoice:
    try:
        return selectors.invoice_get_visible(user=user, pk=pk)
    except Invoice.DoesNotExist:
        raise Http404 from None
