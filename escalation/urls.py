from django.urls import path

from escalation import views

urlpatterns = [
    path("manage/incidents/<int:pk>/", views.incident_detail, name="incident-page"),
]
