"""Escalations and incidents in the admin: read, acknowledged and resolved through the services."""

from escalation import incidents
from escalation.models import Escalation, EscalationStatus, Incident, IncidentStatus
from tickets import services


def test_the_admin_acknowledges_escalations_and_reports_those_already_done(client, admin_user, alice, agent01, maria):
    ticket = services.ticket_create(customer=alice, subject="Invoice", description="x", category="invoice")
    services.ticket_escalate(ticket=ticket, reason="Expert needed", by=agent01)
    escalation = Escalation.objects.get()
    client.force_login(admin_user)

    first = client.post("/admin/escalation/escalation/", {"action": "acknowledge", "_selected_action": [escalation.pk]}, follow=True)
    again = client.post("/admin/escalation/escalation/", {"action": "acknowledge", "_selected_action": [escalation.pk]}, follow=True)

    escalation.refresh_from_db()
    assert (escalation.status, escalation.acknowledged_by) == (EscalationStatus.ACKNOWLEDGED, admin_user)
    assert "1 acknowledged." in first.content.decode()
    assert "Cannot acknowledge this escalation" in again.content.decode()
    assert client.get(f"/admin/escalation/escalation/{escalation.pk}/change/").status_code == 200


def test_the_admin_declares_and_resolves_an_incident(client, admin_user):
    client.force_login(admin_user)

    added = client.post("/admin/escalation/incident/add/", {"title": "Gateway down", "public_message": "Invoices wait."})
    incident = Incident.objects.get()
    resolved = client.post("/admin/escalation/incident/", {"action": "resolve", "_selected_action": [incident.pk]}, follow=True)

    assert added.status_code == 302
    assert incident.declared_by == admin_user
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED and resolved.status_code == 200


def test_the_admin_changes_the_public_message_of_an_open_incident(client, admin_user, maria):
    incident = incidents.incident_declare(by=maria, title="Slow", public_message="Pages are slow.")
    client.force_login(admin_user)

    client.post(f"/admin/escalation/incident/{incident.pk}/change/", {"title": "Slow", "public_message": "Fixed by noon."})

    incident.refresh_from_db()
    assert incident.public_message == "Fixed by noon."
