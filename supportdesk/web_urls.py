from django.contrib.auth import views as auth_views
from django.urls import path

from supportdesk import inbox, preferences, signup, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", preferences.preferences, name="preferences"),
    path("me/language/", preferences.set_language, name="set-language"),
    path("notifications/", inbox.inbox, name="inbox"),
    path("notifications/read/", inbox.inbox_read, name="inbox-read"),
    path("teams/", views.team_list, name="team-list"),
    path("teams/<int:pk>/", views.team_detail, name="team-detail"),
    # customer portal
    path("signup/", signup.signup, name="signup"),
]
