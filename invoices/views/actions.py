"""What each invoice button runs: its form, the service it calls, what it says.

A page offers only the actions `Invoice.allowed_transitions_for` lists; the
services decide, and a page shows the refusal when the state changed in between.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms as django_forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from invoices import forms, services


@dataclass(frozen=True)
class InvoiceAction:
    name: str
    button: str | Promise
    done: str | Promise  # "%(invoice)s ..." with the reference
    form_class: type[forms.InvoiceActionForm]
    perform: Callable  # (invoice, by, form) -> Invoice, calling one service


ACTIONS = {
    action.name: action
    for action in (
        InvoiceAction(
            "approve", _("Approve"), _("%(invoice)s is approved and queued for issuance."), forms.ApproveForm,
            lambda invoice, by, form: services.invoice_approve(invoice=invoice, by=by),
        ),
        InvoiceAction(
            "reject", _("Reject"), _("%(invoice)s is rejected; the customer is told why."), forms.RejectForm,
            lambda invoice, by, form: services.invoice_reject(
                invoice=invoice, by=by, reason=form.cleaned_data["reason"]
            ),
        ),
        InvoiceAction(
            "retry", _("Retry issuance"), _("%(invoice)s is queued for issuance again."), forms.RetryForm,
            lambda invoice, by, form: services.invoice_retry(invoice=invoice, by=by),
        ),
    )
}


@dataclass(frozen=True)
class ActionPanel:
    """One transition's form for one invoice, as a page shows it."""

    name: str
    button: str | Promise
    form: django_forms.Form


def action_panel(action: InvoiceAction, *, invoice, data=None, back: str = "") -> ActionPanel:
    # The field names stay `reject-reason` etc.; the ids carry the invoice, since a queue shows many.
    form = action.form_class(
        data, prefix=action.name, auto_id=f"id_invoice{invoice.pk}_%s", initial={"next": back} if back else None
    )
    return ActionPanel(name=action.name, button=action.button, form=form)


def action_panels(*, invoice, user, back: str = "", failed: ActionPanel | None = None) -> list[ActionPanel]:
    """A panel for each action the user may run now, and the one that just failed, with what was typed."""
    names = invoice.allowed_transitions_for(user)
    panels = [
        failed if failed is not None and name == failed.name
        else action_panel(ACTIONS[name], invoice=invoice, back=back)
        for name in names
    ]
    if failed is not None and failed.name not in names:
        panels.append(failed)  # the state no longer offers it, but the user's text stays on the page
    return panels
