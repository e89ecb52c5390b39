"""Pages for customers: their own invoices, requested, watched as they move, downloaded when issued."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from invoices import forms, selectors, services
from invoices.models import InvoiceStatus
from invoices.views.access import customer_only, visible_invoice_or_404
from invoices.views.display import ExplainedInvoice, invoice_context
from supportdesk.submission import submit

INVOICE_LIST_PAGE_SIZE = 25


@require_GET
@customer_only
def invoice_list(request):
    invoices = selectors.invoice_list_visible(user=request.user).order_by("-created_at", "-id")
    page = Paginator(invoices, INVOICE_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [ExplainedInvoice.of(invoice) for invoice in page.object_list]
    return render(request, "invoices/customer/list.html", {"page": page, "rows": rows})


@require_http_methods(["GET", "POST"])
@customer_only
def invoice_new(request):
    form = forms.InvoiceRequestForm(request.POST or None)
    if request.method == "GET":
        return render(request, "invoices/customer/new.html", {"form": form})
    outcome = submit(
        form, lambda form: services.invoice_request(customer=request.user, by=request.user, **form.cleaned_data)
    )
    if not outcome.ok:
        return render(request, "invoices/customer/new.html", {"form": form}, status=outcome.status)
    invoice = outcome.result
    messages.success(request, _("Your invoice request %(invoice)s is received.") % {"invoice": invoice.reference})
    return redirect("customer-invoice", pk=invoice.pk)


@require_GET
@customer_only
def invoice_detail(request, pk):
    invoice = visible_invoice_or_404(request.user, pk)
    context = invoice_context(invoice, live_url=reverse("customer-invoice-live", args=[invoice.pk]))
    return render(request, "invoices/customer/invoice.html", context)


@require_GET
@customer_only
def invoice_live(request, pk):
    """The part of the invoice page that moves: htmx fetches it every few seconds until the invoice is finished."""
    invoice = visible_invoice_or_404(request.user, pk)
    context = invoice_context(invoice, live_url=reverse("customer-invoice-live", args=[invoice.pk]))
    return render(request, "invoices/_live.html", context)


@require_GET
@login_required
def invoice_document(request, pk):
    """The issued document, for its customer and for staff; anyone else, or before issuance, finds nothing."""
    invoice = visible_invoice_or_404(request.user, pk)
    if invoice.status != InvoiceStatus.ISSUED or not invoice.document:
        raise Http404
    response = HttpResponse(invoice.document, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{invoice.invoice_number}.html")
    return response
