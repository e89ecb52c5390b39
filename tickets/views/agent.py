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
from django.utils import dateformat, timezone, translation
from django.utils.formats import get_format
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from invoices.explanations import explain
from invoices.views.panels import invoice_panel
from supportdesk.notifications import moment
from supportdesk.submission import submit
from tickets import forms, selectors, services, sla_state
from tickets.models import ACTIVE_STATUSES, SLA_RUNNING_STATUSES, Category, Level, Priority, Status
from tickets.views.access import staff_only, still_visible, visible_ticket_or_404
from tickets.views.actions import TRANSITIONS, action_panel, action_panels
from tickets.views.listing import nearest_deadline_first, uncounted_page_of

# 25 rows, not 50 (a product decision, issue 6): each row costs the page about half a millisecond to read and render,
# and 25 keep the first page under 50 ms at a million tickets; `j`/`k` and Next go on through the rest.
QUEUE_PAGE_SIZE = 25
# Tab counts (queue_tab_counts) stop here ("1000+"): an exact count reads every ticket of the tab, a million of them
# for a head of support, while a capped one stops at the limit whatever the size of the table.
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
    """One row of the queue as ready-made text: a page has QUEUE_PAGE_SIZE, and the template only places their values.

    Computed here once a row (or once a page where the same for every row), because in the template each `|date`
    filter, `{% url %}`, `{% include %}` and translated label costs more than the rest of the row together: the
    choice labels come from one dict per page (get_FOO_display() rebuilds the lazily translated choices every call),
    the link from one reversed pattern, the dates through the same formats as `|date` in the user's language and
    time zone."""

    url: str
    reference: str
    subject: str
    css_class: str
    sla_state: str  # "" without a running clock
    sla_state_label: str
    sla_label: str
    countdown: str
    due_iso: str
    due_text: str  # as the |date:"DATETIME_FORMAT" filter prints it, then the zone (supportdesk.notifications.moment)
    customer: str
    status_key: str
    status: str
    level: str  # with the manager it is escalated to
    priority_key: str
    priority: str
    category: str
    team: str
    assignee: str
    updated_iso: str
    updated_text: str  # as |date:"SHORT_DATETIME_FORMAT"


# The columns a row shows or its SLA clock reads (the warning moments look up the policy by category, priority and
# the customer's tier): a third of the row query's time went to reading, parsing and building columns no row shows.
_ROW_RELATED = ("customer", "assignee", "escalated_to", "team")
_ROW_FIELDS = (
    "subject", "status", "level", "priority", "category", "updated_at", "first_response_due", "next_update_due",
    "resolution_due", "sla_paused_at", "sla_alerts",
    "customer__username", "customer__display_name", "customer__tier", "assignee__username", "assignee__display_name",
    "escalated_to__username", "escalated_to__display_name", "team__name",
)


def _labels(choices) -> dict:
    return {value: str(label) for value, label in choices.choices}


# A ticket's page with a placeholder for its number: one reverse() a page rather than one a row.
_TICKET_NUMBER = 999999937


def _queue_rows(tickets, now) -> list[QueueRow]:
    status_labels, level_labels = _labels(Status), _labels(Level)
    priority_labels, category_labels = _labels(Priority), _labels(Category)
    state_labels = _labels(sla_state.SlaState)
    unassigned = _("Unassigned")
    warning_moments = import_string(settings.SLA_WARNING_MOMENTS)
    url = reverse("agent-ticket", args=[_TICKET_NUMBER]).replace(str(_TICKET_NUMBER), "{}")
    # The format of the |date filter's "SHORT_DATETIME_FORMAT" in the user's language, looked up once a page.
    short_format = get_format("SHORT_DATETIME_FORMAT")
    rows = []
    for ticket in tickets:
        sla = sla_state.headline(sla_state.ticket_clocks(ticket, now=now, warning_at=warning_moments(ticket)))
        due = timezone.localtime(sla.due) if sla else None
        updated = timezone.localtime(ticket.updated_at)
        level = level_labels.get(ticket.level, str(ticket.level))
        rows.append(QueueRow(
            url=url.format(ticket.pk),
            reference=ticket.reference,
            subject=ticket.subject,
            css_class="is-active" if ticket.status in ACTIVE_STATUSES else "is-finished",
            sla_state=sla.state.value if sla else "",
            sla_state_label=state_labels[sla.state] if sla else "",
            sla_label=sla.label if sla else "",
            countdown=sla.countdown if sla else "",
            due_iso=due.isoformat() if due else "",
            due_text=moment(due) if due else "",
            customer=str(ticket.customer),
            status_key=ticket.status,
            status=status_labels.get(ticket.status, ticket.status),
            level=f"{level} ({ticket.escalated_to})" if ticket.escalated_to else level,
            priority_key=ticket.priority,
            priority=priority_labels.get(ticket.priority, ticket.priority),
            category=category_labels.get(ticket.category, ticket.category),
            team=str(ticket.team) if ticket.team else "—",
            assignee=str(ticket.assignee) if ticket.assignee is not None else unassigned,
            updated_iso=updated.isoformat(),
            updated_text=dateformat.format(updated, short_format),
        ))
    return rows


@require_GET
@staff_only
def queue(request):
    """The tab's first rows, without counting anything: the tabs' counts come after the page, from
    queue_tab_counts (htmx), and pages go on while they have rows."""
    now = timezone.now()
    tab, filters, narrowed = _queue_query(request)
    tickets = narrowed.filter(tab.matches(request.user, now)).select_related(None).select_related(*_ROW_RELATED)
    page = uncounted_page_of(nearest_deadline_first(tickets.only(*_ROW_FIELDS)), request, size=QUEUE_PAGE_SIZE)
    counts_query = request.GET.copy()
    counts_query.pop("page", None)
    context = {
        "tab": tab,
        "tabs": [(each, None) for each in QUEUE_TABS],
        "counts_url": reverse("agent-queue-tab-counts") + (f"?{counts_query.urlencode()}" if counts_query else ""),
        "page": page,
        "rows": _queue_rows(page.object_list, now),
        "filters": filters,
        "filtered": filters.is_bound,
        "no_sla_clock": _("no SLA clock"),
    }
    return render(request, "tickets/agent/queue.html", context)


@require_GET
@staff_only
def queue_tab_counts(request):
    """The queue's tabs with their counts (capped at QUEUE_COUNT_LIMIT, all in one query), for the same tab and
    filters as the page: loaded by htmx once the page is shown, which therefore never waits for them."""
    now = timezone.now()
    tab, _filters, narrowed = _queue_query(request)
    counts = selectors.ticket_count_each(
        {each.key: narrowed.filter(each.matches(request.user, now)) for each in QUEUE_TABS}, limit=QUEUE_COUNT_LIMIT
    )
    context = {"tab": tab, "tabs": [(each, _count_label(counts[each.key])) for each in QUEUE_TABS]}
    return render(request, "tickets/agent/_queue_tabs.html", context)


def _queue_query(request):
    """The tab asked for, the filter form, and the tickets the user may see narrowed by the filters."""
    tab = _TABS_BY_KEY.get(request.GET.get("tab"), QUEUE_TABS[0])
    filled = any(request.GET.get(name) for name in forms.QueueFilterForm.base_fields)
    filters = forms.QueueFilterForm(request.GET if filled else None)
    return tab, filters, selectors.ticket_list_visible(user=request.user).filter(filters.filter())


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
