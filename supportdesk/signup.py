"""Customers sign up by themselves: an active customer account, logged in at once.

Only customers: staff accounts are created by administrators in the Django admin.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm, UsernameField
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from supportdesk.models import Role, User
from supportdesk.submission import submit


class SignUpForm(UserCreationForm):
    """Django's password validators apply to the first password; the second must match it."""

    class Meta:
        model = User
        fields = ("username", "email", "display_name")
        field_classes = {"username": UsernameField}
        labels = {"username": _("Username"), "email": _("Email address"), "display_name": _("Display name")}
        help_texts = {
            "username": _("Letters, digits and @/./+/-/_ only; you log in with it."),
            "email": _("We send news about your tickets and invoices here."),
            "display_name": _("How support staff address you, e.g. your full name."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["display_name"].required = True
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["display_name"].widget.attrs["autocomplete"] = "name"
        self.fields["password1"].label = _("Password")
        self.fields["password2"].label = _("Password again")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email address exists already: log in instead."))
        return email

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.role = Role.CUSTOMER  # never anything else, whatever was posted
        user.is_active = True
        user.is_staff = False
        user.is_superuser = False
        if commit:
            user.save()
        return user


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "GET":
        return render(request, "registration/signup.html", {"form": form})
    outcome = submit(form, lambda form: form.save())
    if not outcome.ok:
        return render(request, "registration/signup.html", {"form": form}, status=outcome.status)
    user = outcome.result
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, gettext("Welcome, %(name)s: your account is ready.") % {"name": user})
    return redirect("home")
