"""The user's own page (/me/): language and time zone; and a language switcher that remembers."""

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.i18n import LANGUAGE_QUERY_PARAMETER
from django.views.i18n import set_language as django_set_language

from supportdesk.models import User


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["language", "time_zone"]
        labels = {"language": gettext_lazy("Language"), "time_zone": gettext_lazy("Time zone")}
        widgets = {
            "time_zone": forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Your browser's language"))] + [
            (code, translation.get_language_info(code)["name_local"].capitalize()) for code, _name in settings.LANGUAGES
        ]


@login_required
def preferences(request):
    user = request.user
    if request.method == "POST":
        form = PreferencesForm(request.POST, instance=user)
        if form.is_valid():
            form.save()
            response = redirect("preferences")
            if user.language:
                translation.activate(user.language)
                _remember_in_cookie(response, user.language)
            else:  # "the browser's language": forget what the switcher chose before
                response.delete_cookie(
                    settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN
                )
            messages.success(request, _("Your preferences are saved."))
            return response
    else:
        form = PreferencesForm(instance=user)
    return render(request, "supportdesk/preferences.html", {"form": form, "time_zones": _common_time_zones()})


@require_POST
def set_language(request):
    """Django's set_language, which also saves the choice on a signed-in user."""
    response = django_set_language(request)
    code = request.POST.get(LANGUAGE_QUERY_PARAMETER, "")
    if request.user.is_authenticated and code in dict(settings.LANGUAGES) and request.user.language != code:
        request.user.language = code
        request.user.save(update_fields=["language"])
    return response


def _remember_in_cookie(response, code):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


_REGIONS = (
    "Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/", "Pacific/",
)


def _common_time_zones() -> list[str]:
    """Suggestions for the field: the regional names (any IANA name is accepted)."""
    return sorted(name for name in zoneinfo.available_timezones() if name.startswith(_REGIONS))
