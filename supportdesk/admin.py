"""Administration of users and teams: who works where, with which role and expertise."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from supportdesk.models import Area, Notification, Role, Team, User
from tickets.models import Category


def _checkboxes(choices, *, label, help_text=""):
    """A JSON list column edited as one checkbox per choice."""
    return forms.MultipleChoiceField(
        choices=choices, widget=forms.CheckboxSelectMultiple, required=False, label=label, help_text=help_text
    )


def over_capacity_warning(team: Team, agent_count: int) -> str | None:
    """The warning an administrator sees about a team too large for one manager, or None."""
    limit = settings.TEAM_RECOMMENDED_MAX_AGENTS
    if agent_count <= limit:
        return None
    return _(
        "Team %(team)s has %(count)d active agents, more than the %(limit)d one manager should lead: "
        "consider splitting it or giving it a second manager."
    ) % {"team": team.name, "count": agent_count, "limit": limit}


# --- users -----------------------------------------------------------------------


class SupportUserChangeForm(UserChangeForm):
    expertise = _checkboxes(Area.choices, label=_("Expertise"), help_text=_("A manager's areas of expertise."))

    class Meta(UserChangeForm.Meta):
        model = User


class SupportUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email", "display_name", "role")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = SupportUserChangeForm
    add_form = SupportUserCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("display_name", "first_name", "last_name", "email")}),
        (_("Support"), {"fields": ("role", "team", "expertise", "tier", "invoice_auto_limit")}),
        (
            _("Permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "classes": ("collapse",),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "display_name", "role", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("username", "display_name", "email", "role", "team", "tier", "is_staff", "is_active")
    list_filter = ("role", "team", "tier", "is_staff", "is_superuser", "is_active")
    list_select_related = ("team",)
    search_fields = ("username", "display_name", "first_name", "last_name", "email")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.team_id and obj.role == Role.AGENT and obj.is_active:
            warning = over_capacity_warning(obj.team, obj.team.count_agents())
            if warning:
                self.message_user(request, warning, messages.WARNING)


# --- teams -----------------------------------------------------------------------


class TeamForm(forms.ModelForm):
    categories = _checkboxes(
        Category.choices,
        label=_("Categories"),
        help_text=_("Ticket categories this team owns: new tickets in them are assigned to its agents."),
    )

    class Meta:
        model = Team
        fields = ("name", "manager", "categories")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    form = TeamForm
    list_display = ("name", "manager", "category_list", "agent_count")
    list_select_related = ("manager",)
    search_fields = ("name",)
    readonly_fields = ("agents",)
    fields = ("name", "manager", "categories", "agents")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(active_agents=Count("members", filter=Q(members__role=Role.AGENT, members__is_active=True)))
        )

    @admin.display(description=_("categories"))
    def category_list(self, team):
        labels = dict(Category.choices)
        return ", ".join(str(labels.get(category, category)) for category in team.categories)

    @admin.display(description=_("active agents"), ordering="active_agents")
    def agent_count(self, team):
        warning = over_capacity_warning(team, team.active_agents)
        if warning is None:
            return team.active_agents
        return format_html(
            '<strong title="{}">{} ⚠ {}</strong>',
            warning,
            team.active_agents,
            _("over the recommended %(limit)d") % {"limit": settings.TEAM_RECOMMENDED_MAX_AGENTS},
        )

    @admin.display(description=_("active agents"))
    def agents(self, team):
        if team.pk is None:
            return "-"
        members = team.members.filter(role=Role.AGENT, is_active=True).order_by("username")
        count = len(members)
        listing = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:supportdesk_user_change", args=[m.pk]), m.username) for m in members),
        )
        summary = ngettext("%(count)d agent", "%(count)d agents", count) % {"count": count}
        return format_html("{}: {}", summary, listing) if count else summary

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            team = self.get_object(request, object_id)
            if team is not None:
                self._warn_if_over_capacity(request, team)
        return super().change_view(request, object_id, form_url, extra_context)

    def response_add(self, request, obj, post_url_continue=None):
        self._warn_after_save(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._warn_after_save(request, obj)
        return super().response_change(request, obj)

    def _warn_after_save(self, request, team):
        # "Save and continue editing" lands on the change page, which warns by itself.
        if "_continue" not in request.POST:
            self._warn_if_over_capacity(request, team)

    def _warn_if_over_capacity(self, request, team):
        warning = over_capacity_warning(team, team.count_agents())
        if warning:
            self.message_user(request, warning, messages.WARNING)


# --- notifications ---------------------------------------------------------------


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Notifications are a record of what was sent: they are read here, never edited."""

    list_display = ("subject", "recipient", "source_key", "created_at", "read_at")
    list_filter = ("created_at", "read_at")
    list_select_related = ("recipient",)
    search_fields = ("subject", "source_key", "recipient__username", "recipient__email")
    fields = ("recipient", "source_key", "subject", "body", "url", "created_at", "read_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
