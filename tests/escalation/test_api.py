from escalation.models import Calendar, SlaPolicy


def test_staff_read_the_policies_and_customers_may_not(api, agent01, alice):
    listed = api.as_user(agent01).get("/api/v1/sla-policies/")

    assert listed.status_code == 200
    assert {p["name"] for p in listed.json()["results"]} >= {"Default", "Invoices"}
    assert api.as_user(alice).get("/api/v1/sla-policies/").status_code == 403


def test_administrators_add_and_change_policies_with_fractional_minutes(api, admin_user):
    calendar = Calendar.objects.get(name="24x7")

    created = api.as_user(admin_user).post(
        "/api/v1/sla-policies/",
        {"name": "Fast invoices", "category": "invoice", "priority": "urgent", "first_response_minutes": 0.05,
         "invoice_review_minutes": 0.05, "calendar": calendar.pk},
        format="json",
    )
    changed = api.patch(f"/api/v1/sla-policies/{created.json()['id']}/", {"resolution_minutes": 30}, format="json")

    assert created.status_code == 201 and created.json()["first_response_minutes"] == 0.05
    assert changed.status_code == 200 and SlaPolicy.objects.get(name="Fast invoices").resolution_minutes == 30


def test_managers_may_read_but_not_write(api, maria):
    answer = api.as_user(maria).post("/api/v1/sla-policies/", {"name": "Mine"}, format="json")

    assert answer.status_code == 403


def test_bad_policies_answer_400_with_field_errors(api, admin_user):
    answer = api.as_user(admin_user).post(
        "/api/v1/sla-policies/",
        {"name": "Default", "category": "invoices", "priority": "asap", "first_response_minutes": -1, "calendar": 999},
        format="json",
    )

    assert answer.status_code == 400
    assert set(answer.json()) == {"name", "category", "priority", "first_response_minutes", "calendar"}
