"""Forms of the web pages: they validate input; tickets.services decides and acts."""

import re

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from invoices.models import Invoice
from supportdesk.models import Role, User
from tickets.models import Category, Priority, Status


def _text_box(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# --- the customer opens a ticket ---------------------------------------------------


class TicketNewForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("What happened?"), widget=_text_box(6))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    invoice = forms.ModelChoiceField(
        label=_("Invoice (optional)"),
        queryset=Invoice.objects.none(),
        required=False,
        empty_label=_("No invoice"),
        help_text=_("The invoice this ticket is about, if any."),
    )

    def __init__(self, *args, customer: User, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the customer's own invoices are choices: another id is an invalid choice.
        self.fields["invoice"].queryset = Invoice.objects.filter(customer=customer).order_by("-created_at", "-id")


# --- forms on the ticket page --------------------------------------------------------


class TicketPageForm(forms.Form):
    """A form on a ticket page; some need the ticket or the user to offer their choices."""

    def __init__(self, *args, ticket, user, **kwargs):
        self.ticket = ticket
        self.user = user
        super().__init__(*args, **kwargs)


class ReplyForm(TicketPageForm):
    body = forms.CharField(label=_("Your reply"), widget=_text_box())


class InternalNoteForm(TicketPageForm):
    body = forms.CharField(
        label=_("Internal note"), widget=_text_box(), help_text=_("Only support staff see internal notes.")
    )


class AssignForm(TicketPageForm):
    agent = forms.ModelChoiceField(label=_("Agent"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user.role == Role.AGENT:
            del self.fields["agent"]  # an agent takes the ticket for themselves: nothing to choose
            return
        agents = User.objects.filter(role=Role.AGENT, is_active=True).order_by("display_name", "username")
        if self.ticket.team_id:
            agents = agents.filter(team_id=self.ticket.team_id)
        self.fields["agent"].queryset = agents

    @property
    def chosen_agent(self) -> User:
        return self.cleaned_data.get("agent") or self.user


class RequestInfoForm(TicketPageForm):
    body = forms.CharField(label=_("Question for the customer"), widget=_text_box(3))


class EscalateForm(TicketPageForm):
    reason = forms.CharField(label=_("Reason for escalating"), widget=_text_box(3))


class ReturnToAgentForm(TicketPageForm):
    guidance = forms.CharField(label=_("Guidance for the agent"), widget=_text_box(3))


class ResolveForm(TicketPageForm):
    resolution = forms.CharField(
        label=_("Resolution"), widget=_text_box(3), help_text=_("The customer reads this.")
    )


class ReopenForm(TicketPageForm):
    reason = forms.CharField(label=_("Why reopen? (optional)"), required=False, widget=_text_box(2))


class CloseForm(TicketPageForm):
    pass


# --- the agent's queue: filters and search (GET) ------------------------------------------


_REFERENCE = re.compile(r"^\s*(?:T-?)?0*(\d{1,12})\s*$", re.IGNORECASE)


def _any(choices):
    return [("", _("Any")), *choices]


class QueueFilterForm(forms.Form):
    """Narrows whichever tab is open; every field is optional."""

    q = forms.CharField(
        label=_("Search"), required=False, max_length=200,
        help_text=_("A reference such as T-000042, or words of the subject."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_any(Status.choices))
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_any(Category.choices))
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=_any(Priority.choices))

    def filter(self) -> Q:
        """The condition for the valid fields; an invalid field narrows nothing (its error is shown)."""
        if not self.is_bound:
            return Q()
        self.is_valid()
        data = self.cleaned_data  # the fields that validated
        condition = Q()
        for field in ("status", "category", "priority"):
            if data.get(field):
                condition &= Q(**{field: data[field]})
        words = (data.get("q") or "").strip()
        if words:
            by_subject = Q(subject__icontains=words)
            reference = _REFERENCE.match(words)
            condition &= (by_subject | Q(pk=int(reference.group(1)))) if reference else by_subject
        return condition
