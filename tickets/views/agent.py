"""Pages for support staff (agents, managers, head of support, administrators).

The ticket page is made of panels (`templates/tickets/agent/_panel_*.html`).
A form posted with htmx gets back the panel it came from (with its errors and
the text kept on a 400 or 409) and, out of band, the other panels the change
touched; without JavaScript the same POST redirects back to the page.
"""

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from invoices.explanations import explain
from invoices.views.panels import invoice_panel
from supportdesk.submission import submit
from tickets import forms, selectors, services, sla_state
from tickets.models import ACTIVE_STATUSES, SLA_RUNNING_STATUSES, Category, Level, Priority, Status
from tickets.views.access import staff_only, still_visible, visible_ticket_or_404
from tickets.views.actions import TRANSITIONS, action_panel, action_panels
from tickets.views.listing import nearest_deadline_first, page_of

QUEUE_PAGE_SIZE = 50
# Tab counts stop here ("1000+"): an exact count reads every ticket of the tab, a million of them for a head of
# support, while a capped one stops at the limit whatever the size of the table.
QUEUE_COUNT_LIMIT = 1000
BREACHING_SOON = timedelta(hours=1)


def _breaching_by(moment) -> Q:
    """A running clock with a target due by `moment` (breached ones included)."""
    due = Q(first_response_due__lte=moment) | Q(next_update_due__lte=moment) | Q(resolution_due__lte=moment)
    return Q(status__in=SLA_RUNNING_STATUSES, sla_paused_at__isnull=True) & due


@dataclass(frozen=True)
class QueueTab:
    key: str
    label: str | Promise
    matches: Callable  # (user, now) -> Q


QUEUE_TABS = (
    QueueTab(
        "mine",
        gettext_lazy("Mine"),
        lambda user, now: Q(status__in=ACTIVE_STATUSES) & (Q(assignee=user) | Q(escalated_to=user)),
    ),
    QueueTab(
        "unassigned",
        gettext_lazy("My team's unassigned"),
        lambda user, now: Q(status__in=ACTIVE_STATUSES, assignee__isnull=True),
    ),
    QueueTab("waiting", gettext_lazy("Waiting on customer"), lambda user, now: Q(status=Status.WAITING_ON_CUSTOMER)),
    QueueTab("breaching", gettext_lazy("Breaching soon"), lambda user, now: _breaching_by(now + BREACHING_SOON)),
    QueueTab("active", gettext_lazy("All active"), lambda user, now: Q(status__in=ACTIVE_STATUSES)),
    QueueTab("all", gettext_lazy("Everything"), lambda user, now: Q()),
)
_TABS_BY_KEY = {tab.key: tab for tab in QUEUE_TABS}


@dataclass(frozen=True)
class QueueRow:
    ticket: object
    sla: sla_state.TargetClock | None  # the target the row shows, None without a running clock
    url: str
    # The labels of the ticket's choices, looked up in one dict per page: get_FOO_display() rebuilds the whole
    # (lazily translated) choice list on every call, four times a row.
    status: str
    level: str
    priority: str
    category: str
    # What the |date filter would print for "c" and "T", without its cost (a fifth of the page's rendering).
    due_iso: str
    due_zone: str
    updated_iso: str


def _queue_rows(tickets, now) -> list[QueueRow]:
    kinds = (("status", Status), ("level", Level), ("priority", Priority), ("category", Category))
    labels = {name: {value: str(label) for value, label in choices.choices} for name, choices in kinds}
    rows = []
    for ticket in tickets:
        sla = sla_state.headline(_clocks(ticket, now))
        due = timezone.localtime(sla.due) if sla else None
        rows.append(QueueRow(
            ticket, sla, reverse("agent-ticket", args=[ticket.pk]),
            status=labels["status"].get(ticket.status, ticket.status),
            level=labels["level"].get(ticket.level, ticket.level),
            priority=labels["priority"].get(ticket.priority, ticket.priority),
            category=labels["category"].get(ticket.category, ticket.category),
            due_iso=due.isoformat() if due else "",
            due_zone=(due.tzname() or "") if due else "",
            updated_iso=timezone.localtime(ticket.updated_at).isoformat(),
        ))
    return rows


@require_GET
@staff_only
def queue(request):
    now = timezone.now()
    user = request.user
    tab = _TABS_BY_KEY.get(request.GET.get("tab"), QUEUE_TABS[0])
    filled = any(request.GET.get(name) for name in forms.QueueFilterForm.base_fields)
    filters = forms.QueueFilterForm(request.GET if filled else None)
    narrowed = selectors.ticket_list_visible(user=user).filter(filters.filter())
    counts = selectors.ticket_count_each(
        {each.key: narrowed.filter(each.matches(user, now)) for each in QUEUE_TABS}, limit=QUEUE_COUNT_LIMIT
    )
    page = page_of(
        nearest_deadline_first(narrowed.filter(tab.matches(user, now))), request,
        size=QUEUE_PAGE_SIZE, limit=QUEUE_COUNT_LIMIT, count=counts[tab.key],
    )
    rows = _queue_rows(page.object_list, now)
    context = {
        "tab": tab,
        "tabs": [(each, _count_label(counts[each.key])) for each in QUEUE_TABS],
        "page": page,
        "rows": rows,
        "filters": filters,
        "filtered": filled,
    }
    return render(request, "tickets/agent/queue.html", context)


def _count_label(count: int) -> str:
    return f"{QUEUE_COUNT_LIMIT}+" if count > QUEUE_COUNT_LIMIT else str(count)


@require_GET
@staff_only
def ticket_detail(request, pk):
    ticket = visible_ticket_or_404(request.user, pk)
    return _ticket_page(request, ticket, suggest=request.GET.get("suggest") == "1")


@require_POST
@staff_only
def ticket_reply(request, pk):
    return _post_message(request, pk, internal=False)


@require_POST
@staff_only
def ticket_note(request, pk):
    return _post_message(request, pk, internal=True)


@require_POST
@staff_only
def ticket_transition(request, pk, name):
    action = TRANSITIONS.get(name)
    if action is None:
        raise Http404
    ticket = visible_ticket_or_404(request.user, pk)
    panel = action_panel(action, ticket=ticket, user=request.user, data=request.POST)
    outcome = submit(panel.form, lambda form: action.perform(ticket, request.user, form))
    if not outcome.ok:
        fresh = _fresh(request, ticket)
        if request.htmx:
            return _panels(request, fresh, primary="actions", status=outcome.status, failed_panel=panel)
        return _ticket_page(request, fresh, status=outcome.status, failed_panel=panel)
    if request.htmx:
        return _panels_or_queue(request, ticket, primary="actions", done=action.done)
    messages.success(request, action.done)
    return _back_to(request, ticket)


def _post_message(request, pk, *, internal: bool):
    ticket = visible_ticket_or_404(request.user, pk)
    form_class, prefix = (forms.InternalNoteForm, "note") if internal else (forms.ReplyForm, "reply")
    form = form_class(request.POST, prefix=prefix, ticket=ticket, user=request.user)
    outcome = submit(
        form,
        lambda form: services.message_post(
            ticket=ticket, author=request.user, body=form.cleaned_data["body"], internal=internal
        ),
    )
    if not outcome.ok:
        forms_kept = {"note_form": form} if internal else {"reply_form": form}
        fresh = _fresh(request, ticket)
        if request.htmx:
            return _panels(request, fresh, primary=prefix, status=outcome.status, **forms_kept)
        return _ticket_page(request, fresh, status=outcome.status, **forms_kept)
    done = _("Your internal note is saved.") if internal else _("Your reply was sent to the customer.")
    if request.htmx:
        return _panels_or_queue(request, ticket, primary=prefix, done=done)
    messages.success(request, done)
    return _back_to(request, ticket)


# --- what the ticket page shows ------------------------------------------------------

# Every panel of the page, in page order; each is `tickets/agent/_panel_<name>.html`.
PANELS = ("facts", "sla", "conversation", "reply", "note", "timeline", "actions")
_MESSAGE_FORMS = {"reply", "note"}


def _ticket_page(request, ticket, *, status=HTTPStatus.OK, suggest=False, **kept):
    context = _ticket_context(request, ticket, suggest=suggest, **kept)
    context["failed"] = status != HTTPStatus.OK
    return render(request, "tickets/agent/ticket.html", context, status=status)


def _panels(request, ticket, *, primary: str, status=HTTPStatus.OK, done: str = "", **kept):
    """The panel a form came from, and out of band the others it may have changed.

    The other message form is left alone, so a note half typed survives a reply.
    """
    context = _ticket_context(request, ticket, **kept)
    context |= {
        "primary_panel": f"tickets/agent/_panel_{primary}.html",
        "oob_panels": [
            f"tickets/agent/_panel_{name}.html" for name in PANELS if name != primary and name not in _MESSAGE_FORMS
        ],
        "done": done,
        "failed": status != HTTPStatus.OK,
    }
    return render(request, "tickets/agent/_ticket_update.html", context, status=status)


def _panels_or_queue(request, ticket, *, primary: str, done: str):
    try:
        fresh = _fresh(request, ticket)
    except Http404:  # e.g. a manager who returned the ticket to the agent
        messages.success(request, done)
        messages.info(request, _("%(ticket)s is no longer in your queue.") % {"ticket": ticket.reference})
        return HttpResponseClientRedirect(reverse("agent-queue"))
    return _panels(request, fresh, primary=primary, done=done)


def _ticket_context(request, ticket, *, suggest=False, reply_form=None, note_form=None, failed_panel=None) -> dict:
    user = request.user
    now = timezone.now()
    invoice = invoice_panel(ticket=ticket, user=user)
    suggestion = _suggested_reply(ticket, invoice.invoice, now=now, agent=user) if invoice else ""
    initial = {"body": suggestion} if suggest and suggestion else None
    return {
        "ticket": ticket,
        "conversation": selectors.message_list_visible(user=user, ticket=ticket),
        "timeline": selectors.event_list_visible(user=user, ticket=ticket),
        "reply_form": reply_form or forms.ReplyForm(prefix="reply", ticket=ticket, user=user, initial=initial),
        "note_form": note_form or forms.InternalNoteForm(prefix="note", ticket=ticket, user=user),
        "panels": action_panels(TRANSITIONS, ticket=ticket, user=user, failed=failed_panel),
        "invoice_panel": invoice,
        "sla_clocks": _clocks(ticket, now),
        "sla_paused": ticket.sla_paused_at is not None or ticket.status == Status.WAITING_ON_CUSTOMER,
        "suggested_reply": suggestion,
        "now": now,
    }


def _suggested_reply(ticket, invoice, *, now, agent) -> str:
    """A reply built from the invoice's own facts, in the customer's language and time zone."""
    customer = ticket.customer
    language = getattr(customer, "language", "") or translation.get_language()
    zone = getattr(customer, "time_zone", "") or None
    with translation.override(language), timezone.override(zone) if zone else nullcontext():
        greeting = _("Hello %(name)s,") % {"name": customer}
        facts = explain(invoice, now=now, for_customer=True)
        closing = _("We will keep you updated on this ticket.")
        signature = _("Best regards,\n%(agent)s") % {"agent": agent}
    return f"{greeting}\n\n{facts}\n\n{closing}\n\n{signature}"


def _clocks(ticket, now) -> list[sla_state.TargetClock]:
    return sla_state.ticket_clocks(ticket, now=now, warning_at=_warning_moments(ticket))


def _warning_moments(ticket) -> sla_state.WarningAt:
    """When each target turns "due soon": the SLA engine's own rule, through the SLA_WARNING_MOMENTS hook."""
    return import_string(settings.SLA_WARNING_MOMENTS)(ticket)


def _fresh(request, ticket):
    """The ticket as it is now: a refusal usually means someone else changed it."""
    return visible_ticket_or_404(request.user, ticket.pk)


def _back_to(request, ticket):
    if still_visible(request.user, ticket):
        return redirect("agent-ticket", pk=ticket.pk)
    messages.info(request, _("%(ticket)s is no longer in your queue.") % {"ticket": ticket.reference})
    return redirect("agent-queue")
