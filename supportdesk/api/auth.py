from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle


class ObtainTokenView(ObtainAuthToken):
    """`POST {"username", "password"}` answers `{"token"}`; throttled against guessing."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
