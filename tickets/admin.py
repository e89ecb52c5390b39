"""Tickets in the admin: read-only records whose state changes only through actions.

Each action runs one transition of `tickets.services` per selected ticket, as
the administrator, so it is permission-checked, locked and audited exactly like
the same transition in the web UI or the API. A refusal on one ticket is
reported and the others go on.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from supportdesk.models import Role, User
from supportdesk.submission import REFUSALS, refusal_reason
from tickets import services
from tickets.models import Ticket, TicketEvent, TicketMessage

# --- the forms the intermediate page asks for ----------------------------------------


class TransitionTextForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5, "cols": 80}), strip=True)

    def __init__(self, *args, label, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label
        self.fields["text"].help_text = help_text


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, agent):
        team = agent.team.name if agent.team_id else _("no team")
        return f"{agent} ({agent.username}, {team})"


class AssignForm(forms.Form):
    agent = AgentChoiceField(queryset=User.objects.none(), label=_("Agent"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = (
            User.objects.filter(role=Role.AGENT, is_active=True)
            .select_related("team")
            .order_by("team__name", "username")
        )


# --- the transitions offered as actions ------------------------------------------------


@dataclass(frozen=True)
class TransitionAction:
    name: str
    label: str
    done: str  # completes "N tickets ...", e.g. "resolved"
    run: Callable  # (ticket, by, cleaned_data) -> None
    make_form: Callable | None = None  # (data) -> Form; None when the transition needs nothing more
    explanation: str = ""


def _text_form(label, help_text=""):
    return lambda data=None: TransitionTextForm(data, label=label, help_text=help_text)


TRANSITION_ACTIONS = (
    TransitionAction(
        name="assign",
        label=_("Assign to an agent…"),
        done=_("assigned"),
        run=lambda ticket, by, data: services.ticket_assign(ticket=ticket, agent=data["agent"], by=by),
        make_form=lambda data=None: AssignForm(data),
        explanation=_("New and open tickets go to the agent you choose."),
    ),
    TransitionAction(
        name="request_info",
        label=_("Ask the customer for information…"),
        done=_("set to wait on the customer"),
        run=lambda ticket, by, data: services.ticket_request_info(ticket=ticket, body=data["text"], by=by),
        make_form=_text_form(
            _("Question to the customer"), _("The customer reads this; the SLA clock pauses until they answer.")
        ),
        explanation=_("Open tickets wait on the customer's answer."),
    ),
    TransitionAction(
        name="escalate",
        label=_("Escalate one level…"),
        done=_("escalated"),
        run=lambda ticket, by, data: services.ticket_escalate(ticket=ticket, reason=data["text"], by=by),
        make_form=_text_form(
            _("Reason"), _("Why the next level must take over; staff read it, the customer does not.")
        ),
        explanation=_("Each ticket goes one level up: to its team's manager, then to the head of support."),
    ),
    TransitionAction(
        name="return_to_agent",
        label=_("Return to the agent with guidance…"),
        done=_("returned to their agent"),
        run=lambda ticket, by, data: services.ticket_return_to_agent(ticket=ticket, guidance=data["text"], by=by),
        make_form=_text_form(_("Guidance"), _("An internal note for the agent; the customer does not see it.")),
        explanation=_("Escalated tickets go back to their agent at level 1."),
    ),
    TransitionAction(
        name="resolve",
        label=_("Resolve…"),
        done=_("resolved"),
        run=lambda ticket, by, data: services.ticket_resolve(ticket=ticket, resolution=data["text"], by=by),
        make_form=_text_form(_("Resolution"), _("What was done; the customer reads it.")),
        explanation=_("Open and escalated tickets are resolved; they close automatically later."),
    ),
    TransitionAction(
        name="reopen",
        label=_("Reopen"),
        done=_("reopened"),
        run=lambda ticket, by, data: services.ticket_reopen(ticket=ticket, by=by),
    ),
    TransitionAction(
        name="close",
        label=_("Close"),
        done=_("closed"),
        run=lambda ticket, by, data: services.ticket_close(ticket=ticket, by=by),
    ),
)

def run_transition_action(modeladmin, request, queryset, spec: TransitionAction):
    """Ask for what the transition needs (if anything), then apply it to every ticket and report."""
    data = {}
    if spec.make_form is not None:
        form = spec.make_form(request.POST if "apply" in request.POST else None)
        if not form.is_bound or not form.is_valid():
            return _render_form(modeladmin, request, queryset, spec, form)
        data = form.cleaned_data

    done, refused = 0, []
    for ticket in queryset.order_by("pk"):
        try:
            spec.run(ticket, request.user, data)
        except REFUSALS as error:
            refused.append((ticket, refusal_reason(error)))
        else:
            done += 1

    if done:
        modeladmin.message_user(
            request,
            ngettext("%(count)d ticket %(done)s.", "%(count)d tickets %(done)s.", done)
            % {"count": done, "done": spec.done},
            messages.SUCCESS,
        )
    for ticket, reason in refused:
        modeladmin.message_user(
            request,
            _("%(ticket)s refused: %(reason)s") % {"ticket": ticket.reference, "reason": reason},
            messages.ERROR,
        )
    return None


def _render_form(modeladmin, request, queryset, spec, form):
    opts = modeladmin.model._meta
    tickets = list(queryset.select_related("customer", "assignee", "team").order_by("pk"))
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": spec.label.rstrip("…"),
        "opts": opts,
        "app_label": opts.app_label,
        "spec": spec,
        "form": form,
        "tickets": tickets,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media + form.media,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/tickets/transition_action.html", context)


def _make_action(spec: TransitionAction):
    def action(modeladmin, request, queryset):
        return run_transition_action(modeladmin, request, queryset, spec)

    action.__name__ = spec.name
    return admin.action(description=spec.label, permissions=["change"])(action)


# --- the admin pages --------------------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TicketMessageInline(ReadOnlyInline):
    model = TicketMessage
    fields = ("created_at", "author", "internal", "body")
    readonly_fields = fields
    verbose_name_plural = _("conversation")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class TicketEventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ("at", "kind", "actor", "from_status", "to_status", "detail", "public")
    readonly_fields = fields
    verbose_name_plural = _("audit timeline")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


REFERENCE = re.compile(r"^\s*T-?0*(\d+)\s*$", re.IGNORECASE)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """A ticket changes only through its transitions (the actions), never by editing its fields."""

    list_display = (
        "reference",
        "subject",
        "status",
        "level",
        "category",
        "priority",
        "team",
        "assignee",
        "customer",
        "created_at",
    )
    list_display_links = ("reference", "subject")
    list_filter = ("status", "level", "category", "priority", "team")
    list_select_related = ("team", "assignee", "customer")
    search_fields = ("subject", "description", "customer__username", "customer__email", "assignee__username")
    search_help_text = _("Subject, description, customer or assignee; or a reference such as T-000042.")
    actions = tuple(_make_action(spec) for spec in TRANSITION_ACTIONS)
    inlines = (TicketMessageInline, TicketEventInline)
    fieldsets = (
        (None, {"fields": ("reference", "subject", "description", "customer", "invoice")}),
        (_("State"), {"fields": ("status", "level", "category", "priority", "team", "assignee", "escalated_to")}),
        (_("Times"), {"fields": ("created_at", "updated_at", "first_responded_at", "resolved_at", "closed_at")}),
    )
    readonly_fields = (
        "reference",
        "subject",
        "description",
        "customer",
        "invoice",
        "status",
        "level",
        "category",
        "priority",
        "team",
        "assignee",
        "escalated_to",
        "created_at",
        "updated_at",
        "first_responded_at",
        "resolved_at",
        "closed_at",
    )

    @admin.display(description=_("reference"), ordering="pk")
    def reference(self, ticket):
        return ticket.reference

    def get_search_results(self, request, queryset, search_term):
        match = REFERENCE.match(search_term)
        if match:
            return queryset.filter(pk=int(match.group(1))), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request):
        return False  # tickets are opened by customers, through tickets.services.ticket_create

    def has_change_permission(self, request, obj=None):
        # The changelist needs "change" for the transition actions; a single
        # ticket is shown read-only, as its fields change only by transitions.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # deleting a ticket would erase its audit trail
