from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from escalation import incidents, services
from escalation.models import Calendar, Escalation, Incident, SlaPolicy
from supportdesk.admin_actions import run_on_each


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "time_zone", "workday_start", "workday_end", "holiday_country")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name", "category", "priority", "customer_tier", "first_response_minutes", "next_update_minutes",
        "resolution_minutes", "acknowledge_minutes", "calendar", "is_active",
    )
    list_filter = ("is_active", "category", "priority", "customer_tier", "calendar")
    list_select_related = ("calendar",)
    search_fields = ("name",)


def _run_on_each(modeladmin, request, queryset, run, done: str) -> int:
    return run_on_each(modeladmin, request, queryset, run, done=lambda n: f"{n} {done}")


@admin.action(description=_("Acknowledge"), permissions=["view"])
def acknowledge(modeladmin, request, queryset):
    _run_on_each(
        modeladmin, request, queryset, lambda e, by: services.escalation_acknowledge(escalation=e, by=by), _("acknowledged.")
    )


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    """Escalations are records of what happened: read here, acted on through the action."""

    list_display = ("ticket", "level", "reason", "target", "due_at", "created_at", "owner", "status", "acknowledge_due")
    list_filter = ("status", "reason", "level", "target")
    list_select_related = ("ticket", "owner")
    search_fields = ("ticket__subject", "note", "owner__username")
    date_hierarchy = "created_at"
    actions = [acknowledge]
    readonly_fields = [field.name for field in Escalation._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.action(description=_("Resolve (re-queues stalled invoices, tells every linked customer)"), permissions=["view"])
def resolve(modeladmin, request, queryset):
    _run_on_each(modeladmin, request, queryset, lambda i, by: incidents.incident_resolve(incident=i, by=by), _("resolved."))


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "automatic", "started_at", "eta", "resolved_at")
    list_filter = ("status", "automatic")
    search_fields = ("title", "public_message")
    actions = [resolve]
    readonly_fields = ("status", "automatic", "started_at", "resolved_at", "declared_by", "resolved_by", "resolution")
    fields = ("title", "public_message", "eta", *readonly_fields)

    def save_model(self, request, obj, form, change):
        if change:
            incidents.incident_update(incident=obj, by=request.user, **{f: form.cleaned_data[f] for f in form.changed_data})
        else:
            declared = incidents.incident_declare(
                by=request.user, title=obj.title, public_message=obj.public_message, eta=obj.eta
            )
            obj.pk = declared.pk
