"""How the API knows who is asking, and answers them in their language and time zone.

Kept apart from the token view: DRF imports these classes while it sets
itself up, so this module imports nothing of DRF's views.
"""

from rest_framework import authentication

from supportdesk.middleware import activate_user_preferences


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, answering in the user's language and time zone.

    UserPreferencesMiddleware sees only session users: a token is read by DRF
    after every middleware has run, so the preferences are activated here. A
    user with no saved language keeps the request's (Accept-Language).
    """

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            activate_user_preferences(request._request, result[0])
        return result
