"""A signed-in user's own language and time zone, where they chose one.

Runs after LocaleMiddleware and AuthenticationMiddleware: the browser's (or
the switcher's) language stands unless the user saved a preference, and dates
and times are shown in the user's time zone, else in the site's TIME_ZONE.
"""

import zoneinfo

from django.utils import timezone, translation


def user_time_zone(user) -> zoneinfo.ZoneInfo | None:
    """The user's saved zone, or None for the site's; an unknown name is ignored rather than failing a page."""
    name = getattr(user, "time_zone", "")
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def activate_user_preferences(request, user) -> None:
    """Dates and times in the user's zone (else the site's); their saved language, else the one already chosen.

    "Already chosen" is LocaleMiddleware's: the language switcher's cookie, then
    the browser's Accept-Language. The API's token authentication calls this too,
    since DRF authenticates after every middleware has run.
    """
    zone = user_time_zone(user)
    if zone is None:
        timezone.deactivate()
    else:
        timezone.activate(zone)
    if getattr(user, "language", ""):
        translation.activate(user.language)
        request.LANGUAGE_CODE = translation.get_language()


class UserPreferencesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            activate_user_preferences(request, user)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)  # LocaleMiddleware then sets Content-Language from the active language
        finally:
            timezone.deactivate()
