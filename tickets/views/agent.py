"""Pages for support staff (agents, managers, head of support, administrators)."""

from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from invoices.views.panels import invoice_panel
from supportdesk.submission import submit
from tickets import forms, selectors, services
from tickets.models import ACTIVE_STATUSES, Status
from tickets.views.access import staff_only, still_visible, visible_ticket_or_404
from tickets.views.actions import TRANSITIONS, action_panel, action_panels
from tickets.views.listing import active_first, page_of

QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueTab:
    key: str
    label: str | Promise
    matches: Callable  # user -> Q


QUEUE_TABS = (
    QueueTab(
        "mine",
        gettext_lazy("Mine"),
        lambda user: Q(status__in=ACTIVE_STATUSES) & (Q(assignee=user) | Q(escalated_to=user)),
    ),
    QueueTab(
        "unassigned",
        gettext_lazy("Unassigned"),
        lambda user: Q(status__in=ACTIVE_STATUSES, assignee__isnull=True),
    ),
    QueueTab("waiting", gettext_lazy("Waiting on customer"), lambda user: Q(status=Status.WAITING_ON_CUSTOMER)),
    QueueTab("active", gettext_lazy("All active"), lambda user: Q(status__in=ACTIVE_STATUSES)),
    QueueTab("all", gettext_lazy("Everything"), lambda user: Q()),
)
_TABS_BY_KEY = {tab.key: tab for tab in QUEUE_TABS}


@require_GET
@staff_only
def queue(request):
    tab = _TABS_BY_KEY.get(request.GET.get("tab"), QUEUE_TABS[0])
    visible = selectors.ticket_list_visible(user=request.user)
    counts = visible.aggregate(**{each.key: Count("pk", filter=each.matches(request.user)) for each in QUEUE_TABS})
    page = page_of(active_first(visible.filter(tab.matches(request.user))), request, size=QUEUE_PAGE_SIZE)
    tabs = [(t, counts[t.key]) for t in QUEUE_TABS]
    return render(request, "tickets/agent/queue.html", {"tab": tab, "tabs": tabs, "page": page})


@require_GET
@staff_only
def ticket_detail(request, pk):
    ticket = visible_ticket_or_404(request.user, pk)
    return _ticket_page(request, ticket)


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
        return _ticket_page(request, _fresh(request, ticket), status=outcome.status, failed_panel=panel)
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
        return _ticket_page(request, _fresh(request, ticket), status=outcome.status, **forms_kept)
    done = _("Your internal note is saved.") if internal else _("Your reply was sent to the customer.")
    messages.success(request, done)
    return _back_to(request, ticket)


def _ticket_page(request, ticket, *, status=HTTPStatus.OK, reply_form=None, note_form=None, failed_panel=None):
    user = request.user
    context = {
        "ticket": ticket,
        "conversation": selectors.message_list_visible(user=user, ticket=ticket),
        "timeline": selectors.event_list_visible(user=user, ticket=ticket),
        "reply_form": reply_form or forms.ReplyForm(prefix="reply", ticket=ticket, user=user),
        "note_form": note_form or forms.InternalNoteForm(prefix="note", ticket=ticket, user=user),
        "panels": action_panels(TRANSITIONS, ticket=ticket, user=user, failed=failed_panel),
        "failed": status != HTTPStatus.OK,
        "invoice_panel": invoice_panel(ticket=ticket, user=user),
    }
    return render(request, "tickets/agent/ticket.html", context, status=status)


def _fresh(request, ticket):
    """The ticket as it is now: a refusal usually means someone else changed it."""
    return visible_ticket_or_404(request.user, ticket.pk)


def _back_to(request, ticket):
    if still_visible(request.user, ticket):
        return redirect("agent-ticket", pk=ticket.pk)
    messages.info(request, _("%(ticket)s is no longer in your queue.") % {"ticket": ticket.reference})
    return redirect("agent-queue")
