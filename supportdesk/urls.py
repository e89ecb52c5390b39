from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("supportdesk.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("supportdesk.web_urls")),
    path("", include("tickets.urls")),
    path("", include("invoices.urls")),
    path("", include("escalation.urls")),
]
