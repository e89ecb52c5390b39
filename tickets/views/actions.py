"""What each button of a ticket page runs: its form, the service it calls, what it says.

The services decide whether the action is allowed; a page only offers the
actions that `Ticket.allowed_transitions_for` lists, and shows the refusal
when the state changed in between.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.forms import Form
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tickets import forms, services


@dataclass(frozen=True)
class TicketAction:
    name: str
    title: str | Promise
    button: str | Promise
    done: str | Promise
    form_class: type[forms.TicketPageForm]
    perform: Callable  # (ticket, by, form) -> None, calling one service


TRANSITIONS = {
    action.name: action
    for action in (
        TicketAction(
            "assign", _("Assign"), _("Assign"), _("The ticket is assigned."), forms.AssignForm,
            lambda ticket, by, form: services.ticket_assign(ticket=ticket, agent=form.chosen_agent, by=by),
        ),
        TicketAction(
            "request_info", _("Ask the customer for information"), _("Send the question"),
            _("The question was sent; the ticket waits for the customer."), forms.RequestInfoForm,
            lambda ticket, by, form: services.ticket_request_info(ticket=ticket, body=form.cleaned_data["body"], by=by),
        ),
        TicketAction(
            "escalate", _("Escalate"), _("Escalate"), _("The ticket is escalated."), forms.EscalateForm,
            lambda ticket, by, form: services.ticket_escalate(ticket=ticket, reason=form.cleaned_data["reason"], by=by),
        ),
        TicketAction(
            "return_to_agent", _("Return to the agent"), _("Return to the agent"),
            _("The ticket is back with the agent."), forms.ReturnToAgentForm,
            lambda ticket, by, form: services.ticket_return_to_agent(
                ticket=ticket, guidance=form.cleaned_data["guidance"], by=by
            ),
        ),
        TicketAction(
            "resolve", _("Resolve"), _("Resolve"), _("The ticket is resolved."), forms.ResolveForm,
            lambda ticket, by, form: services.ticket_resolve(
                ticket=ticket, resolution=form.cleaned_data["resolution"], by=by
            ),
        ),
        TicketAction(
            "reopen", _("Reopen"), _("Reopen"), _("The ticket is open again."), forms.ReopenForm,
            lambda ticket, by, form: services.ticket_reopen(ticket=ticket, reason=form.cleaned_data["reason"], by=by),
        ),
        TicketAction(
            "close", _("Close"), _("Close the ticket"), _("The ticket is closed."), forms.CloseForm,
            lambda ticket, by, form: services.ticket_close(ticket=ticket, by=by),
        ),
    )
}

CUSTOMER_TRANSITIONS = {name: TRANSITIONS[name] for name in ("reopen", "close")}

# An agent's assign is "take it": the same transition, other words.
_TAKE = {"title": _("Take this ticket"), "button": _("Take it")}


@dataclass(frozen=True)
class ActionPanel:
    """One transition's form as the page shows it."""

    name: str
    title: str | Promise
    button: str | Promise
    form: Form


def action_panel(action: TicketAction, *, ticket, user, data=None) -> ActionPanel:
    form = action.form_class(data, prefix=action.name, ticket=ticket, user=user)
    if action.name == "assign" and "agent" not in form.fields:
        return ActionPanel(name=action.name, form=form, **_TAKE)
    return ActionPanel(name=action.name, form=form, title=action.title, button=action.button)


def action_panels(
    actions: dict[str, TicketAction], *, ticket, user, failed: ActionPanel | None = None
) -> list[ActionPanel]:
    """A panel for each action the user may run now, and the one that just failed, with what was typed."""
    names = [name for name in ticket.allowed_transitions_for(user) if name in actions]
    panels = [
        failed if failed is not None and name == failed.name else action_panel(actions[name], ticket=ticket, user=user)
        for name in names
    ]
    if failed is not None and failed.name not in names:
        panels.append(failed)  # the state no longer offers it, but the user's text stays on the page
    return panels
