"""The manager's pages: the escalation queue and incidents. Managers, the head of support and administrators only.

Views stay thin: what may be done is decided by escalation.services and
escalation.incidents; a refusal (409) or a role that may not (403) is shown on
the page the button was on, never a server error.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from http import HTTPStatus

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Prefetch, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escalation import forms, incidents, permissions, selectors, services
from escalation.models import Escalation, EscalationStatus, Incident, IncidentStatus, Target
from invoices.explanations import duration, explain
from supportdesk.submission import Outcome, submit
from tickets.models import Level, TicketMessage

QUEUE_PAGE_SIZE = 50
INCIDENT_PAGE_SIZE = 50
LINKED_TICKETS_PAGE_SIZE = 100
NOTES_SHOWN = 2


def managers_only(view):
    """These pages do not exist for customers and agents: 404, as for a record they may not see."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.is_manager_or_above(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _submit(form: django_forms.Form, perform: Callable) -> Outcome:
    """`submit`, and a role the service refuses (PermissionDenied) shown on the form as a 403."""
    try:
        return submit(form, perform)
    except PermissionDenied as denied:
        form.add_error(None, str(denied) or _("You may not do this."))
        return Outcome(HTTPStatus.FORBIDDEN)


# --- the escalation queue ------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationAction:
    name: str
    button: str | Promise
    done: str | Promise  # "%(ticket)s ..." with the reference
    perform: Callable  # (escalation, by) -> Escalation, calling one service


ESCALATION_ACTIONS = {
    action.name: action
    for action in (
        EscalationAction(
            "acknowledge", gettext_lazy("Acknowledge"), gettext_lazy("You acknowledged the escalation of %(ticket)s."),
            lambda escalation, by: services.escalation_acknowledge(escalation=escalation, by=by),
        ),
        EscalationAction(
            "take_over", gettext_lazy("Take over"),
            gettext_lazy("You hold %(ticket)s now. Open it to resolve it or return it to the agent with guidance."),
            lambda escalation, by: services.escalation_take_over(escalation=escalation, by=by),
        ),
    )
}


@dataclass(frozen=True)
class ActionPanel:
    name: str
    button: str | Promise
    form: django_forms.Form


@dataclass(frozen=True)
class QueueRow:
    escalation: Escalation
    level: str
    target: str  # the breached target as people read it; "" when none was (escalated by hand)
    overdue: str  # "overdue by 1 h 5 min" past the breached target
    acknowledgement_late: str  # "overdue by 5 min" while waiting for an acknowledgement past its due time
    notes: list[TicketMessage]  # the latest internal notes, newest first
    invoice_explanation: str
    panels: list[ActionPanel]


@dataclass(frozen=True)
class Failure:
    """What a refused button said, shown on top of the queue (the row may have left it)."""

    escalation: Escalation
    panel: ActionPanel


def open_escalations(*, user):
    """The escalations not resolved that the user may see, the oldest breach first, with what a row shows."""
    latest_notes = TicketMessage.objects.filter(internal=True).select_related("author").order_by("-created_at", "-id")
    return (
        selectors.escalation_list_visible(user=user)
        .exclude(status=EscalationStatus.RESOLVED)
        .select_related("ticket__customer", "ticket__invoice__customer", "ticket__invoice__reviewed_by")
        .prefetch_related(Prefetch("ticket__messages", queryset=latest_notes[:NOTES_SHOWN], to_attr="latest_notes"))
        .annotate(breached_at=Coalesce("due_at", "created_at"))
        .order_by("breached_at", "id")
    )


@require_GET
@managers_only
def escalation_queue(request):
    return _queue_page(request)


@require_POST
@managers_only
def escalation_action(request, pk: int, name: str):
    action = ESCALATION_ACTIONS.get(name)
    if action is None:
        raise Http404
    escalation = selectors.escalation_list_visible(user=request.user).filter(pk=pk).first()
    if escalation is None:
        raise Http404
    panel = _escalation_panel(action, escalation, data=request.POST)
    outcome = _submit(panel.form, lambda form: action.perform(escalation, request.user))
    if not outcome.ok:
        return _queue_page(request, status=outcome.status, failure=Failure(escalation, panel))
    messages.success(request, action.done % {"ticket": escalation.ticket.reference})
    back = panel.form.cleaned_data.get("next")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)  # the queue page the button was on
    return redirect("escalation-queue")


def _queue_page(request, *, status=HTTPStatus.OK, failure: Failure | None = None):
    user, now, back = request.user, timezone.now(), request.get_full_path()
    if failure is not None:
        back = failure.panel.form.data.get(f"{failure.panel.name}-next", "")
    page = Paginator(open_escalations(user=user), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_queue_row(escalation, user=user, now=now, back=back, failure=failure) for escalation in page.object_list]
    context = {"page": page, "rows": rows, "failure": failure, "failed": status != HTTPStatus.OK}
    return render(request, "escalation/queue.html", context, status=status)


def _queue_row(escalation: Escalation, *, user, now, back: str, failure: Failure | None) -> QueueRow:
    ticket = escalation.ticket
    panels = [
        failure.panel if failure is not None and failure.escalation.pk == escalation.pk and failure.panel.name == name
        else _escalation_panel(ESCALATION_ACTIONS[name], escalation, back=back)
        for name in escalation.allowed_transitions_for(user)
    ]
    ack_due = escalation.acknowledge_due
    waiting = escalation.status == EscalationStatus.OPEN and ack_due is not None and ack_due < now
    return QueueRow(
        escalation=escalation,
        level=str(Level(escalation.level).label) if escalation.level in Level.values else str(escalation.level),
        target=str(Target(escalation.target).label) if escalation.target else "",
        overdue=_overdue(now - escalation.due_at) if escalation.due_at else "",
        acknowledgement_late=_overdue(now - ack_due) if waiting else "",
        notes=ticket.latest_notes,
        invoice_explanation=explain(ticket.invoice, now=now, for_customer=False) if ticket.invoice_id else "",
        panels=panels,
    )


def _escalation_panel(action: EscalationAction, escalation: Escalation, *, data=None, back: str = "") -> ActionPanel:
    form = forms.EscalationActionForm(
        data, prefix=action.name, auto_id=f"id_escalation{escalation.pk}_%s", initial={"next": back} if back else None
    )
    return ActionPanel(name=action.name, button=action.button, form=form)


def _overdue(span) -> str:
    return _("overdue by %(span)s") % {"span": duration(span)}


# --- incidents ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@managers_only
def incident_list(request):
    """The incidents, open first, and the form to declare one."""
    form = forms.IncidentDeclareForm(request.POST or None, prefix="declare")
    if request.method == "GET":
        return _incident_list_page(request, form)
    outcome = _submit(form, lambda form: incidents.incident_declare(by=request.user, **form.cleaned_data))
    if not outcome.ok:
        return _incident_list_page(request, form, status=outcome.status)
    incident = outcome.result
    messages.success(request, _("The incident is declared; every page shows customers its banner now."))
    return redirect("incident-page", pk=incident.pk)


def _incident_list_page(request, form, *, status=HTTPStatus.OK):
    still_open = Case(When(status=IncidentStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    listed = (
        selectors.incident_list_visible(user=request.user)
        .select_related("declared_by", "resolved_by")
        .annotate(finished=still_open)
        .order_by("finished", F("started_at").desc(), "-id")
    )
    page = Paginator(listed, INCIDENT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "form": form, "failed": status != HTTPStatus.OK}
    return render(request, "escalation/incident_list.html", context, status=status)


@require_GET
@managers_only
def incident_detail(request, pk: int):
    return _incident_page(request, _visible_incident_or_404(request.user, pk))


@require_POST
@managers_only
def incident_update(request, pk: int):
    incident = _visible_incident_or_404(request.user, pk)
    form = forms.IncidentUpdateForm(request.POST, prefix="update")
    outcome = _submit(
        form, lambda form: incidents.incident_update(incident=incident, by=request.user, **form.cleaned_data)
    )
    if not outcome.ok:
        fresh = _visible_incident_or_404(request.user, pk)  # a refusal usually means someone else changed it
        return _incident_page(request, fresh, status=outcome.status, update_form=form)
    messages.success(request, _("The banner shows the new message now."))
    return redirect("incident-page", pk=incident.pk)


@require_POST
@managers_only
def incident_resolve(request, pk: int):
    incident = _visible_incident_or_404(request.user, pk)
    form = forms.IncidentResolveForm(request.POST, prefix="resolve")
    outcome = _submit(
        form,
        lambda form: incidents.incident_resolve(
            incident=incident, by=request.user, public_message=form.cleaned_data["public_message"]
        ),
    )
    if not outcome.ok:
        fresh = _visible_incident_or_404(request.user, pk)
        return _incident_page(request, fresh, status=outcome.status, resolve_form=form)
    messages.success(request, _("The incident is resolved; its banner is gone and every linked customer is told."))
    return redirect("incident-page", pk=incident.pk)


def _visible_incident_or_404(user, pk: int) -> Incident:
    visible = selectors.incident_list_visible(user=user).select_related("declared_by", "resolved_by")
    incident = visible.filter(pk=pk).first()
    if incident is None:
        raise Http404
    return incident


def _incident_page(request, incident: Incident, *, status=HTTPStatus.OK, update_form=None, resolve_form=None):
    linked = incident.tickets.select_related("customer", "invoice").order_by("id")
    is_open = incident.status == IncidentStatus.OPEN
    if is_open and update_form is None:
        update_form = forms.IncidentUpdateForm(
            prefix="update", initial={"public_message": incident.public_message, "eta": incident.eta}
        )
    if "resolve" in incident.allowed_transitions_for(request.user) and resolve_form is None:
        resolve_form = forms.IncidentResolveForm(prefix="resolve")
    context = {
        "incident": incident,
        "tickets": Paginator(linked, LINKED_TICKETS_PAGE_SIZE).get_page(request.GET.get("page")),
        "update_form": update_form,
        "resolve_form": resolve_form,
        "failed": status != HTTPStatus.OK,
    }
    return render(request, "escalation/incident_detail.html", context, status=status)
