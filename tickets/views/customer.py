"""Pages for customers: their own tickets, and nothing that is internal to support."""

from dataclasses import dataclass
from http import HTTPStatus

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoices import selectors as invoice_selectors
from invoices.models import InvoiceStatus
from invoices.views.display import POLL_SECONDS, ExplainedInvoice
from invoices.views.panels import invoice_panel
from supportdesk.submission import submit
from tickets import forms, selectors, services
from tickets.models import ACTIVE_STATUSES, SLA_RUNNING_STATUSES, EventKind, Ticket
from tickets.views.access import customer_only, visible_ticket_or_404
from tickets.views.actions import CUSTOMER_TRANSITIONS, action_panel, action_panels
from tickets.views.listing import active_first, page_of

TICKET_LIST_PAGE_SIZE = 25
# Nothing more will happen to these by itself: the home page stops watching them.
FINISHED_INVOICE_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.REJECTED)


@require_GET
@customer_only
def ticket_list(request):
    tickets = active_first(selectors.ticket_list_visible(user=request.user))
    page = page_of(tickets, request, size=TICKET_LIST_PAGE_SIZE)
    return render(request, "tickets/customer/list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@customer_only
def ticket_new(request):
    # "Open a ticket about INV-…" links here with ?invoice=<id>; the form only offers her own invoices.
    about = request.GET.get("invoice", "")
    initial = {"invoice": about, "category": "invoice"} if about.isdigit() else {}
    form = forms.TicketNewForm(request.POST or None, customer=request.user, initial=initial)
    if request.method == "GET":
        return render(request, "tickets/customer/new.html", {"form": form})
    outcome = submit(form, lambda form: services.ticket_create(customer=request.user, **form.cleaned_data))
    if not outcome.ok:
        return render(request, "tickets/customer/new.html", {"form": form}, status=outcome.status)
    ticket = outcome.result
    opened = _("Your ticket %(ticket)s is open. We will answer here and by email.") % {"ticket": ticket.reference}
    messages.success(request, opened)
    return redirect("customer-ticket", pk=ticket.pk)


@require_GET
@customer_only
def ticket_detail(request, pk):
    ticket = visible_ticket_or_404(request.user, pk)
    return _ticket_page(request, ticket)


@require_POST
@customer_only
def ticket_reply(request, pk):
    ticket = visible_ticket_or_404(request.user, pk)
    form = forms.ReplyForm(request.POST, prefix="reply", ticket=ticket, user=request.user)
    outcome = submit(
        form, lambda form: services.message_post(ticket=ticket, author=request.user, body=form.cleaned_data["body"])
    )
    if not outcome.ok:
        return _ticket_page(request, visible_ticket_or_404(request.user, pk), status=outcome.status, reply_form=form)
    messages.success(request, _("Your reply was sent."))
    return redirect("customer-ticket", pk=ticket.pk)


@require_POST
@customer_only
def ticket_transition(request, pk, name):
    action = CUSTOMER_TRANSITIONS.get(name)
    if action is None:
        raise Http404
    ticket = visible_ticket_or_404(request.user, pk)
    panel = action_panel(action, ticket=ticket, user=request.user, data=request.POST)
    outcome = submit(panel.form, lambda form: action.perform(ticket, request.user, form))
    if not outcome.ok:
        return _ticket_page(request, visible_ticket_or_404(request.user, pk), status=outcome.status, failed_panel=panel)
    messages.success(request, action.done)
    return redirect("customer-ticket", pk=ticket.pk)


def _ticket_page(request, ticket, *, status=HTTPStatus.OK, reply_form=None, failed_panel=None):
    user = request.user
    context = {
        "ticket": ticket,
        "conversation": selectors.message_list_visible(user=user, ticket=ticket),
        "timeline": selectors.event_list_visible(user=user, ticket=ticket),
        "reply_form": reply_form or forms.ReplyForm(prefix="reply", ticket=ticket, user=user),
        "panels": action_panels(CUSTOMER_TRANSITIONS, ticket=ticket, user=user, failed=failed_panel),
        "failed": status != HTTPStatus.OK,
        "invoice_panel": invoice_panel(ticket=ticket, user=user),
        **_where_it_stands(ticket),
    }
    return render(request, "tickets/customer/ticket.html", context, status=status)


def next_update_due_of(ticket: Ticket):
    """When she hears from us next at the latest; None while the clock is paused or stopped."""
    clock_runs = ticket.status in SLA_RUNNING_STATUSES and ticket.sla_paused_at is None
    return (ticket.next_update_due or ticket.first_response_due) if clock_runs else None


def _where_it_stands(ticket: Ticket) -> dict:
    """What the top of her page says: when she hears from us next, and the latest notice from support."""
    now = timezone.now()
    next_update_due = next_update_due_of(ticket)
    # A notice stays on top until the ticket moves on (a later transition): then it is only history.
    latest = (
        ticket.events.filter(Q(kind=EventKind.NOTICE, public=True) | ~Q(to_status=""))
        .order_by("-at", "-id")
        .only("id", "at", "kind", "detail")
        .first()
    )
    return {
        "next_update_due": next_update_due,
        "update_owed": next_update_due is not None and next_update_due <= now,
        "latest_notice": latest if latest is not None and latest.kind == EventKind.NOTICE else None,
    }


# --- the customer's home: what is still moving, tickets and invoices --------------------------

HOME_ROWS = 10  # per list; the full lists are one link away


@dataclass(frozen=True)
class HomeTicket:
    ticket: Ticket
    next_update_due: object  # datetime | None
    update_owed: bool


@require_GET
@customer_only
def home(request):
    """Her open tickets and her invoice requests still in progress: two queries of its own, whatever their number."""
    now = timezone.now()
    tickets = list(
        selectors.ticket_list_visible(user=request.user)
        .filter(status__in=ACTIVE_STATUSES)
        .order_by("-updated_at", "-id")[: HOME_ROWS + 1]
    )
    rows = []
    for ticket in tickets[:HOME_ROWS]:
        due = next_update_due_of(ticket)
        rows.append(HomeTicket(ticket=ticket, next_update_due=due, update_owed=due is not None and due <= now))
    context = {"ticket_rows": rows, "more_tickets": len(tickets) > HOME_ROWS, **_home_invoices(request.user, now=now)}
    return render(request, "supportdesk/customer_home.html", context)


@require_GET
@customer_only
def home_invoices(request):
    """The invoice part of her home, fetched by htmx every few seconds while an invoice is unfinished.

    `watch` names the invoices the page showed: one that finished meanwhile stays
    in view with its final status (issued: the download link), instead of vanishing.
    """
    watched = [int(pk) for pk in request.GET.get("watch", "").split(",")[:HOME_ROWS] if _is_an_id(pk)]
    return render(request, "supportdesk/_customer_home_invoices.html", _home_invoices(request.user, watched=watched))


def _is_an_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 12  # a longer number overflows the database's integers


def _home_invoices(user, *, watched=(), now=None) -> dict:
    now = now or timezone.now()
    unfinished = ~Q(status__in=FINISHED_INVOICE_STATUSES)
    invoices = list(
        invoice_selectors.invoice_list_visible(user=user)  # hers only: a watched id of another customer finds nothing
        .filter(unfinished | Q(pk__in=watched))
        .order_by("-created_at", "-id")[: HOME_ROWS + 1]
    )
    rows = [ExplainedInvoice.of(invoice, now=now, for_customer=True) for invoice in invoices[:HOME_ROWS]]
    return {
        "invoice_rows": rows,
        "more_invoices": len(invoices) > HOME_ROWS,
        "watch": ",".join(str(row.invoice.pk) for row in rows),
        "polling": any(row.invoice.status not in FINISHED_INVOICE_STATUSES for row in rows),
        "poll_seconds": POLL_SECONDS,
    }
