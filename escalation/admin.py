from django.contrib import admin

from escalation.models import Calendar, SlaPolicy


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
