"""Pages for customers: their own tickets, and nothing that is internal to support."""

from http import HTTPStatus

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoices.views.panels import invoice_panel
from supportdesk.submission import submit
from tickets import forms, selectors, services
from tickets.models import SLA_RUNNING_STATUSES, EventKind, Ticket
from tickets.views.access import customer_only, visible_ticket_or_404
from tickets.views.actions import CUSTOMER_TRANSITIONS, action_panel, action_panels
from tickets.views.listing import active_first, page_of

TICKET_LIST_PAGE_SIZE = 25


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


def _where_it_stands(ticket: Ticket) -> dict:
    """What the top of her page says: when she hears from us next, and the latest notice from support."""
    now = timezone.now()
    clock_runs = ticket.status in SLA_RUNNING_STATUSES and ticket.sla_paused_at is None
    next_update_due = (ticket.next_update_due or ticket.first_response_due) if clock_runs else None
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
