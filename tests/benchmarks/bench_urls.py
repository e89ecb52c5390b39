"""The product's URLs plus one bare view, the framework's ceiling: only the load benchmark's gunicorn serves these."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    """No database, no template, no serializer: what Django and gunicorn cost on their own (middleware included)."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare, name="bench-bare"),
    path("", include("supportdesk.urls")),
]
