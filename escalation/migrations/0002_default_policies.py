from django.db import migrations

CALENDARS = [
    {"name": "24x7", "kind": "24x7", "time_zone": "UTC"},
    {
        "name": "Business hours, Shanghai", "kind": "business_hours", "time_zone": "Asia/Shanghai",
        "workday_start": "09:00", "workday_end": "18:00", "workdays": [0, 1, 2, 3, 4], "holiday_country": "CN",
    },
]
POLICIES = [
    {
        "name": "Default", "calendar": "24x7", "first_response_minutes": 60, "next_update_minutes": 240,
        "resolution_minutes": 1440, "acknowledge_minutes": 30, "invoice_review_minutes": 240, "invoice_issue_minutes": 10,
    },
    {
        "name": "Invoices", "category": "invoice", "calendar": "Business hours, Shanghai", "first_response_minutes": 30,
        "next_update_minutes": 120, "resolution_minutes": 480, "acknowledge_minutes": 15,
        "invoice_review_minutes": 240, "invoice_issue_minutes": 10,
    },
]


def create_defaults(apps, schema_editor):
    Calendar = apps.get_model("escalation", "Calendar")
    SlaPolicy = apps.get_model("escalation", "SlaPolicy")
    calendars = {spec["name"]: Calendar.objects.get_or_create(name=spec["name"], defaults=spec)[0] for spec in CALENDARS}
    for spec in POLICIES:
        fields = {**spec, "calendar": calendars[spec["calendar"]]}
        SlaPolicy.objects.get_or_create(name=spec["name"], defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("escalation", "0001_sla_policies")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
