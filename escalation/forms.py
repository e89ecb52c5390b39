"""Forms of the manager pages: they check the input's shape; escalation.services and escalation.incidents decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EscalationActionForm(forms.Form):
    """Acknowledge or take over one escalation; `next` is the queue page the button was on."""

    next = forms.CharField(required=False, widget=forms.HiddenInput)


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")  # what a datetime-local input expects, in every language


class _IncidentMessageForm(forms.Form):
    public_message = forms.CharField(
        label=_("Message to customers"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Every customer reads this in the banner while the incident is open. Plain words, no guessing."),
    )
    eta = forms.DateTimeField(
        label=_("Expected fix (optional)"),
        required=False,
        widget=_DateTimeInput(),
        error_messages={"invalid": _("Enter a date and time, such as 2026-05-01 14:30.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["eta"].help_text = _("In %(zone)s time. Leave it empty when you do not know yet.") % {
            "zone": timezone.get_current_timezone_name()
        }

    def clean_eta(self):
        eta = self.cleaned_data.get("eta")
        if eta is not None and eta <= timezone.now():
            raise forms.ValidationError(_("The expected fix must be in the future."))
        return eta


class IncidentDeclareForm(_IncidentMessageForm):
    title = forms.CharField(
        label=_("Title"), max_length=200, help_text=_("What is broken, e.g. “Invoice issuance is delayed”.")
    )

    field_order = ["title", "public_message", "eta"]


class IncidentUpdateForm(_IncidentMessageForm):
    """Changes what customers read and when we expect the fix."""


class IncidentResolveForm(forms.Form):
    public_message = forms.CharField(
        label=_("Message to customers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Every customer with a linked ticket reads this on it. Left empty, they read: "
            "“The problem is fixed; delayed invoices are being issued now.”"
        ),
    )
