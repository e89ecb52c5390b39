"""Every list page, and every API list, runs the same SQL queries for 3 rows or 10,000.

Each test measures the pages with a few rows, adds rows in bulk up to 10,000, and
measures again: the counts must not move, and they are pinned so that a new
query per page is a deliberate change. The agent queue has its own such test
(tests/web/test_agent_workspace.py).
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escalation.models import Escalation, EscalationStatus, Incident, IncidentStatus, Reason, Target
from escalation.policies import forget_policies
from invoices.models import Invoice, InvoiceStatus
from supportdesk.models import Notification, User
from tickets.models import Category, Level, Status, Ticket, TicketMessage

LARGE = 10_000
SMALL = 3


def _counts(client, urls) -> list[int]:
    counts = []
    for url in urls:
        forget_policies()  # the policies are cached per process: every request reads them afresh here
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts.append(len(queries))
    return counts


def _small_and_large(client, urls, grow) -> tuple[list[int], list[int]]:
    """The query counts of `urls` after `grow(3)`, then after growing to 10,000 rows."""
    grow(0, SMALL)
    small = _counts(client, urls)
    grow(SMALL, LARGE)
    return small, _counts(client, urls)


def _tickets(start, stop, **fields) -> list[Ticket]:
    """Tickets in every active state and some finished ones, shaped alike whatever the count."""
    now = timezone.now()
    states = [
        {"status": Status.OPEN, "first_response_due": now + timedelta(minutes=30)},
        {"status": Status.WAITING_ON_CUSTOMER, "resolution_due": now + timedelta(hours=5), "sla_paused_at": now},
        {"status": Status.ESCALATED, "level": Level.MANAGER, "next_update_due": now - timedelta(minutes=5)},
        {"status": Status.RESOLVED, "resolved_at": now - timedelta(days=1)},
        {"status": Status.NEW, "first_response_due": now + timedelta(hours=1)},
    ]
    return Ticket.objects.bulk_create(
        (
            Ticket(subject=f"Bulk {n}", description="?", category=Category.INVOICE,
                   **{**states[n % len(states)], **fields})
            for n in range(start, stop)
        ),
        batch_size=1000,
    )


def _invoices(start, stop, *, customer, statuses=None, reviewer=None) -> list[Invoice]:
    now = timezone.now()
    statuses = statuses or [
        InvoiceStatus.REQUESTED, InvoiceStatus.PENDING_REVIEW, InvoiceStatus.QUEUED, InvoiceStatus.ISSUING,
        InvoiceStatus.ISSUED, InvoiceStatus.FAILED, InvoiceStatus.REJECTED,
    ]

    def invoice(n):
        status = statuses[n % len(statuses)]
        reviewed = status in (InvoiceStatus.REJECTED, InvoiceStatus.FAILED, InvoiceStatus.ISSUED)
        return Invoice(
            customer=customer, requested_by=customer, amount=Decimal("300.00") + n, currency="CNY",
            period_start=date(2025, 1, 1), period_end=date(2025, 12, 31), title="Example Co., Ltd.",
            status=status, stage_started_at=now - timedelta(minutes=n % 90), stage_due=now + timedelta(hours=1),
            reviewed_by=reviewer if reviewed else None, reviewed_at=now if reviewed else None,
            rejection_reason="No such company" if status == InvoiceStatus.REJECTED else "",
            last_error="Gateway down" if status == InvoiceStatus.FAILED else "",
            invoice_number=f"BULK{n:08d}" if status == InvoiceStatus.ISSUED else None,
            document="<p>invoice</p>" if status == InvoiceStatus.ISSUED else "",
            issued_at=now if status == InvoiceStatus.ISSUED else None,
        )

    return Invoice.objects.bulk_create((invoice(n) for n in range(start, stop)), batch_size=1000)


# --- the customer portal ---------------------------------------------------------------------


def test_the_customers_home_and_lists_run_the_same_queries_for_3_or_10000_tickets_and_invoices(
    alice, agent01, sign_in
):
    # given
    client = sign_in(alice)
    urls = ["/my/", "/my/tickets/", "/my/tickets/?page=2", "/my/invoices/", "/my/invoices/?page=2",
            "/my/invoices-in-progress/"]

    def grow(start, stop):
        invoice = _invoices(start, stop, customer=alice)[0]
        _tickets(start, stop, customer=alice, team=agent01.team, assignee=agent01, invoice=invoice)

    # when
    small, large = _small_and_large(client, urls, grow)
    # then
    assert Invoice.objects.filter(customer=alice).count() == LARGE
    assert Ticket.objects.filter(customer=alice).count() == LARGE
    assert large == small
    assert small == [6, 6, 6, 6, 6, 3]


# --- the manager's workspace ---------------------------------------------------------------


def test_the_invoice_review_queue_runs_the_same_queries_for_3_or_10000_invoices(alice, maria, sign_in):
    # given
    client = sign_in(maria)
    urls = ["/review/invoices/", "/review/invoices/?page=2"]

    def grow(start, stop):  # half waiting for review, half failed
        _invoices(start, stop, customer=alice, statuses=[InvoiceStatus.PENDING_REVIEW, InvoiceStatus.FAILED],
                  reviewer=maria)

    # when
    small, large = _small_and_large(client, urls, grow)
    # then
    assert Invoice.objects.filter(status__in=[InvoiceStatus.PENDING_REVIEW, InvoiceStatus.FAILED]).count() == LARGE
    assert large == small
    assert small == [7, 7]


def _escalations(start, stop, *, team, agent, owner, customer, notes=2):
    now = timezone.now()
    invoice = _invoices(start, start + 1, customer=customer, statuses=[InvoiceStatus.PENDING_REVIEW])[0]
    tickets = _tickets(start, stop, customer=customer, team=team, assignee=agent, status=Status.ESCALATED,
                       level=Level.MANAGER, escalated_to=owner, invoice=invoice)
    TicketMessage.objects.bulk_create(
        (TicketMessage(ticket=t, author=agent, body=f"Note {n}", internal=True)
         for t in tickets for n in range(notes)),
        batch_size=1000,
    )
    Escalation.objects.bulk_create(
        (
            Escalation(
                ticket=ticket, level=Level.MANAGER, reason=Reason.SLA_BREACH, target=Target.RESOLUTION,
                due_at=now - timedelta(minutes=n + 1), owner=owner, acknowledge_due=now - timedelta(minutes=5),
                status=(EscalationStatus.OPEN, EscalationStatus.ACKNOWLEDGED)[n % 2],
                acknowledged_by=owner if n % 2 else None, acknowledged_at=now if n % 2 else None,
            )
            for n, ticket in enumerate(tickets, start)
        ),
        batch_size=1000,
    )


def test_the_escalation_queue_runs_the_same_queries_for_3_or_10000_escalations(alice, agent01, maria, sign_in):
    # given
    client = sign_in(maria)
    urls = ["/manage/escalations/", "/manage/escalations/?page=2"]

    def grow(start, stop):
        _escalations(start, stop, team=agent01.team, agent=agent01, owner=maria, customer=alice)

    # when
    small, large = _small_and_large(client, urls, grow)
    # then
    assert Escalation.objects.count() == LARGE
    assert large == small
    assert small == [8, 8]


def test_the_incident_pages_run_the_same_queries_for_3_or_10000_incidents_and_linked_tickets(
    alice, agent01, maria, sign_in
):
    # given
    client = sign_in(maria)
    first = Incident.objects.create(title="Gateway down", public_message="Invoices are late.", declared_by=maria)
    urls = ["/manage/incidents/", "/manage/incidents/?page=2", f"/manage/incidents/{first.pk}/",
            f"/manage/incidents/{first.pk}/?page=2"]

    def grow(start, stop):
        Incident.objects.bulk_create(
            (Incident(title=f"Past {n}", public_message="Fixed.", status=IncidentStatus.RESOLVED, declared_by=maria,
                      resolved_by=maria, resolved_at=timezone.now(), started_at=timezone.now() - timedelta(days=n))
             for n in range(start, stop - 1 if start == 0 else stop)),
            batch_size=1000,
        )
        invoice = _invoices(start, start + 1, customer=alice)[0]
        _tickets(start, stop, customer=alice, team=agent01.team, assignee=agent01, incident=first, invoice=invoice)

    # when
    small, large = _small_and_large(client, urls, grow)
    # then
    assert Incident.objects.count() == LARGE and first.tickets.count() == LARGE
    assert large == small
    assert small == [6, 6, 7, 7]


def test_the_team_pages_run_the_same_queries_for_3_or_10000_tickets(alice, agent01, agent02, hana, maria, sign_in):
    # given
    team = agent01.team
    urls = ["/teams/", f"/teams/{team.pk}/"]

    def grow(start, stop):
        half = (start + stop) // 2
        _tickets(start, half, customer=alice, team=team, assignee=agent01)
        _tickets(half, stop, customer=alice, team=team, assignee=agent02)

    # when
    grow(0, SMALL)
    small = _counts(sign_in(hana), urls) + _counts(sign_in(maria), urls)
    grow(SMALL, LARGE)
    large = _counts(sign_in(hana), urls) + _counts(sign_in(maria), urls)
    # then
    assert Ticket.objects.filter(team=team).count() == LARGE
    html = sign_in(maria).get(f"/teams/{team.pk}/").content.decode()
    assert html.count('href="/agent/tickets/') == 2 * 5 and "more tickets" in html  # the first 5 breaches of each
    assert large == small
    assert small == [5, 8, 5, 8]


def _notifications(start, stop, *, recipient):
    Notification.objects.bulk_create(
        (Notification(recipient=recipient, source_key=f"bulk:{n}", subject=f"Update {n}", body="Your ticket moved.",
                      url="/my/", read_at=timezone.now() if n % 2 else None)
         for n in range(start, stop)),
        batch_size=1000,
    )


def test_the_notifications_inbox_runs_the_same_queries_for_3_or_10000_notifications(alice, maria, sign_in):
    # given
    def grow(start, stop):
        _notifications(start, stop, recipient=alice)
        _notifications(start, stop, recipient=maria)

    # when
    grow(0, SMALL)
    small = _counts(sign_in(alice), ["/notifications/"]) + _counts(sign_in(maria), ["/notifications/"])
    grow(SMALL, LARGE)
    large = _counts(sign_in(alice), ["/notifications/"]) + _counts(sign_in(maria), ["/notifications/"])
    # then
    assert Notification.objects.filter(recipient=alice).count() == LARGE
    assert large == small
    assert small == [5, 5]


# --- the API's lists -----------------------------------------------------------------------


def _api_counts(api, urls) -> list[int]:
    counts = []
    for url in urls:
        forget_policies()
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        counts.append(len(queries))
    return counts


def test_the_api_lists_run_the_same_queries_for_3_or_10000_rows(api, alice, agent01, maria):
    # given
    urls = {
        maria: ["/api/v1/tickets/", "/api/v1/invoices/", "/api/v1/escalations/", "/api/v1/notifications/"],
        alice: ["/api/v1/tickets/", "/api/v1/invoices/", "/api/v1/notifications/"],
    }

    def grow(start, stop):
        _escalations(start, stop, team=agent01.team, agent=agent01, owner=maria, customer=alice, notes=0)
        _invoices(start, stop, customer=alice, reviewer=maria)
        for user in urls:
            _notifications(start, stop, recipient=user)

    def measure():  # each request authenticates a fresh user object, as a real one does
        return {
            user.username: _api_counts(api.as_user(User.objects.get(pk=user.pk)), user_urls)
            for user, user_urls in urls.items()
        }

    # when
    grow(0, SMALL)
    small = measure()
    grow(SMALL, LARGE)
    large = measure()
    # then
    assert Escalation.objects.count() == LARGE and Ticket.objects.count() == LARGE
    assert large == small
    assert small == {"maria": [3, 2, 2, 2], "alice": [2, 2, 2]}
