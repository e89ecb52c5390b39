from django.urls import path

from escalation import views

urlpatterns = [
    path("manage/escalations/", views.escalation_queue, name="escalation-queue"),
    path("manage/escalations/<int:pk>/<str:name>/", views.escalation_action, name="escalation-action"),
    path("manage/incidents/", views.incident_list, name="incident-list"),
    path("manage/incidents/<int:pk>/", views.incident_detail, name="incident-page"),
    path("manage/incidents/<int:pk>/update/", views.incident_update, name="incident-update"),
    path("manage/incidents/<int:pk>/resolve/", views.incident_resolve, name="incident-resolve"),
]
