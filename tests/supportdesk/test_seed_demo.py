"""`manage.py seed_demo`: the demo people, teams, invoices and tickets, created once."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.utils import timezone

from invoices.explanations import explain
from invoices.models import Invoice, InvoiceStatus, LocalGatewayIssue
from invoices.services import stage_deadline
from supportdesk.models import Role, Team, User
from tickets.models import EventKind, Level, Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_settings(settings):
    settings.DEBUG = True  # as `make demo` runs it
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seeded(django_capture_on_commit_callbacks):
    """The output of a first run, with its notifications delivered as a worker would."""
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def usernames(**filters) -> set[str]:
    return set(User.objects.filter(**filters).values_list("username", flat=True))


def test_it_creates_the_people_of_the_demo_with_their_roles_and_teams(seeded):
    billing, technical = Team.objects.get(name="Billing"), Team.objects.get(name="Technical")

    assert {"alice", "bob"} <= usernames(role=Role.CUSTOMER)
    assert usernames(role=Role.AGENT, team=billing) == {f"agent{n:02d}" for n in range(1, 21)}
    assert usernames(role=Role.AGENT, team=technical) == {f"tech{n:02d}" for n in range(1, 6)}
    assert (billing.manager.username, billing.manager.role, billing.manager.expertise) == (
        "maria",
        Role.MANAGER,
        ["invoice", "billing"],
    )
    assert (technical.manager.username, technical.manager.role) == ("tomas", Role.MANAGER)
    assert billing.categories == ["invoice", "billing"]
    assert technical.categories == ["technical", "account", "other"]
    assert usernames(role=Role.HEAD) == {"hana"}
    admin = User.objects.get(username="admin")
    assert (admin.role, admin.is_staff, admin.is_superuser) == (Role.ADMIN, True, True)
    assert usernames(is_staff=True) == {"admin"}


def test_every_demo_user_has_a_name_an_email_and_logs_in_with_the_demo_password(seeded, client):
    users = list(User.objects.all())

    assert len(users) >= 35
    for user in users:
        assert user.display_name and user.email == f"{user.username}@example.com"
        assert client.login(username=user.username, password="demo12345"), user.username
        client.logout()


def test_alice_has_a_history_of_issued_invoices_from_past_years(seeded):
    alice = User.objects.get(username="alice")
    history = Invoice.objects.filter(
        customer=alice, status=InvoiceStatus.ISSUED, issued_at__year__lt=timezone.now().year
    )

    assert history.count() >= 5
    assert alice.invoice_auto_limit > 0 and alice.tier
    for invoice in history:
        assert invoice.created_at <= invoice.issued_at
        assert invoice.invoice_number.startswith(f"EI-{invoice.issued_at:%Y}-")
        # a real document, and the local gateway's ledger knows that number for that key
        assert invoice.invoice_number in invoice.document and invoice.title in invoice.document
        entry = LocalGatewayIssue.objects.get(idempotency_key=str(invoice.idempotency_key))
        assert (entry.number, entry.document, entry.issued_at) == (
            invoice.invoice_number, invoice.document, invoice.issued_at
        )
        # its timeline is the pipeline's, back then
        assert list(invoice.events.values_list("kind", flat=True)) == ["requested", "queued", "issuing", "issued"]
        assert explain(invoice).startswith("Issued at ")


def test_the_story_is_replayed_through_the_pipeline(seeded, settings):
    alice = User.objects.get(username="alice")
    large = Invoice.objects.get(customer=alice, amount=Decimal("10300.00"))
    small = Invoice.objects.get(customer=alice, amount=Decimal("300.00"))

    # alice asked for both at once, the large one first
    assert (large.period_start, large.period_end) == (date(2015, 1, 1), date(2019, 12, 31))
    assert large.created_at <= small.created_at
    # the large one waits for a reviewer, with a deadline, and says so
    assert large.status == InvoiceStatus.PENDING_REVIEW
    assert large.stage_due == stage_deadline(large, large.stage_started_at)
    assert list(large.events.values_list("kind", flat=True)) == ["requested", "sent_to_review"]
    assert "10,300.00 CNY is above your automatic limit of 10,000.00 CNY" in explain(large)
    # the small one was not held behind it: queued, claimed and issued by the local gateway
    assert small.status == InvoiceStatus.ISSUED
    assert small.period_end < timezone.localdate()
    assert list(small.events.values_list("kind", flat=True)) == ["requested", "queued", "issuing", "issued"]
    entry = LocalGatewayIssue.objects.get(idempotency_key=str(small.idempotency_key))
    assert (entry.number, entry.document) == (small.invoice_number, small.document)
    assert small.invoice_number.startswith(f"EI-{timezone.now():%Y}-")
    # the issuance task published on commit ran too (inline here) and issued nothing more
    assert LocalGatewayIssue.objects.count() == Invoice.objects.filter(status=InvoiceStatus.ISSUED).count()


def test_the_invoice_of_the_story_is_linked_to_an_escalated_ticket(seeded):
    ticket = Ticket.objects.get(invoice__amount=10300)

    assert ticket.invoice.status == InvoiceStatus.PENDING_REVIEW
    assert ticket.customer.username == "alice"
    assert (ticket.status, ticket.escalated_to.username) == (Status.ESCALATED, "maria")
    assert ticket.messages.filter(body__contains=ticket.invoice.reference).exists()


def test_tickets_about_past_invoices_name_them_by_number(seeded):
    for ticket in Ticket.objects.filter(invoice__status=InvoiceStatus.ISSUED):
        assert ticket.invoice.invoice_number in ticket.subject + "".join(ticket.messages.values_list("body", flat=True))


def test_there_are_tickets_in_every_state_and_at_every_escalation_level(seeded):
    tickets = Ticket.objects.all()

    assert 30 <= tickets.count() <= 50
    assert {t.status for t in tickets} == set(Status.values)
    escalated = tickets.filter(status=Status.ESCALATED)
    assert {t.level for t in escalated} == {Level.MANAGER, Level.HEAD}
    assert all(t.escalated_to is not None for t in escalated)
    assert {t.customer.username for t in tickets} >= {"alice", "bob"}
    assert {t.category for t in tickets} >= {"invoice", "billing", "technical"}


def test_the_tickets_have_a_real_conversation_and_audit_trail(seeded):
    tickets = Ticket.objects.all()

    # every ticket starts with its creation by the customer; worked ones were assigned by the system
    for ticket in tickets:
        first = ticket.events.order_by("at", "id").first()
        assert (first.kind, first.actor) == (EventKind.CREATED, ticket.customer)
        if ticket.status != Status.NEW:
            assert ticket.assignee.team == ticket.team
            assert ticket.events.filter(kind=EventKind.ASSIGNED, actor=None).exists()
    # public replies and internal notes, by staff and by customers
    assert tickets.filter(messages__internal=True).exists()
    assert tickets.filter(messages__internal=False, messages__author__role=Role.CUSTOMER).exists()
    # resolutions were written by the people holding the tickets
    resolved = tickets.filter(status__in=[Status.RESOLVED, Status.CLOSED])
    assert all(
        t.events.filter(kind=EventKind.RESOLVED, actor__role__in=[Role.AGENT, Role.MANAGER]).exists() for t in resolved
    )
    # the work is spread over the Billing agents, not piled on one
    assert len({t.assignee_id for t in tickets.filter(team__name="Billing").exclude(status=Status.NEW)}) >= 15


def test_the_first_run_notifies_the_people_concerned(seeded, mailoutbox):
    assert User.objects.get(username="alice").notifications.exists()
    assert User.objects.get(username="maria").notifications.exists()
    assert any(message.to == ["alice@example.com"] for message in mailoutbox)


def test_it_prints_a_summary_and_the_logins(seeded):
    assert "tickets: " in seeded and "created" in seeded
    small = Invoice.objects.get(amount=300)
    assert f"went through the pipeline: issued as {small.invoice_number}" in seeded
    for login in ("admin", "hana", "maria", "tomas", "agent01 .. agent20", "tech01 .. tech05", "alice"):
        assert login in seeded
    assert "demo12345" in seeded


def test_a_second_run_changes_nothing(seeded, django_capture_on_commit_callbacks):
    before = row_counts()
    updated = {ticket.pk: ticket.updated_at for ticket in Ticket.objects.all()}
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("seed_demo", stdout=out)

    assert row_counts() == before
    assert {ticket.pk: ticket.updated_at for ticket in Ticket.objects.all()} == updated
    assert callbacks == []
    assert "none added" in out.getvalue()
    assert "0 created" in out.getvalue()


def test_it_keeps_users_that_already_exist_as_they_are(client):
    # Given alice already exists, with her own password
    User.objects.create_user(username="alice", password="her-own-secret", role=Role.CUSTOMER)

    # When the demo is seeded
    call_command("seed_demo", stdout=StringIO())

    # Then alice is kept (and gets the demo tickets), and everybody else is created
    assert client.login(username="alice", password="her-own-secret")
    assert Ticket.objects.filter(customer__username="alice").exists()
    assert User.objects.filter(username="agent20").exists()


def test_it_refuses_to_run_without_debug_unless_told_to(settings):
    # Given a deployment with DEBUG off
    settings.DEBUG = False

    # When the demo is seeded, it refuses and creates nobody
    with pytest.raises(CommandError, match="--insecure"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()

    # Unless the operator insists
    call_command("seed_demo", "--insecure", stdout=StringIO())
    assert User.objects.filter(username="admin", is_superuser=True).exists()
