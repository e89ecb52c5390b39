"""Pages for support staff: the reviewers' queue, an invoice's page with its actions, the actions themselves."""

from dataclasses import dataclass
from http import HTTPStatus

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from invoices import selectors
from invoices.permissions import is_reviewer
from invoices.views.access import reviewers_only, staff_only, visible_invoice_or_404
from invoices.views.actions import ACTIONS, ActionPanel, action_panel, action_panels
from invoices.views.display import ExplainedInvoice, invoice_context
from supportdesk.submission import submit

REVIEW_PAGE_SIZE = 50
FAILED_SHOWN = 50


@dataclass(frozen=True)
class QueueRow:
    item: ExplainedInvoice
    panels: list[ActionPanel]


@require_GET
@reviewers_only
def review_queue(request):
    """Invoices waiting for a reviewer, oldest first, and failed issuance that staff must retry."""
    now, back = timezone.now(), request.get_full_path()
    awaiting = selectors.invoice_list_awaiting_review()
    page = Paginator(awaiting, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    # The oldest failures and how many there are in all, in one query whatever their number.
    failed_rows = list(selectors.invoice_list_failed().annotate(failed_total=Window(Count("id")))[:FAILED_SHOWN])

    def row(invoice):
        panels = action_panels(invoice=invoice, user=request.user, back=back)
        return QueueRow(ExplainedInvoice.of(invoice, now=now, for_customer=False), panels)

    context = {
        "page": page,
        "rows": [row(invoice) for invoice in page.object_list],
        "failed_rows": [row(invoice) for invoice in failed_rows],
        "failed_total": failed_rows[0].failed_total if failed_rows else 0,
    }
    return render(request, "invoices/staff/review_queue.html", context)


@require_GET
@staff_only
def invoice_detail(request, pk):
    return _invoice_page(request, visible_invoice_or_404(request.user, pk))


@require_GET
@staff_only
def invoice_live(request, pk):
    invoice = visible_invoice_or_404(request.user, pk)
    context = invoice_context(invoice, live_url=_live_url(invoice), staff_view=True)
    return render(request, "invoices/_live.html", context)


@require_POST
@staff_only
def invoice_transition(request, pk, name):
    action = ACTIONS.get(name)
    if action is None:
        raise Http404
    invoice = visible_invoice_or_404(request.user, pk)
    panel = action_panel(action, invoice=invoice, data=request.POST)
    outcome = submit(panel.form, lambda form: action.perform(invoice, request.user, form))
    if not outcome.ok:
        # The invoice as it is now: a refusal usually means someone else moved it.
        fresh = visible_invoice_or_404(request.user, pk)
        return _invoice_page(request, fresh, status=outcome.status, failed_panel=panel)
    messages.success(request, action.done % {"invoice": invoice.reference})
    back = panel.form.cleaned_data.get("next")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)  # the page the button was on, e.g. the review queue
    return redirect("staff-invoice", pk=invoice.pk)


def _invoice_page(request, invoice, *, status=HTTPStatus.OK, failed_panel=None):
    context = {
        **invoice_context(invoice, live_url=_live_url(invoice), staff_view=True),
        "panels": action_panels(invoice=invoice, user=request.user, failed=failed_panel),
        "failed": status != HTTPStatus.OK,
        "reviewer": is_reviewer(request.user),
    }
    return render(request, "invoices/staff/invoice.html", context, status=status)


def _live_url(invoice) -> str:
    return reverse("staff-invoice-live", args=[invoice.pk])
