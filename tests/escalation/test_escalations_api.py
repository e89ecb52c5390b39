"""`/api/v1/escalations/` and `/api/v1/incidents/`: scoped lists, transitions, 400/403/404/409."""

import pytest

from escalation import incidents
from escalation.models import Escalation, EscalationStatus, Incident
from tickets import services
from tickets.models import Level


@pytest.fixture
def escalated(alice, agent01, maria, django_capture_on_commit_callbacks):
    """An invoice ticket agent01 escalated by hand: maria owns the escalation."""
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(customer=alice, subject="Invoice hangs", description="10,300 CNY", category="invoice")
        services.ticket_escalate(ticket=ticket, reason="Needs an invoice expert", by=agent01)
    return Escalation.objects.get(ticket=ticket)


def test_the_owner_lists_her_escalations_with_their_facts(api, escalated, maria):
    answer = api.as_user(maria).get("/api/v1/escalations/?open=true")

    assert answer.status_code == 200
    [row] = answer.json()["results"]
    assert row["ticket"] == escalated.ticket_id and row["ticket_reference"] == escalated.ticket.reference
    assert (row["level"], row["reason"], row["target"], row["due_at"], row["owner"], row["status"]) == (
        Level.MANAGER, "manual", "", None, maria.pk, "open"
    )
    assert row["note"] == "Needs an invoice expert"
    assert row["allowed_transitions"] == ["acknowledge", "take_over"]


def test_lists_are_scoped_and_someone_elses_escalation_is_a_404(api, escalated, tomas, agent01, alice, hana):
    assert api.as_user(tomas).get("/api/v1/escalations/").json()["results"] == []
    assert api.as_user(tomas).get(f"/api/v1/escalations/{escalated.pk}/").status_code == 404
    assert api.as_user(alice).get("/api/v1/escalations/").json()["results"] == []
    assert api.as_user(agent01).get(f"/api/v1/escalations/{escalated.pk}/").status_code == 404
    assert len(api.as_user(hana).get("/api/v1/escalations/").json()["results"]) == 1


def test_filters_by_level_owner_and_openness(api, escalated, maria, hana):
    client = api.as_user(hana)

    assert len(client.get("/api/v1/escalations/?level=2").json()["results"]) == 1
    assert client.get("/api/v1/escalations/?level=3").json()["results"] == []
    assert len(client.get(f"/api/v1/escalations/?owner={maria.pk}").json()["results"]) == 1
    assert client.get("/api/v1/escalations/?open=false").json()["results"] == []
    assert client.get("/api/v1/escalations/?level=9").status_code == 400


def test_acknowledging_twice_is_a_409(api, escalated, maria):
    first = api.as_user(maria).post(f"/api/v1/escalations/{escalated.pk}/acknowledge/")
    second = api.post(f"/api/v1/escalations/{escalated.pk}/acknowledge/")

    assert first.status_code == 200 and first.json()["status"] == EscalationStatus.ACKNOWLEDGED
    assert first.json()["acknowledged_by"] == maria.pk and first.json()["acknowledged_at"]
    assert second.status_code == 409
    assert second.json()["status"] == "acknowledged" and "acknowledge" not in second.json()["allowed_transitions"]


def test_only_the_owner_or_the_head_acknowledges(api, escalated, hana, admin_user):
    from tests.factories import ManagerFactory

    other_manager = ManagerFactory(username="li", expertise=["invoice"])
    escalated.ticket.team.manager = other_manager  # li leads the team now and sees it, but does not own the escalation
    escalated.ticket.team.save()

    assert api.as_user(other_manager).post(f"/api/v1/escalations/{escalated.pk}/acknowledge/").status_code == 403
    assert api.as_user(hana).post(f"/api/v1/escalations/{escalated.pk}/acknowledge/").status_code == 200


def test_taking_over_moves_the_ticket_to_the_manager_who_takes_it(api, escalated, hana):
    answer = api.as_user(hana).post(f"/api/v1/escalations/{escalated.pk}/take_over/")

    assert answer.status_code == 200 and answer.json()["owner"] == hana.pk
    escalated.ticket.refresh_from_db()
    assert escalated.ticket.escalated_to == hana


# --- incidents ---------------------------------------------------------------------------


def test_customers_read_the_open_incidents_for_the_banner_but_not_staff_fields(api, maria, alice):
    incidents.incident_declare(by=maria, title="Invoices delayed", public_message="Issuance is slow; fixed by 12:00.")
    resolved = incidents.incident_declare(by=maria, title="Old", public_message="Gone")
    incidents.incident_resolve(incident=resolved, by=maria)

    answer = api.as_user(alice).get("/api/v1/incidents/?status=open")

    assert answer.status_code == 200
    [banner] = answer.json()["results"]
    assert banner["public_message"] == "Issuance is slow; fixed by 12:00."
    assert "ticket_count" not in banner and "automatic" not in banner
    assert api.get(f"/api/v1/incidents/{resolved.pk}/").status_code == 404  # not hers, not open


def test_managers_declare_update_and_resolve_incidents(api, maria):
    client = api.as_user(maria)

    declared = client.post("/api/v1/incidents/", {"title": "Gateway down", "public_message": "Invoices wait."}, format="json")
    pk = declared.json()["id"]
    updated = client.patch(f"/api/v1/incidents/{pk}/", {"eta": "2026-11-23T12:00:00Z"}, format="json")
    resolved = client.post(f"/api/v1/incidents/{pk}/resolve/", {"public_message": "Back to normal."}, format="json")
    again = client.post(f"/api/v1/incidents/{pk}/resolve/", {}, format="json")

    assert declared.status_code == 201 and declared.json()["status"] == "open" and declared.json()["ticket_count"] == 0
    assert updated.status_code == 200 and updated.json()["eta"].startswith("2026-11-23T")
    assert resolved.status_code == 200 and resolved.json()["resolution"] == "Back to normal."
    assert again.status_code == 409
    assert Incident.objects.get(pk=pk).resolved_by == maria


def test_bad_incident_input_is_a_400_and_changes_nothing(api, maria, alice, agent01):
    answer = api.as_user(maria).post("/api/v1/incidents/", {"title": "", "eta": "soon"}, format="json")

    assert answer.status_code == 400
    assert set(answer.json()) == {"title", "public_message", "eta"}
    assert api.as_user(alice).post("/api/v1/incidents/", {"title": "x", "public_message": "y"}, format="json").status_code == 403
    assert api.as_user(agent01).post("/api/v1/incidents/", {"title": "x", "public_message": "y"}, format="json").status_code == 403
    assert not Incident.objects.exists()


def test_tickets_show_their_incident(api, escalated, maria, alice):
    incident = incidents.incident_declare(by=maria, title="Gateway down", public_message="Invoices wait.")
    services.ticket_link_incident(ticket=escalated.ticket, incident=incident)

    assert api.as_user(alice).get(f"/api/v1/tickets/{escalated.ticket_id}/").json()["incident"] == incident.pk
